/** The result of a run (`btsim run --json`, schema btsim.run/1). */
import type { ConsumerKind, ConsumerMode, SimConfig } from '../model/config.js';
import type { Violations } from '../oracle/checker.js';
import type { ThreadStall } from '../workload/schedule.js';

/**
 * A thread that waited for its user-only tracer: gated (a callbackDelay, the scheduler's
 * account in virtual time: `consumer` is the one it waits for), and/or held at its returns
 * to user mode while a design had tracing off on its CPU (the data path's account, wall time).
 */
export interface ThreadReport extends Omit<ThreadStall, 'consumer'> {
  consumer: string | null;
  tracingWaits: number;
  tracingWaitNs: number;
}

export interface CpuReport {
  id: number;
  format: 32 | 64;
  branches: number;
  /** Branch records stored in the hardware buffer. */
  hwRecords: number;
  /** Kernel annotation records stored beside them. */
  annotations: number;
  overflows: number;
  swaps: number;
  /** Hardware records that could not be stored, by cause. */
  lost: Record<string, number>;
  stallNs: number;
  /** Records the hardware overwrote while its buffer was in circular mode (kernel-circular). */
  circularOverwrites: number;
}

export interface ConsumerReport {
  id: string;
  kind: ConsumerKind;
  target: number;
  mode: ConsumerMode;
  size: number;
  /** From the oracle (null when the run was not checked). */
  expected: number | null;
  /** The data path's own counts. */
  delivered: number;
  overwritten: number;
  lost: Record<string, number>;
  violations: Violations;
  /** expected == delivered + overwritten + sum(lost), and the checker matched every delivered record. */
  identity: boolean | null;
}

export interface RunResult {
  schema: 'btsim.run/1';
  seed: number;
  design: string;
  config: SimConfig;
  cpus: CpuReport[];
  consumers: ConsumerReport[];
  coordinator: { overflowsServiced: number; serviceP50Ns: number; serviceP99Ns: number; hwRecordsDrained: number };
  /**
   * Threads that waited in do_notify_resume: for a slow or unresponsive tracer (consumers
   * with a callbackDelay; how often and how long in virtual time), or for tracing to come
   * back on (threads with a continuous thread-user consumer; how often and how long in wall
   * time).
   */
  threads: ThreadReport[];
  totals: { branches: number; wallMs: number; branchesPerSec: number; lost: Record<string, number>; stallNs: number };
  /** False when the run stopped early (interrupted, or an actor failed). */
  complete: boolean;
  ok: boolean;
  /**
   * With a dump (`--dump`): whether it was written, and whole. A stopped run's dump is
   * partial, or removed when it could not be made to agree with the counts (`reason`).
   */
  dump?: { dir: string; written: boolean; complete: boolean; reason?: string };
}

export function sumLost(lost: Record<string, number>): number {
  return Object.values(lost).reduce((a, b) => a + b, 0);
}

export function zeroViolations(): Violations {
  return { silentLoss: 0, duplicates: 0, reordered: 0, torn: 0, kernelAddressLeaks: 0, foreignThread: 0 };
}

export function violationCount(v: Violations): number {
  return v.silentLoss + v.duplicates + v.reordered + v.torn + v.kernelAddressLeaks + v.foreignThread;
}
