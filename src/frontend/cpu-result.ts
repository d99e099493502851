/**
 * What a CPU reports: its result at the end of a run, and the per-CPU stats words it keeps
 * current for progress and the watchdog.
 */
import type { TraceEvent } from '../model/timeline.js';
import type { ThreadStall } from '../workload/thread-gates.js';

/** A thread that waited at its return to user mode for tracing to come back on (notify-resume). */
export interface TracingWait {
  tid: number;
  waits: number;
  waitNs: number;
}

/** A count of dropped records, reported when the CPU stops with losses not yet written. */
export interface PendingLoss {
  cause: number;
  tid: number;
  klass: number;
  count: number;
}

export interface CpuResult {
  id: number;
  branches: number;
  hwRecords: number;
  annotations: number;
  overflows: number;
  stallNs: number;
  /** Hardware records that could not be stored, by cause name. */
  lost: Record<string, number>;
  /** Losses counted after the last record stored: the coordinator marks them at the end. */
  pendingLosses: PendingLoss[];
  /** Context-switch flushes and the time they and migration waits held the CPU (in stallNs). */
  flushes: number;
  flushStallNs: number;
  migrationWaitNs: number;
  /** Records the hardware overwrote in circular mode (kernel-circular). */
  circularOverwrites: number;
  /** Modelled clock only: ns with tracing off, by cause name; the CPU's clock at its end. */
  tracingOffNs?: Record<string, number>;
  modelNs?: number;
  stopped: boolean;
  /** Gated threads' waits for their tracers (the scheduler's account, as far as this CPU got). */
  threadStalls?: ThreadStall[];
  /** Threads that waited on this CPU for tracing to come back on. */
  tracingWaits: TracingWait[];
  /** With a timeline: this CPU's track. */
  timeline?: { events: TraceEvent[]; dropped: number };
}

/** Per-CPU figures in the stats SAB (Float64Array), for progress and the watchdog. */
export const CPU_STAT_BRANCHES = 0;
/** hrtime (ns) of the last threshold crossing, for the overflow service latency; 0 when re-armed. */
export const CPU_STAT_CROSSED_NS = 1;
/** The thread waiting in do_notify_resume for tracing to come back on (0: none), for the watchdog. */
export const CPU_STAT_RESUME_WAIT = 2;
/** The thread this CPU waits for another CPU to release before it runs it (0: none), for the watchdog. */
export const CPU_STAT_MIGRATION_WAIT = 3;
/** 1 once the CPU's worker has loaded its modules and begun its run (start-up is not a hang). */
export const CPU_STAT_STARTED = 4;
export const CPU_STAT_STRIDE = 5;
