/** The result of a run (`btsim run --json`, schema btsim.run/2). */
import type { ConsumerKind, ConsumerMode, SimConfig } from '../model/config.js';
import type { Violations } from '../oracle/checker.js';
import type { ThreadStall } from '../workload/thread-gates.js';

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
  /** Modelled ns (host ns under --clock host) the CPU executed nothing: interrupts, flushes, waits. */
  stallNs: number;
  /** Modelled clock: ns the CPU ran with tracing off, by cause (from resuming with it off to it coming back on). */
  tracingOffNs: Record<string, number>;
  /** Modelled clock: the CPU's time when it finished (0 under --clock host). */
  modelNs: number;
  /** Records the hardware overwrote while its buffer was in circular mode (kernel-circular). */
  circularOverwrites: number;
}

/** Figures about the host that ran the simulation, not the simulated machine: they vary from run to run. */
export interface HostFigures {
  wallMs: number;
  /** Simulated branches (all CPUs) per second of wall time. */
  branchesPerSec: number;
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
  schema: 'btsim.run/2';
  /** What loss, stall and latency are measured in: the simulated machine's modelled time, or the host's. */
  clock: 'model' | 'host';
  seed: number;
  design: string;
  config: SimConfig;
  cpus: CpuReport[];
  consumers: ConsumerReport[];
  coordinator: {
    overflowsServiced: number;
    /** Threshold crossing to tracing re-armed (modelled clock: modelled ns). */
    serviceP50Ns: number;
    serviceP99Ns: number;
    /** Modelled clock: handler duration, copy duration and work-queue wait (queued to running); 0 under --clock host. */
    handlerP50Ns: number;
    handlerP99Ns: number;
    copyP50Ns: number;
    copyP99Ns: number;
    workQueueP50Ns: number;
    workQueueP99Ns: number;
    hwRecordsDrained: number;
  };
  /**
   * Threads that waited in do_notify_resume: for a slow or unresponsive tracer (consumers
   * with a callbackDelay; how often and how long in virtual time), or for tracing to come
   * back on (threads with a continuous thread-user consumer; how often and how long in wall
   * time).
   */
  threads: ThreadReport[];
  /** modelNs: the simulated machine's time when its last CPU finished (modelled clock). */
  totals: { branches: number; lost: Record<string, number>; stallNs: number; modelNs: number };
  host: HostFigures;
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

/**
 * The identity rule, the run's verdict on a consumer: every record the oracle expected is
 * accounted for (delivered, overwritten or lost by cause), and the checker matched every
 * delivered one.
 */
export function identityHolds(check: { expected: number; matched: number }, counts: { delivered: number; overwritten: number; lost: Record<string, number> }): boolean {
  return check.expected === counts.delivered + counts.overwritten + sumLost(counts.lost) && check.matched === counts.delivered;
}

export function zeroViolations(): Violations {
  return { silentLoss: 0, duplicates: 0, reordered: 0, torn: 0, kernelAddressLeaks: 0, foreignThread: 0 };
}

export function violationCount(v: Violations): number {
  return v.silentLoss + v.duplicates + v.reordered + v.torn + v.kernelAddressLeaks + v.foreignThread;
}
