/**
 * What generating one timeslice reads from the schedule.
 *
 * What generating one timeslice reads from the schedule: an interface, so that the generator
 * does not depend on the Schedule that calls it back (schedule.ts generates gated threads'
 * timeslices to find where they block).
 */

/** The consumer a gated thread waits for. */
export interface ThreadGate {
  consumer: string;
  /** Records per callback buffer: the thread blocks each time this many more are in its view. */
  size: number;
  /** Timeslices the callback takes (Infinity: it never returns). */
  delay: number;
}

export interface ResumeState {
  /** The user PC the thread returns to. */
  pc: number;
  pcHi: number;
  /** What the return closes: EntryKind.INTERRUPT (preempted) or a syscall kind (blocked). */
  kind: number;
}

/** The schedule as of one epoch, as the generator sees it (Schedule implements it). */
export interface EpochSchedule {
  readonly epoch: number;
  /** Thread run by each CPU in the current epoch (0: idle). */
  readonly running: Int32Array;
  /** Thread run by each CPU in the previous epoch (0: idle, -1: none, at epoch 0). */
  readonly previous: Int32Array;
  /** Thread each CPU runs in the next epoch (0: idle). */
  readonly next: Int32Array;
  /** The pure pick for the next epoch, before blocked threads are filtered out. */
  readonly nextRaw: Int32Array;
  /** Epoch in which each thread (index tid - 1) last ran before the current epoch (-1: never). */
  readonly lastRan: Int32Array;
  /** CPU on which each thread last ran before the current epoch (-1: never). */
  readonly lastCpu: Int32Array;
  /** The address space loaded on each CPU at the start of the current epoch (-1: none yet). */
  readonly loadedMm: Int32Array;
  /** Per thread: gated-view records before the current epoch (the generator's starting count). */
  readonly gateStart: Float64Array;
  /** The gate of `tid`, or null. */
  gateOf(tid: number): ThreadGate | null;
  /** The state a thread switched out at the end of `epoch` resumes from. */
  resumeState(tid: number, epoch: number): ResumeState;
  /** The epoch whose end last switched `tid` out, seen from the end of the current epoch. */
  switchOutEpoch(tid: number): number;
}
