/** A CPU's workload: the seeded synthetic one, or a real program's trace (--workload). */
import type { SimConfig } from '../model/config.js';
import type { EventChunk } from './events.js';
import { CpuWorkload } from './generator.js';
import { TraceWorkload } from './trace-workload.js';

export interface WorkloadSource {
  /** The next chunk of events into `out`; false when the CPU's workload is finished. */
  fill(out: EventChunk): boolean;
}

export function workloadFor(cfg: SimConfig, cpu: number): WorkloadSource {
  return cfg.traces.length > 0 ? new TraceWorkload(cfg, cpu) : new CpuWorkload(cfg, cpu);
}
