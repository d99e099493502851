/** Everything a worker needs to attach to a run's shared memory (passed as workerData). */
import type { SimConfig } from '../model/config.js';
import type { Layout } from '../mem/layout.js';
import { CPU_STAT_STRIDE } from '../frontend/cpu-core.js';

/**
 * The stats SAB (Float64): CPU_STAT_STRIDE figures per CPU (cpu-core.ts), then the
 * coordinator's. Only the coordinator thread writes its words (plain stores); the main
 * thread's watchdog reads them to blame a hang on the design rather than the coordinator.
 */
export const COORD_STAT_WORDS = 4;
/** 0 outside the design; 1 inside onOverflow; 2 inside the design's deferred work. */
export const COORD_STAT_IN_DESIGN = 0;
/** The CPU whose overflow or deferred work the design is running. */
export const COORD_STAT_DESIGN_CPU = 1;

export function coordStat(cpus: number, word: number): number {
  return cpus * CPU_STAT_STRIDE + word;
}

export function statsBytes(cpus: number): number {
  return (cpus * CPU_STAT_STRIDE + COORD_STAT_WORDS) * 8;
}

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
  /** Gated threads' outcomes (schedule.ts gateTable), worked out once for every worker. */
  gates?: Float64Array;
}

export interface WorkerData {
  state: SharedState;
  /** The CPUs a CPU worker steps (one, or cpusPerWorker under the modelled clock). */
  cpus?: number[];
  design?: string;
  dumpDir?: string;
}
