/** Everything a worker needs to attach to a run's shared memory (passed as workerData). */
import type { SimConfig } from '../model/config.js';
import type { Layout } from '../mem/layout.js';
import type { QueueMemory } from '../workload/chunk-queue.js';

export interface SharedState {
  cfg: SimConfig;
  layout: Layout;
  ctl: SharedArrayBuffer;
  bufs: SharedArrayBuffer;
  cons: SharedArrayBuffer;
  /** Modelled clock: request/answer times and SAFE bounds (clock-words.ts). */
  clock: SharedArrayBuffer;
  /** Float64 figures for progress and the watchdog (not part of the protocol). */
  stats: SharedArrayBuffer;
  /** The generator threads' queues, one per CPU worker (workload/chunk-queue.ts). */
  queues?: QueueMemory[];
  /** Gated threads' outcomes (gate-table.ts), worked out once for every worker. */
  gates?: Float64Array;
}

export interface WorkerData {
  state: SharedState;
  /** The CPUs a CPU worker steps (one, or cpusPerWorker under the modelled clock). */
  cpus?: number[];
  design?: string;
  dumpDir?: string;
  /** A sink worker: the consumers it owns (consumers/sink-parts.ts). */
  sinkConsumers?: number[];
}
