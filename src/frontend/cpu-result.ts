/**
 * What a CPU reports at the end of a run (its stats words while it runs are in src/mem/layout.ts).
 */
import type { TraceEvent } from '../model/timeline.js';
import type { PendingLoss } from '../model/hw-record.js';
import type { ThreadStall } from '../workload/thread-gates.js';

/** A thread that waited at its return to user mode for tracing to come back on (notify-resume). */
export interface TracingWait {
  tid: number;
  waits: number;
  waitNs: number;
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

