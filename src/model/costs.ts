/**
 * The cost model of modelled time (`--clock model`, the default): what each step of the
 * simulated machine costs, in nanoseconds of the machine's own time. Loss, stall and latency
 * figures are computed from these and from the seeded workload alone, never from how fast
 * the host runs the simulation. docs/modelled-time.md gives each default's source; the
 * schema (what each field accepts) is in config-schema.ts. No zod here: CPU workers load this.
 */
import { hashKey, Rng } from '../base/prng.js';

export interface Costs {
  branchNs: number;
  recordNs: number;
  pmiNs: number;
  irqExitNs: number;
  serviceNs: number;
  splayNsPerRecord: number;
  copyGBps: number;
  workQueueNs: number;
  workQueueShape: 'tail' | 'fixed';
  pageFaultNs: number;
  callbackNs: number;
  flushNs: number;
  handler: 'per-cpu' | 'single';
}

/** The defaults, each argued in docs/modelled-time.md. */
export const DEFAULT_COSTS: Costs = {
  branchNs: 2,
  recordNs: 20,
  pmiNs: 1_500,
  irqExitNs: 500,
  serviceNs: 1_000,
  splayNsPerRecord: 2,
  copyGBps: 10,
  workQueueNs: 20_000,
  workQueueShape: 'tail',
  pageFaultNs: 1_000,
  callbackNs: 5_000,
  flushNs: 1_000,
  handler: 'per-cpu',
};

export function resolveCosts(c: Partial<Costs> | undefined): Costs {
  return { ...DEFAULT_COSTS, ...(c ?? {}) };
}

/**
 * The "tail" shape of schedule_work() latency: with probability 19/20 an exponential wait of
 * mean m, otherwise (the worker was busy with other work, or preempted) one of mean 10 m;
 * m = workQueueNs / 1.45 so the mean is workQueueNs. Seeded by (seed, cpu, n-th item of that
 * CPU), so the same run draws the same latencies whatever the host does.
 */
export function workQueueLatency(costs: Costs, seed: number, cpu: number, n: number): number {
  const mean = costs.workQueueNs;
  if (costs.workQueueShape === 'fixed' || mean === 0) return mean;
  const rng = new Rng(hashKey(seed, 0x3c0f, cpu, n));
  const long = rng.below(20) === 0;
  // 1 - u in (0, 1]: the logarithm is finite.
  const u = 1 - rng.next() / 0x1_0000_0000;
  return (-Math.log(u) * mean * (long ? 10 : 1)) / 1.45;
}
