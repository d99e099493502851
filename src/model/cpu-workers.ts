/** Which simulated CPUs each CPU worker thread steps, and the name a failure gives that worker. */
import type { SimConfig } from './config.js';

/** The CPUs of each CPU worker: cpusPerWorker consecutive CPUs to a worker, in order. */
export function cpuWorkerGroups(cfg: SimConfig): number[][] {
  const groups: number[][] = [];
  for (let first = 0; first < cfg.cpus; first += cfg.cpusPerWorker) {
    groups.push(Array.from({ length: Math.min(cfg.cpusPerWorker, cfg.cpus - first) }, (_, k) => first + k));
  }
  return groups;
}

/** The actor a CPU worker is named by in errors ("cpu3", or "cpus 0-3"). */
export function cpuWorkerActor(cpus: readonly number[]): string {
  return cpus.length === 1 ? `cpu${cpus[0]}` : `cpus ${cpus[0]}-${cpus.at(-1)}`;
}
