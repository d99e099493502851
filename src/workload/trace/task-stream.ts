/**
 * One real program's task as the simulator's events.
 *
 * One real program's task as the simulator's events: its trace read in order and expanded,
 * deterministically (the CPU that runs the task and every oracle stream that follows it
 * expand it alike, each from its own copy of the file):
 *
 *   branch u->u     a user branch; k->k a kernel branch; u->k an entry and k->u a return
 *                   (asynchronous: the trace does not say why it entered the kernel)
 *   syscall         an entry (the syscall instruction's PC to a kernel entry point), a
 *                   synthetic kernel path (seeded length), and, when it returns, the return
 *                   to the PC the trace resumes at; exit/exit_group switch to idle instead
 *   end of trace    an interrupt (when in user mode) and a switch to idle: the task is gone
 *
 * The events before the end are the trace's "natural" ones; the run lasts until the last
 * task's natural events are done. The stream also tracks where the task is at each point
 * (user or kernel mode, its user PC, what its pending kernel entry was), which is what the
 * scheduler needs to preempt it there and resume it later, on any CPU.
 */
import type { SimConfig } from '../../model/config.js';
import { EntryKind, KERNEL_HALF_HI } from '../../model/constants.js';
import { EV_ENTRY, EV_KERNEL, EV_RETURN, EV_SWITCH, EV_USER } from '../../model/event-types.js';
import { hashKey, Rng } from '../../base/prng.js';
import { KERNEL_HI, KERNEL_LO_MIN, KERNEL_LO_SPAN } from '../addresses.js';
import { QemuTraceReader } from './qemu-reader.js';
import { PerfScriptReader } from './perf-script-reader.js';
import type { TraceEvent, TraceReader } from './trace-event.js';

export interface TaskEvent {
  type: number;
  fLo: number; fHi: number; tLo: number; tHi: number;
  kindOrTid: number;
}

/** What the scheduler needs of a task: its events in order, and where it is between them. */
export interface Task {
  /** Events handed out so far. */
  readonly position: number;
  inKernel: boolean;
  /** The entry kind the task's next return closes (INTERRUPT when it entered without saying why). */
  pendingKind: number;
  /** Its user PC (where it returns to user mode when preempted there). */
  userLo: number;
  userHi: number;
  next(): TaskEvent | null;
  skipTo(pos: number): void;
  close(): void;
}

/** Where a task is after event `e`. */
export function track(task: Task, e: TaskEvent): void {
  switch (e.type) {
    case EV_USER:
      task.userLo = e.tLo; task.userHi = e.tHi;
      break;
    case EV_ENTRY:
      task.inKernel = true;
      task.pendingKind = e.kindOrTid;
      break;
    case EV_RETURN:
      task.inKernel = false;
      task.pendingKind = EntryKind.INTERRUPT;
      task.userLo = e.tLo; task.userHi = e.tHi;
      break;
  }
}

export class TaskStream implements Task {
  private readonly reader: TraceReader;
  private readonly rng: Rng;
  private readonly queue: TaskEvent[] = [];
  private readerDone = false;
  private ended = false;
  /** Natural events of the task, once known (-1 before its trace ended). */
  private naturalEnd = -1;
  /** Events handed out so far: the task's position. */
  position = 0;
  inKernel = false;
  /** The entry kind the task's next return closes (INTERRUPT when it entered without saying why). */
  pendingKind: number = EntryKind.INTERRUPT;
  userLo = 0x40_0000;
  userHi = 0;

  /** `task`: the trace's index in `cfg.traceFiles` (its tid is task + 1). */
  constructor(private readonly cfg: SimConfig, readonly task: number) {
    const t = cfg.traceFiles![task]!;
    this.reader = t.format === 'qemu' ? new QemuTraceReader(t.path, t.source, t.vcpu ?? 0) : new PerfScriptReader(t.path, t.source);
    this.rng = new Rng(hashKey(cfg.seed, 0x7ace, task));
  }

  close(): void {
    this.reader.close();
  }

  /** The next event, or null once the task is gone. */
  next(): TaskEvent | null {
    while (this.queue.length === 0) {
      if (this.ended) return null;
      const t = this.readerDone ? null : this.reader.next();
      if (t === null) {
        // Still running when its trace ends: an interrupt, and the CPU goes idle.
        this.readerDone = true;
        this.ended = true;
        if (!this.inKernel) this.queue.push({ type: EV_ENTRY, fLo: this.userLo, fHi: this.userHi, tLo: this.kLo(), tHi: KERNEL_HI, kindOrTid: EntryKind.INTERRUPT });
        this.queue.push(this.switchToIdle());
        this.naturalEnd = this.position;
        break;
      }
      this.expand(t);
    }
    const e = this.queue.shift()!;
    this.position++;
    track(this, e);
    return e;
  }

  /** Advance to `pos` (forward only; a CPU skips what the task did elsewhere). */
  skipTo(pos: number): void {
    if (pos < this.position) throw new RangeError(`internal: task ${this.task + 1} cannot go back from event ${this.position} to ${pos}`);
    // Not started yet: read its first event, so a scheduler that starts it late returns to its first PC.
    if (this.position === 0 && this.queue.length === 0 && !this.ended) {
      const t = this.reader.next();
      if (t) this.expand(t);
      else this.readerDone = true;
    }
    while (this.position < pos && this.next()) { /* skip */ }
  }

  /**
   * The task's whole length: natural events, and all events with the end's; reads the
   * trace through. A long trace takes seconds: it gives way to the event loop every 20 ms,
   * so a Ctrl-C is seen at once (null once `signal` is aborted).
   */
  static async measure(cfg: SimConfig, task: number, signal?: AbortSignal): Promise<{ natural: number; total: number; threads: number[] } | null> {
    const s = new TaskStream(cfg, task);
    try {
      let since = Date.now();
      while (s.next()) {
        if ((s.position & 0x3fff) === 0 && Date.now() - since >= 20) {
          await new Promise((r) => setImmediate(r));
          if (signal?.aborted) return null;
          since = Date.now();
        }
      }
      // A QEMU log says which threads it holds once read through (each is a task of its own).
      const threads = s.reader instanceof QemuTraceReader ? s.reader.threadIds() : [];
      return { natural: s.naturalEnd >= 0 ? s.naturalEnd : s.position, total: s.position, threads };
    } finally {
      s.close();
    }
  }

  private expand(t: TraceEvent): void {
    if (t.kind === 'branch') {
      const fLo = Number(t.from & 0xffff_ffffn), fHi = Number(t.from >> 32n);
      const tLo = Number(t.to & 0xffff_ffffn), tHi = Number(t.to >> 32n);
      const fromK = fHi >= KERNEL_HALF_HI, toK = tHi >= KERNEL_HALF_HI;
      const type = fromK ? (toK ? EV_KERNEL : EV_RETURN) : toK ? EV_ENTRY : EV_USER;
      if (this.position === 0 && !fromK) {
        // Where the task is before its first branch: a scheduler that starts it late returns there.
        this.userLo = fLo; this.userHi = fHi;
      }
      this.queue.push({ type, fLo, fHi, tLo, tHi, kindOrTid: type === EV_ENTRY || type === EV_RETURN ? EntryKind.INTERRUPT : 0 });
      return;
    }
    const pLo = Number(t.pc & 0xffff_ffffn), pHi = Number(t.pc >> 32n);
    if (this.position === 0) { this.userLo = pLo; this.userHi = pHi; }
    this.queue.push({ type: EV_ENTRY, fLo: pLo, fHi: pHi, tLo: this.kLo(), tHi: KERNEL_HI, kindOrTid: EntryKind.SYSCALL });
    const path = 1 + this.rng.below(2 * this.cfg.workload.kernelPathMean);
    for (let k = 0; k < path; k++) this.queue.push(this.kernelBranch());
    if (t.returns) {
      const rLo = Number(t.resume & 0xffff_ffffn), rHi = Number(t.resume >> 32n);
      this.queue.push({ type: EV_RETURN, fLo: this.kLo(), fHi: KERNEL_HI, tLo: rLo, tHi: rHi, kindOrTid: EntryKind.SYSCALL });
    } else {
      this.queue.push(this.switchToIdle());
      // Nothing runs after exit: the switch is the task's last (natural) event.
      this.readerDone = true;
      this.ended = true;
      this.naturalEnd = this.position + this.queue.length;
    }
  }

  private switchToIdle(): TaskEvent {
    return { type: EV_SWITCH, fLo: this.kLo(), fHi: KERNEL_HI, tLo: this.kLo(), tHi: KERNEL_HI, kindOrTid: 0 };
  }

  private kernelBranch(): TaskEvent {
    return { type: EV_KERNEL, fLo: this.kLo(), fHi: KERNEL_HI, tLo: this.kLo(), tHi: KERNEL_HI, kindOrTid: 0 };
  }

  private kLo(): number {
    return KERNEL_LO_MIN + this.rng.below(KERNEL_LO_SPAN);
  }
}
