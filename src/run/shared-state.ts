/** Everything a worker needs to attach to a run's shared memory (passed as workerData). */
import type { SimConfig } from '../model/config.js';
import type { Layout } from '../mem/layout.js';

export interface SharedState {
  cfg: SimConfig;
  layout: Layout;
  ctl: SharedArrayBuffer;
  bufs: SharedArrayBuffer;
  cons: SharedArrayBuffer;
  /** Float64 figures for progress and the watchdog (not part of the protocol). */
  stats: SharedArrayBuffer;
}

export interface WorkerData {
  state: SharedState;
  cpu?: number;
  design?: string;
  dumpDir?: string;
}
