/**
 * Real programs' branch traces as a workload.
 *
 * Real programs' branch traces as a workload (issue 8, issue 18): each trace is one task
 * (trace i is tid i + 1, in its own address space), and the tasks share the CPUs like the
 * synthetic threads: timeslices, context switches with switch_mm, migrations
 * (trace-schedule.ts says what each epoch holds). Each trace is streamed from its file
 * (never loaded whole); each CPU reads its own copy of every trace that runs on it, skipping
 * what the task did on other CPUs, so no actor asks another for anything.
 */
import type { SimConfig } from '../model/config.js';
import { EntryKind } from '../model/constants.js';
import { EV_ENTRY, EV_KERNEL, EV_RETURN, EV_SWITCH } from '../model/event-types.js';
import { EventChunk } from './events.js';
import { RECORD_WORDS } from '../model/hw-record.js';
import { KERNEL_HI, KERNEL_LO_MIN, KERNEL_LO_SPAN, cr3Of } from './addresses.js';
import { epochCount, epochLength } from './generator.js';
import { TraceSchedule, taskMm } from './trace-schedule.js';
import { TaskStream, type Task } from './trace/task-stream.js';
import { SyntheticTask } from './synthetic-task.js';


export class TraceWorkload {
  readonly schedule: TraceSchedule;
  private readonly streams: (Task | null)[];
  private readonly epochs: number;
  private nextEpoch = 0;

  /**
   * `only`: an oracle stream of one task's views reads that task's trace alone; the
   * incoming task's pending entry kind at a switch (switchPendingKind, which no view shows) is then 0.
   */
  constructor(private readonly cfg: SimConfig, readonly cpu: number, private readonly only = 0) {
    this.schedule = new TraceSchedule(cfg);
    this.streams = new Array(cfg.traceFiles!.length).fill(null);
    this.epochs = epochCount(cfg);
  }

  close(): void {
    for (const s of this.streams) s?.close();
  }

  /** This CPU's next epoch into `out`; false when the run is over. */
  fill(out: EventChunk): boolean {
    if (this.nextEpoch >= this.epochs) {
      this.close();
      return false;
    }
    this.schedule.seek(this.nextEpoch++);
    this.generate(this.cpu, out);
    return true;
  }

  /** Epoch `epoch` of whichever CPU runs `tid` then (an oracle's thread stream); false when none does. */
  fillFor(tid: number, epoch: number, out: EventChunk): boolean {
    this.schedule.seek(epoch);
    const cpu = this.schedule.running.indexOf(tid);
    if (cpu < 0) return false;
    this.generate(cpu, out);
    return true;
  }

  private stream(tid: number): Task {
    const f = this.cfg.traceFiles![tid - 1]!;
    return (this.streams[tid - 1] ??= f.format === 'synthetic' ? new SyntheticTask(this.cfg, tid - 1, f.trace) : new TaskStream(this.cfg, tid - 1));
  }

  private generate(cpu: number, out: EventChunk): void {
    const s = this.schedule;
    const cfg = this.cfg;
    const e = s.epoch;
    const len = epochLength(cfg, e);
    const sh = s.shape(cpu);
    const rng = sh.rng;
    const T = s.running[cpu]!;
    const N = s.next[cpu]!;
    const rec = out.rec, type = out.type, kindOrTid = out.kindOrTid, switchCr3 = out.switchCr3, switchPendingKind = out.switchPendingKind;
    let i = 0;
    // The epoch is laid out whole; the run's last one stops where the run ends.
    const put = (t: number, fLo: number, fHi: number, tLo: number, tHi: number, a = 0): void => {
      if (i >= len) return;
      const o = i * RECORD_WORDS;
      rec[o] = fLo; rec[o + 1] = fHi; rec[o + 2] = tLo; rec[o + 3] = tHi; rec[o + 4] = 0; rec[o + 5] = 0;
      type[i] = t; kindOrTid[i] = a; switchCr3[i] = 0; switchPendingKind[i] = 0;
      i++;
    };
    const kLo = (): number => KERNEL_LO_MIN + rng.below(KERNEL_LO_SPAN);
    const kernel = (n: number): void => {
      for (let k = 0; k < n; k++) put(EV_KERNEL, kLo(), KERNEL_HI, kLo(), KERNEL_HI);
    };

    const task = T ? this.stream(T) : null;
    task?.skipTo(s.start[T - 1]!);
    out.tid = T;
    out.epoch = e;
    out.start = e * cfg.workload.timesliceBranches;
    const lastCpu = T ? s.raw.lastCpu[T - 1]! : -1;
    out.migratedAfter = T && lastCpu >= 0 && lastCpu !== cpu ? s.raw.lastRan[T - 1]! : -1;

    if (sh.head) {
      kernel(sh.headKernel);
      if (task && !task.inKernel) put(EV_RETURN, kLo(), KERNEL_HI, task.userLo, task.userHi, EntryKind.INTERRUPT);
      else kernel(1);
    }
    let cur = T;
    let ownedEnd = -1;
    const bodyEnd = sh.head + sh.body;
    if (task) {
      const n = s.end[T - 1]! - s.start[T - 1]!;
      for (let k = 0; k < n; k++) {
        const ev = task.next()!;
        put(ev.type, ev.fLo, ev.fHi, ev.tLo, ev.tHi, ev.kindOrTid);
      }
      if (s.end[T - 1]! >= cfg.traceFiles![T - 1]!.total!) {
        // Its trace ended here: the rest of the epoch is the idle task's.
        cur = 0;
        ownedEnd = Math.min(i, len);
      }
    }
    kernel(bodyEnd - i);
    if (sh.tail) {
      if (cur && !task!.inKernel) put(EV_ENTRY, task!.userLo, task!.userHi, kLo(), KERNEL_HI, EntryKind.INTERRUPT);
      else kernel(1);
      kernel(sh.tailKernel);
      if (N === cur) kernel(1);
      else {
        const at = i;
        put(EV_SWITCH, kLo(), KERNEL_HI, kLo(), KERNEL_HI, N);
        if (N && at < len) {
          const loaded = T ? taskMm(cfg, T) : s.loadedMm[cpu]!;
          const mm = taskMm(cfg, N);
          switchCr3[at] = mm !== loaded ? cr3Of(mm) : 0;
          switchPendingKind[at] = this.pendingKind(N);
        }
      }
    }
    if (i !== len) throw new Error(`internal: epoch ${e} of cpu ${cpu} laid out ${i} events, wanted ${len}`);
    out.length = i;
    out.ownedEnd = ownedEnd >= 0 ? ownedEnd : i;
    out.gateRecords = 0;
    out.gateBlock = 0;
  }

  /** What the return of `tid`, switched to now, closes: read where its trace is at the next epoch. */
  private pendingKind(tid: number): number {
    if (this.only && tid !== this.only) return 0;
    const st = this.stream(tid);
    st.skipTo(this.schedule.end[tid - 1]!);
    // In user mode it was preempted by the tail's timer interrupt.
    return st.inKernel ? st.pendingKind : EntryKind.INTERRUPT;
  }
}
