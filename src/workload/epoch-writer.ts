/**
 * The generator's store loop: one epoch's events written into an EventChunk, with the
 * epoch's random stream drawn in a fixed order (the order is the workload: change it and
 * every figure changes).
 *
 * Why a class of its own: generateEpoch (generator.ts) decides the epoch's shape, once per
 * epoch; this writes its events, tens of thousands per epoch. Before, it wrote them through
 * closures that captured the write index and the arrays, so each store reloaded them from the
 * closure's context, and `--trace-deopt` showed generateEpoch deoptimised again and again at
 * its rare paths (gates, blocking, the last epoch). Here the two hot loops (a run of kernel
 * branches, a run of user branches) are small methods with their state in locals: generating
 * a 4-CPU workload alone went from 24 to 55 M events/s (README, Performance).
 *
 * Draws per event, in order: its addresses where they are random (from, then to), then its
 * prediction flag. In the body, each position first draws r, which makes it a user branch or
 * says which kind of entry it is.
 */
import { Rng } from '../base/prng.js';
import { RECORD_WORDS } from '../model/hw-record.js';
import { EV_KERNEL, EV_USER, IRQS_OFF } from '../model/event-types.js';
import { KERNEL_HI, KERNEL_LO_MIN, KERNEL_LO_SPAN, USER_LO_MIN, USER_LO_SPAN } from './addresses.js';
import type { EventChunk } from './events.js';

const PREDICTED = 1 << 4;
const TWO_32 = 0x1_0000_0000;
/** users(): the run reached its end. */
export const USERS_END = -1;
/** users(): the run wrote as many events as it was allowed. */
export const USERS_LIMIT = -2;

export class EpochWriter extends Rng {
  /** The next event's index. */
  i = 0;
  /** Events the last users() wrote. */
  written = 0;
  private readonly rec: Uint32Array;
  private readonly type: Uint8Array;
  private readonly kindOrTid: Uint32Array;

  /** Events [0, len) of `out` are about to be written: their per-event fields start at 0. */
  constructor(out: EventChunk, seed: number, len: number) {
    super(seed);
    this.rec = out.rec;
    this.type = out.type;
    this.kindOrTid = out.kindOrTid;
    out.kindOrTid.fill(0, 0, len);
    out.switchCr3.fill(0, 0, len);
    out.switchPendingKind.fill(0, 0, len);
  }

  kLo(): number {
    return KERNEL_LO_MIN + Math.floor((this.next() / TWO_32) * KERNEL_LO_SPAN);
  }

  uLo(): number {
    return USER_LO_MIN + Math.floor((this.next() / TWO_32) * USER_LO_SPAN);
  }

  /** One event; its prediction flag is drawn here, after whatever the caller drew for its addresses. */
  event(t: number, fLo: number, fHi: number, tLo: number, tHi: number): void {
    const i = this.i;
    const o = i * RECORD_WORDS;
    const rec = this.rec;
    rec[o] = fLo; rec[o + 1] = fHi; rec[o + 2] = tLo; rec[o + 3] = tHi;
    rec[o + 4] = (this.next() & 7) !== 0 ? PREDICTED : 0; rec[o + 5] = 0;
    this.type[i] = t;
    this.i = i + 1;
  }

  /** The kind (ENTRY, RETURN) or incoming tid (SWITCH) of the event just written. */
  kindOfLast(kind: number): void {
    this.kindOrTid[this.i - 1] = kind;
  }

  /** `n` kernel branches, the first `irqsOff` of them with interrupts disabled. */
  kernel(n: number, irqsOff: number): void {
    const rec = this.rec, type = this.type;
    let i = this.i;
    for (let k = 0; k < n; k++) {
      const fLo = KERNEL_LO_MIN + Math.floor((this.next() / TWO_32) * KERNEL_LO_SPAN);
      const tLo = KERNEL_LO_MIN + Math.floor((this.next() / TWO_32) * KERNEL_LO_SPAN);
      const o = i * RECORD_WORDS;
      rec[o] = fLo; rec[o + 1] = KERNEL_HI; rec[o + 2] = tLo; rec[o + 3] = KERNEL_HI;
      rec[o + 4] = (this.next() & 7) !== 0 ? PREDICTED : 0; rec[o + 5] = 0;
      type[i] = k < irqsOff ? EV_KERNEL | IRQS_OFF : EV_KERNEL;
      i++;
    }
    this.i = i;
  }

  /** One user branch in address space `uHi`. */
  user(uHi: number): void {
    this.event(EV_USER, this.uLo(), uHi, this.uLo(), uHi);
  }

  /**
   * User branches up to `end`, each drawn as one (a draw at or above `pEntry`, or too little
   * room for an entry and its return, is a user branch), at most `limit` of them. Returns the
   * draw that is not a user branch, or USERS_END / USERS_LIMIT; `written` says how many were.
   */
  users(end: number, pEntry: number, uHi: number, limit: number): number {
    const rec = this.rec, type = this.type;
    let i = this.i;
    let n = 0;
    let r = USERS_END;
    while (i < end) {
      if (n === limit) {
        r = USERS_LIMIT;
        break;
      }
      const d = this.next() / TWO_32;
      if (d < pEntry && end - i >= 2) {
        r = d;
        break;
      }
      const fLo = USER_LO_MIN + Math.floor((this.next() / TWO_32) * USER_LO_SPAN);
      const tLo = USER_LO_MIN + Math.floor((this.next() / TWO_32) * USER_LO_SPAN);
      const o = i * RECORD_WORDS;
      rec[o] = fLo; rec[o + 1] = uHi; rec[o + 2] = tLo; rec[o + 3] = uHi;
      rec[o + 4] = (this.next() & 7) !== 0 ? PREDICTED : 0; rec[o + 5] = 0;
      type[i] = EV_USER;
      i++;
      n++;
    }
    this.i = i;
    this.written = n;
    return r;
  }
}
