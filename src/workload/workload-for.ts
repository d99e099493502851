/** A CPU's workload: the seeded synthetic one, or a real program's trace (--workload). */
import type { SimConfig } from '../model/config.js';
import type { EventChunk } from './events.js';
import { CpuWorkload } from './cpu-workload.js';
import { TraceWorkload } from './trace-workload.js';
import type { ThreadStall } from './thread-gates.js';

export interface WorkloadSource {
  /** The next chunk of events into `out`; false when the CPU's workload is finished. */
  fill(out: EventChunk): boolean;
  /** Gated threads' waits for their tracers, as far as this CPU's schedule got. */
  stalls?(): ThreadStall[];
}

export function workloadFor(cfg: SimConfig, cpu: number): WorkloadSource {
  return cfg.traces.length > 0 ? new TraceWorkload(cfg, cpu) : new CpuWorkload(cfg, cpu);
}
