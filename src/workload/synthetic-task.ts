/**
 * A synthetic thread beside real programs' traces (workload.syntheticThreads): the load a
 * real program is traced under. Its events come from its own seeded source, one after the
 * other with no notion of timeslices (the trace scheduler cuts it like a trace), so every CPU
 * and oracle stream that needs it regenerates it alike: user branches and, at the workload's
 * rates, system calls, exceptions and interrupts, each an entry, a kernel path of seeded
 * length and the return. It never ends; the run lasts as long as the traces.
 */
import type { SimConfig } from '../model/config.js';
import { EntryKind } from '../model/constants.js';
import { EV_ENTRY, EV_KERNEL, EV_RETURN, EV_USER } from '../model/event-types.js';
import { KERNEL_HI, KERNEL_LO_MIN, KERNEL_LO_SPAN, USER_LO_MIN, USER_LO_SPAN, userHi } from './addresses.js';
import { hashKey, Rng } from '../base/prng.js';
import { track, type Task, type TaskEvent } from './trace/task-stream.js';

/** The synthetic workload's exception mix (page faults mostly), as generator.ts. */
const EXCEPTION_VECTORS = [14, 14, 14, 14, 3, 6, 13, 1];

export class SyntheticTask implements Task {
  position = 0;
  inKernel = false;
  pendingKind: number = EntryKind.INTERRUPT;
  userLo: number;
  userHi: number;
  private readonly rng: Rng;
  private readonly queue: TaskEvent[] = [];

  /** `task`: its index among the run's tasks (tid task + 1); `mm`: its address space. */
  constructor(private readonly cfg: SimConfig, task: number, mm: number) {
    this.rng = new Rng(hashKey(cfg.seed, 0x5e17, task));
    this.userHi = userHi(mm, cfg);
    this.userLo = this.uLo();
  }

  next(): TaskEvent {
    if (this.queue.length === 0) this.generate();
    const e = this.queue.shift()!;
    this.position++;
    track(this, e);
    return e;
  }

  skipTo(pos: number): void {
    if (pos < this.position) throw new RangeError(`internal: a synthetic task cannot go back from event ${this.position} to ${pos}`);
    while (this.position < pos) this.next();
  }

  close(): void {}

  private generate(): void {
    const w = this.cfg.workload;
    const hi = this.userHi;
    const r = this.rng.next() / 0x1_0000_0000;
    const pSys = w.syscallRate / 1000;
    const pExc = pSys + w.exceptionRate / 1000;
    const pIrq = pExc + w.interruptRate / 1000;
    const from = this.uLo();
    if (r >= pIrq) {
      this.queue.push({ type: EV_USER, fLo: from, fHi: hi, tLo: this.uLo(), tHi: hi, kindOrTid: 0 });
      return;
    }
    let kind: number = EntryKind.INTERRUPT;
    let back = from;
    if (r < pSys) {
      kind = EntryKind.SYSCALL; // traces need the 64-bit format: `syscall`
      back = from + 2;
    } else if (r < pExc) {
      const v = EXCEPTION_VECTORS[this.rng.below(EXCEPTION_VECTORS.length)]!;
      kind = EntryKind.EXCEPTION_BASE + v;
      if (v === 3) back = from + 1; // int3 traps after the instruction
    }
    this.queue.push({ type: EV_ENTRY, fLo: from, fHi: hi, tLo: this.kLo(), tHi: KERNEL_HI, kindOrTid: kind });
    const path = this.rng.below(2 * w.kernelPathMean);
    for (let k = 0; k < path; k++) this.queue.push({ type: EV_KERNEL, fLo: this.kLo(), fHi: KERNEL_HI, tLo: this.kLo(), tHi: KERNEL_HI, kindOrTid: 0 });
    this.queue.push({ type: EV_RETURN, fLo: this.kLo(), fHi: KERNEL_HI, tLo: back, tHi: hi, kindOrTid: kind });
  }

  private uLo(): number {
    return USER_LO_MIN + this.rng.below(USER_LO_SPAN);
  }

  private kLo(): number {
    return KERNEL_LO_MIN + this.rng.below(KERNEL_LO_SPAN);
  }
}
