/**
 * A CPU's overflow interrupt and DS reprogramming: taking the PMI, reloading the DS words the
 * coordinator wrote, leaving circular mode, and running with tracing off under the modelled clock.
 */
import { lossCauseName } from '../model/constants.js';
import {
  DS_ABSMAX, DS_BASE, DS_CAUSE, DS_CIRCULAR, DS_ENABLED, DS_INDEX, DS_MODE, DS_SYNC, DS_THRESHOLD, DS_TID, DS_WRAPPED,
  G_STOP, MAIL_ENTRIES, MAIL_N, PMI_ACK, PMI_REQ, cpuWord, packSync,
} from '../mem/layout.js';
import { WAIT_RUN } from '../mem/layout.js';
import type { Op } from '../mem/shared-mem.js';
import { EV_SWITCH, EV_TYPE_MASK } from '../model/event-types.js';
import type { EventChunk } from '../workload/events.js';
import { CPU_STAT_BRANCHES, CPU_STAT_STRIDE } from '../mem/layout.js';
import { CpuRequests } from './cpu-requests.js';

/** whileOff(): execute the event with tracing off; tracing is on again; the run stopped. */
export const OFF = 0;
export const BACK_ON = 1;
export const STOPPED = 2;

export abstract class CpuInterrupts extends CpuRequests {
  /** Publish the index, pick up a re-enable, report progress, honour a stop. */
  protected *batchBoundary(): Generator<Op, boolean, unknown> {
    const mem = this.mem;
    // A re-enable is picked up first, so whatever reload() writes (LOSS, SYNC) is published too.
    // (Modelled clock: a re-enable is learnt from an answer, never by looking: clock-words.ts.)
    if (!this.clock && !this.enabled && (yield* mem.load(cpuWord(this.id, DS_ENABLED))) === 1) yield* this.reload();
    if (this.enabled) yield* mem.store(cpuWord(this.id, DS_INDEX), this.idx);
    this.stats[this.id * CPU_STAT_STRIDE + CPU_STAT_BRANCHES] = this.branches;
    if (this.clock) yield* this.publish(this.t());
    if ((yield* mem.load(G_STOP)) !== 0) {
      this.stopped = true;
      return false;
    }
    return true;
  }
  /**
   * Leave circular mode: hand the overwrite counts over through the mailbox, say whether the
   * buffer wrapped and the splay state at its oldest surviving record, and raise the PMI
   * that lets the design drain it in order and install a normal buffer.
   */
  protected *leaveCircular(): Generator<Op, void, unknown> {
    const mem = this.mem;
    const id = this.id;
    const entries = [...this.pending];
    this.pending.clear();
    this.hadDrop = false;
    // More counts than the exit's mailbox holds: the rest go first, as loss-only hand-overs
    // (they all describe records older than the buffer's oldest survivor, so their markers
    // come first either way; the coordinator does not drain a circular buffer at a flush).
    if (entries.length > MAIL_ENTRIES && !(yield* this.handOverCounts(entries.splice(MAIL_ENTRIES), 0, 0))) return;
    yield* this.writeMailbox(entries);
    yield* mem.store(cpuWord(id, MAIL_N), entries.length);
    const oldest = this.wrapped ? (this.idx >= this.absMax ? 0 : this.idx) : 0;
    const used = this.wrapped || this.idx > 0;
    const tid = used ? this.shadowTid[oldest]! : this.tid;
    const kind = used ? this.shadowKind[oldest]! : this.kernelKind;
    yield* mem.store(cpuWord(id, DS_WRAPPED), this.wrapped ? 1 : 0);
    yield* mem.store(cpuWord(id, DS_SYNC), packSync(tid, kind));
    // Wrapped and full exactly at the end: the oldest record is in slot 0.
    if (this.wrapped && this.idx >= this.absMax) this.idx = 0;
    yield* this.takePmi();
  }

  /** Raise the overflow interrupt and wait while the coordinator services it (the stall). */
  protected *takePmi(): Generator<Op, void, unknown> {
    const mem = this.mem;
    const id = this.id;
    this.pmiPending = false;
    this.overflows++;
    if (this.enabled) yield* mem.store(cpuWord(id, DS_INDEX), this.idx);
    yield* mem.store(cpuWord(id, DS_MODE), this.inKernel ? 1 : 0);
    yield* mem.store(cpuWord(id, DS_TID), this.tid);
    const clock = this.clock;
    const m0 = clock ? this.t() : 0;
    // The handler runs pmiNs after the crossing, or when the CPU takes the interrupt if the
    // skid took longer (interrupts were off). No crossing (leaving circular mode): pmiNs from
    // now, and no service latency sample (-1).
    if (clock) {
      clock.stamp(this.tCross >= 0 ? Math.max(m0, this.tCross + clock.pmiNs) : m0 + clock.pmiNs, this.tCross);
      this.tCross = -1;
    }
    const t0 = process.hrtime.bigint();
    const ok = yield* this.request(PMI_REQ, PMI_ACK);
    const req = this.overflows; // one request per overflow taken (for the timeline)
    let stall: number;
    let on = false;
    if (clock) {
      if (!ok) return;
      on = yield* this.answer();
      stall = this.lastAnswer - m0;
      clock.resume(this.lastAnswer, this.branches, this.hwRecords + this.annotations);
    } else {
      stall = Number(process.hrtime.bigint() - t0);
    }
    this.stallNs += stall;
    if (this.timeline) {
      const end = this.timeline.now();
      this.timeline.instant('overflow interrupt', { seq: req }, end - stall / 1000);
      this.timeline.span('overflow service (stall)', end - stall / 1000, end, { seq: req });
    }
    if (clock) yield* this.reload(on, this.lastAnswer);
    else yield* this.reload();
  }

  /**
   * Modelled clock, tracing off, before executing event `i`: OFF (execute it; what it would
   * store is lost), BACK_ON (tracing is on again: execute it normally) or STOPPED. Past what
   * it has been told, the CPU asks for leave to run (WAIT_RUN) up to its next possible
   * request: the flush after its next context switch, or the end of its timeslice.
   */
  protected *whileOff(chunk: EventChunk, i: number): Generator<Op, number, unknown> {
    const clock = this.clock!;
    for (;;) {
      const now = this.t();
      if (now < clock.grantEnd) return OFF;
      if (clock.onAtGrantEnd) {
        yield* this.reload(true, clock.grantEnd);
        return BACK_ON;
      }
      const type = chunk.type;
      let j = i;
      while (j < chunk.length && (type[j]! & EV_TYPE_MASK) !== EV_SWITCH) j++;
      // A switch's flush is requested once the switch itself has executed.
      const until = clock.offAfter(now, j < chunk.length ? j - i + 1 : j - i);
      const on = yield* this.waitRequest(WAIT_RUN, 0, 0, now, until);
      if (on === null) return STOPPED;
      clock.grantEnd = this.lastAnswer;
      clock.onAtGrantEnd = on;
    }
  }

  /**
   * Load the DS words after a PMI or a re-enable (the coordinator wrote them). Modelled clock:
   * `on` and `at` come from an answer (whether tracing is on, and since when).
   */
  protected *reload(on?: boolean, at = 0): Generator<Op, void, unknown> {
    const mem = this.mem;
    const id = this.id;
    const wasEnabled = this.enabled;
    this.enabled = on ?? (yield* mem.load(cpuWord(id, DS_ENABLED))) === 1;
    if (this.timeline) {
      if (wasEnabled && !this.enabled) this.disabledSince = this.timeline.now();
      else if (!wasEnabled && this.enabled && this.disabledSince >= 0) {
        this.timeline.span('tracing disabled', this.disabledSince, this.timeline.now(), { cause: lossCauseName(this.cause) });
        this.disabledSince = -1;
      }
    }
    this.cause = yield* mem.load(cpuWord(id, DS_CAUSE));
    if (this.clock && on !== undefined) {
      if (wasEnabled && !this.enabled) this.clock.off(at, this.cause);
      else if (!wasEnabled && this.enabled) this.clock.on(at);
    }
    this.base = yield* mem.load(cpuWord(id, DS_BASE));
    // (loaded after DS_ENABLED: a re-enable stores these first and DS_ENABLED last)
    this.idx = yield* mem.load(cpuWord(id, DS_INDEX));
    this.absMax = yield* mem.load(cpuWord(id, DS_ABSMAX));
    this.threshold = yield* mem.load(cpuWord(id, DS_THRESHOLD));
    this.bufWord0 = this.base * this.slotWords;
    // Circular mode only while tracing is on: a design that turns tracing off while it
    // drains a circular buffer leaves DS_CIRCULAR as it was.
    this.circular = this.enabled && (yield* mem.load(cpuWord(id, DS_CIRCULAR))) === 1;
    if (this.circular) {
      // No interrupt in circular mode: the buffer wraps (circularSlot) until we leave it.
      this.threshold = Infinity;
      this.wrapped = false;
      this.lossSlots.clear();
      if (this.shadowClass.length < this.absMax) {
        this.shadowClass = new Uint8Array(this.absMax);
        this.shadowTid = new Uint16Array(this.absMax);
        this.shadowKind = new Uint8Array(this.absMax);
      }
    }
    this.pmiArmed = this.idx < this.threshold;
    if (!this.pmiArmed && this.enabled) {
      // Installed already past the threshold (a design that did not drain): raise again,
      // crossed the moment it was loaded.
      this.pmiPending = true;
      this.skidLeft = this.cfg.skidRecords;
      if (this.clock) this.tCross = this.t();
    }
    this.canWrite = this.enabled && (this.idx < this.absMax || this.circular);
    if (this.canWrite && this.hadDrop) {
      // More LOSS records than the fresh buffer holds: hand them over through the mailbox
      // (no thread released), so that only the SYNC is left to write. Otherwise the CPU
      // would drop every record until the end, the buffer never reaching its threshold.
      if (this.absMax - this.idx < this.pending.size + 1) {
        this.timeline?.instant('records lost', { handedOver: this.pending.size });
        if (!(yield* this.handOver(0, 0))) return;
      }
      this.flushPending();
    }
  }

}
