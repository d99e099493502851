/** The configuration's default values, for every field a config may leave out. */
import type { WorkloadConfig } from './config.js';

export const DEFAULT_WORKLOAD: WorkloadConfig = {
  threads: 0, // 0: two per CPU
  addressSpaces: 0, // 0: one per two threads
  timesliceBranches: 20_000,
  migrationRate: 0.25,
  syscallRate: 8,
  exceptionRate: 2,
  interruptRate: 2,
  kernelPathMean: 24,
  irqsOffRate: 0.05,
  irqsOffBranches: 12,
};

export const DEFAULTS = {
  seed: 1,
  cpus: 4,
  branches: 500_000,
  bufferRecords: 4_096,
  skidRecords: 8,
  batchRecords: 256,
  spares: 0, // 0 here: four per CPU (resolveConfig)
  design: 'spare-swap',
  format: 64 as const,
  dsCpl: true,
  userPc: 'hide' as const,
  consumerBuffers: 8,
  consumerPolicy: 'wait' as const,
  check: true,
  memoryBudgetMiB: 2_048,
  watchdogMs: 10_000,
};

/** Address spaces of the synthetic threads beside traces: one per two threads, as without traces. */
export function syntheticSpaces(threads: number): number {
  return Math.ceil(threads / 2);
}
