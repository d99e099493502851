/**
 * The cost model of modelled time (`--clock model`, the default): what each step of the
 * simulated machine costs, in nanoseconds of the machine's own time. Loss, stall and latency
 * figures are computed from these and from the seeded workload alone, never from how fast
 * the host runs the simulation. docs/modelled-time.md gives each default's source.
 */
import { z } from 'zod';
import { hashKey, Rng } from '../workload/prng.js';

const ns = (max: number) => z.number().min(0).max(max);

export const costsSchema = z.strictObject({
  /** Untraced time per taken branch (the CPU's own execution between branches). */
  branchNs: z.number().min(0.01).max(1e6).optional(),
  /** Extra time per record the CPU stores in its DS buffer (branch or kernel annotation). */
  recordNs: ns(1e6).optional(),
  /** Threshold crossing to the handler running: skid and interrupt entry included. */
  pmiNs: ns(1e9).optional(),
  /** Return from the overflow handler to the interrupted code. */
  irqExitNs: ns(1e9).optional(),
  /** The handler's fixed time per interrupt, before the design's own work. */
  serviceNs: ns(1e9).optional(),
  /** Filter and splay: per hardware record drained and per consumer it may go to. */
  splayNsPerRecord: ns(1e6).optional(),
  /** Memory bandwidth for ctx.copy; copies in flight at the same time share it. */
  copyGBps: z.number().min(0.001).max(1e4).optional(),
  /** Mean schedule_work() latency: from queueing deferred work to a worker running it. */
  workQueueNs: ns(1e12).optional(),
  /** Its shape: "tail" (seeded, mostly short with a long tail; same mean) or "fixed". */
  workQueueShape: z.enum(['tail', 'fixed']).optional(),
  /** First touch of each 4 KiB page of a consumer buffer that is not pinned. */
  pageFaultNs: ns(1e12).optional(),
  /** A continuous consumer's callback: the time it holds a full buffer before giving it back. */
  callbackNs: ns(1e12).optional(),
  /** A context switch that flushes a traced thread's records to its consumers. */
  flushNs: ns(1e12).optional(),
  /**
   * Who runs overflow handlers: "per-cpu" (each on the CPU that overflowed, as in Linux:
   * handlers of different CPUs overlap) or "single" (one servicing agent for every CPU: a
   * dedicated core or a hypervisor; handlers queue).
   */
  handler: z.enum(['per-cpu', 'single']).optional(),
});

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

export function resolveCosts(c: z.infer<typeof costsSchema> | undefined): Costs {
  return { ...DEFAULT_COSTS, ...(c ?? {}) };
}

/** Bytes of one record in a consumer buffer and in a copy (the 64-bit ABI). */
export const RECORD_BYTES = 24;
export const PAGE_BYTES = 4096;

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

/** Nanoseconds to copy `bytes` at `gbps` GB/s (1 GB/s = 1 byte/ns). */
export function copyNs(bytes: number, gbps: number): number {
  return bytes / gbps;
}
