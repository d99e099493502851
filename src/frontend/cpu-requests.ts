/**
 * A CPU's requests to the coordinator: the request/ACK handshake, timed waits, the mailbox
 * hand-over of loss counts, and the batch publish (DS_INDEX, and SAFE under the modelled clock).
 *
 * Every shared word touched here is described once in src/mem/layout.ts (who writes it, with
 * which Atomics operation) and, for the modelled clock, src/mem/clock-words.ts.
 */
import {
  DS_INDEX, FLUSH_ACK, FLUSH_EPOCH, FLUSH_REQ, FLUSH_TID, G_COORD_SLEEP, G_DOORBELL, G_STOP, MAIL_ENTRIES, MAIL_N,
  ANS_ON, WAIT_ACK, WAIT_EPOCH, WAIT_KIND, WAIT_REQ, WAIT_TID, cpuWord,
  MAIL_CAUSE, MAIL_CLASS, MAIL_COUNT, MAIL_ENTRY_WORDS, MAIL_TID, MAIL_WORDS,
} from '../mem/layout.js';
import type { Op } from '../mem/shared-mem.js';
import { CpuBuffer } from './cpu-buffer.js';
import { lossKeyParts } from './loss-key.js';

export abstract class CpuRequests extends CpuBuffer {
  /**
   * Raise this CPU's SAFE bound (clock-words.ts) and, if the coordinator sleeps waiting for
   * it, ring the doorbell: SAFE is stored before G_COORD_SLEEP is read, and the coordinator
   * stores T_WAKE, then G_COORD_SLEEP, before it reads SAFE, so one of the two sees the other.
   * It waits for SAFE to pass T_WAKE, its earliest event: a SAFE below that is not rung.
   */
  protected *publish(t: number): Generator<Op, void, unknown> {
    this.clock!.publish(t);
    if (t === Infinity || ((yield* this.mem.load(G_COORD_SLEEP)) === 1 && this.clock!.wakes())) {
      yield* this.mem.add(G_DOORBELL, 1);
      yield* this.mem.notify(G_DOORBELL);
    }
    if (this.mem.pause && t !== Infinity) yield* this.mem.pause();
  }


  /**
   * Hand the coordinator the published prefix and, through the mailbox, the losses not
   * written yet (in parts of MAIL_ENTRIES); wait until it has put them in the streams.
   * `tid` (> 0) is released with the last part: it may then run on another CPU.
   */
  protected *handOver(tid: number, epoch: number): Generator<Op, boolean, unknown> {
    const entries = [...this.pending];
    this.pending.clear();
    return yield* this.handOverCounts(entries, tid, epoch);
  }

  /** handOver() of these counts (in parts of MAIL_ENTRIES). */
  protected *handOverCounts(entries: [number, number][], tid: number, epoch: number): Generator<Op, boolean, unknown> {
    const mem = this.mem;
    const id = this.id;
    do {
      const part = entries.slice(0, MAIL_ENTRIES);
      entries = entries.slice(MAIL_ENTRIES);
      yield* this.writeMailbox(part);
      if (this.enabled) yield* mem.store(cpuWord(id, DS_INDEX), this.idx);
      // Only the last part releases the thread: its later records must not overtake these.
      yield* mem.store(cpuWord(id, FLUSH_TID), entries.length > 0 ? 0 : tid);
      yield* mem.store(cpuWord(id, FLUSH_EPOCH), epoch);
      yield* mem.store(cpuWord(id, MAIL_N), part.length);
      const m0 = this.clock ? this.t() : 0;
      this.clock?.stamp(m0);
      if (!(yield* this.request(FLUSH_REQ, FLUSH_ACK))) return false;
      if (this.clock) {
        // The flush ran on this CPU (the switch path): its stall, in modelled time.
        this.lastOn = yield* this.answer();
        this.flushStallNs += this.lastAnswer - m0;
        this.stallNs += this.lastAnswer - m0;
        this.clock.resume(this.lastAnswer, this.branches, this.hwRecords + this.annotations);
      }
    } while (entries.length > 0);
    return true;
  }

  /** Pending counts into this CPU's mailbox, as (cause, tid, class, count) (MAIL_N is the caller's). */
  protected *writeMailbox(entries: [number, number][]): Generator<Op, void, unknown> {
    const mail = this.layout.mailBase + this.id * MAIL_WORDS;
    for (let k = 0; k < entries.length; k++) {
      const [key, count] = entries[k]!;
      const { cause, tid, klass } = lossKeyParts(key);
      const e = mail + k * MAIL_ENTRY_WORDS;
      yield* this.mem.store(e + MAIL_CAUSE, cause);
      yield* this.mem.store(e + MAIL_TID, tid);
      yield* this.mem.store(e + MAIL_CLASS, klass);
      yield* this.mem.store(e + MAIL_COUNT, count);
    }
  }

  /** Wait until a word is >= `target` (never ==: it may jump past). False if the run stopped. */
  protected *waitAtLeast(index: number, target: number): Generator<Op, boolean, unknown> {
    const mem = this.mem;
    for (;;) {
      const v = yield* mem.load(index);
      if (v >= target) return true;
      if ((yield* mem.load(G_STOP)) !== 0) {
        this.stopped = true;
        return false;
      }
      yield* mem.wait(index, v, 50);
    }
  }

  /** A timed wait (clock-words.ts): request it and wait for the answer. Null: the run stopped. */
  protected *waitRequest(kind: number, tid: number, epoch: number, t: number, arg: number): Generator<Op, boolean | null, unknown> {
    const mem = this.mem;
    const id = this.id;
    yield* mem.store(cpuWord(id, WAIT_KIND), kind);
    yield* mem.store(cpuWord(id, WAIT_TID), tid);
    yield* mem.store(cpuWord(id, WAIT_EPOCH), epoch);
    this.clock!.stamp(t, arg);
    if (!(yield* this.request(WAIT_REQ, WAIT_ACK))) return null;
    return yield* this.answer();
  }

  /**
   * A request to the coordinator (a PMI, a flush, a wait): bump `reqField`, which publishes
   * what was stored before it (and the modelled stamp), ring the doorbell, and wait until
   * `ackField` reaches the request. False: the run stopped.
   */
  protected *request(reqField: number, ackField: number): Generator<Op, boolean, unknown> {
    const mem = this.mem;
    const req = (yield* mem.add(cpuWord(this.id, reqField), 1)) + 1;
    yield* mem.add(G_DOORBELL, 1);
    yield* mem.notify(G_DOORBELL);
    return yield* this.waitAtLeast(cpuWord(this.id, ackField), req);
  }

  /** An answer just came (its ACK was seen): its time, and whether tracing is on then. */
  protected *answer(): Generator<Op, boolean, unknown> {
    this.lastAnswer = this.clock!.answered();
    return (yield* this.mem.load(cpuWord(this.id, ANS_ON))) === 1;
  }
}
