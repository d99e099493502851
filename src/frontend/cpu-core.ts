/**
 * The CPU's write path (the frontend): execute the workload, store one BTS record per
 * taken branch into the DS buffer, publish the index in batches, raise the overflow
 * interrupt (PMI) at the threshold and take it after the skid, once interrupts are on.
 *
 * It never allocates per record and never waits except in the PMI (its stall). The DS
 * words it shares with the coordinator follow src/mem/layout.ts: it owns DS_INDEX and the
 * installed buffer's records while tracing is on and it is not in a PMI.
 *
 * What the simulated hardware and kernel write, per event (the hardware filter, from the
 * consumers present, decides whether the branch record itself is stored; see needs.ts):
 *   SWITCH:   [SWITCH_MM if the mm changes and a cpu-all consumer is here], the record,
 *             CTXSW (incoming tid, its pending entry kind); then the filter is reprogrammed
 *             for the incoming thread, and a traced outgoing thread is flushed
 *   ENTRY:    the record, [ENTRY (kind, user PC) if the thread has a user-only consumer]
 *   RETURN:   the record, or under BTS_OFF_USR RET_SRC + RETURN (kernel-only views)
 *   other:    the record
 * An event's records are stored all or none. One that cannot be stored (tracing off, or
 * no room before the absolute maximum) is counted by (cause, thread, class), and so is
 * every later one until the DS area is reprogrammed; then, before anything else, the CPU
 * writes one LOSS annotation per count and a SYNC. So a gap in the buffer is always
 * marked, in order, and the splay never carries state across it.
 */
import type { SimConfig } from '../model/config.js';
import { LossCause, lossCauseName } from '../model/constants.js';
import {
  recordWords, ANN_CTXSW, ANN_ENTRY, ANN_LOSS, ANN_RETURN, ANN_RET_SRC, ANN_SWITCH_MM, ANN_SYNC, ESCAPE, LossClass, annFlags,
} from '../model/hw-record.js';
import {
  DS_ABSMAX, DS_BASE, DS_CAUSE, DS_ENABLED, DS_INDEX, DS_THRESHOLD, FLUSH_ACK, FLUSH_EPOCH, FLUSH_REQ,
  FLUSH_TID, G_COORD_SLEEP, G_DOORBELL, G_STOP, MAIL_ENTRIES, MAIL_N, PMI_ACK, PMI_REQ, cpuWord, type Layout,
  DS_CIRCULAR, DS_MODE, DS_SYNC, DS_TID, DS_WRAPPED, ANS_ON, WAIT_ACK, WAIT_EPOCH, WAIT_KIND, WAIT_REQ, WAIT_TID,
} from '../mem/layout.js';
import { ClockWords } from '../mem/clock-words.js';
import { CPU_STAT_BRANCHES, CPU_STAT_CROSSED_NS, CPU_STAT_MIGRATION_WAIT, CPU_STAT_RESUME_WAIT, CPU_STAT_STRIDE, WAIT_ENABLE, WAIT_RELEASE, WAIT_RUN } from '../mem/layout.js';
import type { PendingLoss } from '../model/hw-record.js';
import { CpuClock } from './cpu-clock.js';
import { HW_ALL, HW_KERNEL_ONLY, HW_OFF, TraceNeeds } from '../model/needs.js';
import { TimelineLog, type TraceEvent } from '../model/timeline.js';
import { runSync, type Op, type SharedMem } from '../mem/shared-mem.js';
import {
  EV_ENTRY, EV_KERNEL, EV_RETURN, EV_SWITCH, EV_TYPE_MASK, EV_USER, EventChunk, GATE_BODY, IRQS_OFF, REC_WORDS,
} from '../workload/events.js';
import { isExplicitEntry, OVERWRITTEN_CAUSE } from '../model/constants.js';
import type { ThreadStall } from '../workload/schedule.js';

/** Shadow class of a circular slot holding a record in no consumer's view (CTXSW, SYNC). */
const NO_CLASS = 255;
/** Shadow class of a circular slot holding a LOSS record (its counts are in lossSlots). */
const LOSS_SLOT = 254;

/** whileOff(): execute the event with tracing off; tracing is on again; the run stopped. */
const OFF = 0;
const BACK_ON = 1;
const STOPPED = 2;

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

export class CpuCore {
  private readonly w: number; // u32 words per record in this CPU's format
  private readonly u32: Uint32Array;
  private readonly slotWords: number;
  private base = 0;
  private bufWord0 = 0;
  private idx = 0;
  private absMax = 0;
  private threshold = 0;
  private enabled = true;
  private cause = 0;
  private canWrite = true;
  private pmiArmed = true;
  private pmiPending = false;
  private skidLeft = 0;
  // Losses not yet written: key = cause * 2^24 + tid * 2^8 + class.
  private readonly pending = new Map<number, number>();
  private hadDrop = false;
  private tid = 0;
  private kernelKind = 0; // pending entry kind while in the kernel, 0 in user mode
  // Figures.
  branches = 0;
  hwRecords = 0;
  annotations = 0;
  overflows = 0;
  stallNs = 0;
  private readonly lostByCause = new Float64Array(256);
  stopped = false;

  private readonly needs: TraceNeeds;
  private started = false;
  /** kernel-circular: the installed buffer wraps instead of interrupting (see circularSlot). */
  private circular = false;
  private wrapped = false;
  private inKernel = false;
  /** Per slot of a circular buffer: what it holds (class, thread, entry kind before it). */
  private shadowClass = new Uint8Array(0);
  private shadowTid = new Uint16Array(0);
  private shadowKind = new Uint8Array(0);
  /** Per slot holding a LOSS record in a circular buffer: its key and count. */
  private readonly lossSlots = new Map<number, [number, number]>();
  /** The CPU's track of the run's timeline (only when asked for). */
  readonly timeline: TimelineLog | null;
  private disabledSince = -1;
  flushes = 0;
  flushStallNs = 0;
  /** Modelled clock (null: host time, today's behaviour). */
  private readonly clock: CpuClock | null;
  /** Modelled time of the threshold crossing not yet sent with a PMI (-1: none). */
  private tCross = -1;

  /** This CPU's modelled time now. */
  private t(): number {
    return this.clock!.now(this.branches, this.hwRecords + this.annotations);
  }

  constructor(
    private readonly cfg: SimConfig,
    readonly id: number,
    private readonly mem: SharedMem,
    private readonly layout: Layout,
    bufs: SharedArrayBuffer,
    private readonly stats: Float64Array,
    /** The clock SAB (clock-words.ts): with it and `--clock model`, every time is modelled. */
    clockSab?: SharedArrayBuffer,
  ) {
    this.needs = new TraceNeeds(cfg);
    this.clock = cfg.clock === 'model' && clockSab ? new CpuClock(cfg.costs, new ClockWords(clockSab), id) : null;
    const clock = this.clock;
    this.timeline = cfg.timelineOriginNs
      ? new TimelineLog(id, cfg.timelineOriginNs, undefined, clock ? () => this.t() / 1000 : undefined)
      : null;
    this.w = recordWords(cfg.format[id]!);
    this.u32 = new Uint32Array(bufs);
    this.slotWords = layout.slotWords;
  }

  /** Execute one epoch of the workload. Returns false if the run was stopped. */
  execute(chunk: EventChunk): boolean {
    return runSync(this.steps(chunk));
  }

  /**
   * The same, as a protocol step: it yields only at shared-memory operations (batch
   * publishes, the PMI, flushes), so the explorer can interleave CPUs with the rest.
   */
  *steps(chunk: EventChunk): Generator<Op, boolean, unknown> {
    if (!this.started) {
      // The DS area as the coordinator programmed it before the CPU started.
      this.started = true;
      yield* this.reload();
    }
    const n = chunk.length;
    const rec = chunk.rec, type = chunk.type, aux = chunk.aux, aux2 = chunk.aux2, aux3 = chunk.aux3;
    const batch = this.cfg.batchRecords;
    const needs = this.needs;
    const cpuAll = needs.cpuAll[this.id] === 1;
    this.tid = chunk.tid;
    if (chunk.epoch === 0) this.inKernel = chunk.tid === 0;
    if (chunk.epoch === 0 && this.reserve(1)) {
      // Tracing starts: say who runs (the splay knows nothing else about this CPU yet).
      this.put(ESCAPE, annFlags(ANN_SYNC, 0, this.kernelKind, 0), this.tid, 0);
    }
    if (chunk.migratedAfter >= 0 && needs.threadTraced[chunk.tid] && !(yield* this.waitReleased(chunk.tid, chunk.migratedAfter))) {
      return false;
    }
    let mode = needs.hwMode(this.id, this.tid);
    let userAnn = needs.threadUser[this.tid] === 1;
    let untilPublish = batch;
    for (let i = 0; i < n; i++) {
      if (!this.pmiPending && this.canWrite && !this.circular) {
        // The common case: a run of plain user/kernel branches below the threshold, in a
        // plain method with its state in locals (a generator's body is slower at this).
        const j = this.storeRun(chunk, i, Math.min(n, i + untilPublish), mode);
        if (j > i) {
          this.branches += j - i;
          untilPublish -= j - i;
          i = j - 1;
          if (untilPublish === 0) {
            untilPublish = batch;
            if (!(yield* this.batchBoundary())) return false;
          }
          continue;
        }
      }
      if (this.clock && !this.enabled) {
        // Tracing off: execute no further than what the coordinator has said about it.
        const r = yield* this.whileOff(chunk, i);
        if (r === STOPPED) return false;
        if (r === BACK_ON) {
          i--;
          continue;
        }
      }
      const ty = type[i]!;
      const t = ty & EV_TYPE_MASK;
      const o = i * REC_WORDS;
      const store = (mode >> t) & 1;
      if (!this.enabled && needs.threadUserContinuous[this.tid] && inUserView(t, aux[i]!)) {
        // A record of its user-only view while tracing is off: the thread is at a return to
        // user mode (a syscall's or exception's, or the overflow interrupt's own when it came
        // in user mode), where it waits (notify-resume); then this event again. Checked at the
        // record, not at the return event: a trace may go from kernel to user code without one.
        if (!(yield* this.notifyResume())) return false;
        i--;
        continue;
      }
      if (t === EV_USER || t === EV_KERNEL) {
        // One record or nothing (runs of these go through storeRun above).
        if (store) {
          if (this.canWrite && (this.idx < this.absMax || this.circular)) {
            this.branch(rec, o, t === EV_USER ? LossClass.USER : LossClass.KERNEL);
          } else {
            this.drop(t === EV_USER ? LossClass.USER : LossClass.KERNEL, -1, true);
          }
        }
      } else if (this.circular && (t === EV_RETURN || t === EV_SWITCH)) {
        // Back to filtering (a normal buffer) before the return to user, or before a switch
        // that may bring consumers that are not rings: then this event again.
        yield* this.leaveCircular();
        i--;
        continue;
      } else if (t === EV_ENTRY) {
        const slots = store + (userAnn ? 1 : 0);
        if (slots) {
          if (this.reserve(slots)) {
            if (store) this.branch(rec, o, lossClass(t, aux[i]!));
            if (userAnn) this.put(ESCAPE, annFlags(ANN_ENTRY, 0, aux[i]!, 0), rec[o]!, rec[o + 1]!);
          } else this.drop(lossClass(t, aux[i]!), -1, store === 1);
        }
        this.kernelKind = aux[i]!;
        this.inKernel = true;
      } else if (t === EV_RETURN) {
        const synth = mode === HW_KERNEL_ONLY;
        const slots = store + (synth ? 2 : 0);
        if (slots) {
          if (this.reserve(slots)) {
            if (store) this.branch(rec, o, lossClass(t, aux[i]!));
            if (synth) {
              // The return's source, high word included (the 32-bit format widens it back).
              this.put(ESCAPE, annFlags(ANN_RET_SRC, 0, 0, 0), rec[o]!, rec[o + 1]!);
              this.put(ESCAPE, annFlags(ANN_RETURN, 0, 0, 0), rec[o + 2]!, rec[o + 3]!);
            }
          } else this.drop(lossClass(t, aux[i]!), -1, store === 1);
        }
        this.kernelKind = 0;
        this.inKernel = false;
      } else {
        // SWITCH: the outgoing thread's last record; then the incoming thread's filter.
        const next = aux[i]!;
        const nextMode = needs.hwMode(this.id, next);
        const mm = cpuAll && aux2[i] !== 0 ? 1 : 0;
        const ctxsw = mode !== HW_OFF || nextMode !== HW_OFF ? 1 : 0;
        const slots = mm + store + ctxsw;
        if (slots) {
          if (this.reserve(slots)) {
            if (mm) this.put(ESCAPE, annFlags(ANN_SWITCH_MM, 0, 0, 0), aux2[i]!, 0, LossClass.SWITCH_MM);
            if (store) this.branch(rec, o, LossClass.KERNEL);
            if (ctxsw) this.put(ESCAPE, annFlags(ANN_CTXSW, 0, aux3[i]!, 0), next, 0);
          } else {
            this.drop(LossClass.KERNEL, mm ? LossClass.SWITCH_MM : -1, store === 1);
          }
        }
        const prev = this.tid;
        this.tid = next;
        this.kernelKind = aux3[i]!;
        this.inKernel = true;
        mode = nextMode;
        userAnn = needs.threadUser[next] === 1;
        if (needs.threadTraced[prev]) yield* this.flush(prev, chunk.epoch);
        if (this.timeline && i + 1 === chunk.ownedEnd && chunk.gateBlock === GATE_BODY) {
          // Not the timeslice's end: the thread blocked in do_notify_resume (schedule.ts); a
          // trace's task that ended mid-timeslice also leaves the rest to idle, but waits for nothing.
          this.timeline.instant('thread waits for its tracer (notify-resume)', { tid: prev });
        }
      }
      this.branches++;
      if (this.pmiPending) {
        if (this.skidLeft > 0) this.skidLeft--;
        else if ((ty & IRQS_OFF) === 0) yield* this.takePmi();
      }
      if (--untilPublish === 0) {
        untilPublish = batch;
        if (!(yield* this.batchBoundary())) return false;
      }
    }
    return yield* this.batchBoundary();
  }

  /**
   * Store user/kernel branch events from `i` until `end`, another kind of event, or the
   * record that would reach the threshold (left to the caller, which raises the PMI).
   * Returns the index of the first event not handled. Caller: no PMI pending, canWrite.
   */
  private storeRun(chunk: EventChunk, i: number, end: number, mode: number): number {
    const rec = chunk.rec, type = chunk.type;
    const u = this.u32;
    const w = this.w;
    const stop = Math.min(this.threshold, this.absMax);
    let idx = this.idx;
    let p = this.bufWord0 + idx * w;
    let j = i;
    if (w === 6 && mode === HW_ALL) {
      // Every user/kernel branch is stored and the chunk's records are already in the
      // 64-bit layout (flags high word 0): find the run, then one memcpy.
      let k = j;
      const last = Math.min(end, j + (stop - 1 - idx));
      while (k < last && (type[k]! & EV_TYPE_MASK) <= EV_KERNEL) k++;
      if (k > j) {
        u.set(rec.subarray(j * REC_WORDS, k * REC_WORDS), p);
        idx += k - j;
        j = k;
      }
    } else {
      for (; j < end; j++) {
        const t = type[j]! & EV_TYPE_MASK;
        if (t > EV_KERNEL) break;
        if (((mode >> t) & 1) === 0) continue;
        if (idx + 1 >= stop) break;
        const o = j * REC_WORDS;
        if (w === 6) {
          u[p] = rec[o]!; u[p + 1] = rec[o + 1]!; u[p + 2] = rec[o + 2]!;
          u[p + 3] = rec[o + 3]!; u[p + 4] = rec[o + 4]!; u[p + 5] = 0;
        } else {
          u[p] = rec[o]!; u[p + 1] = rec[o + 2]!; u[p + 2] = rec[o + 4]!;
        }
        p += w;
        idx++;
      }
    }
    this.hwRecords += idx - this.idx;
    this.idx = idx;
    return j;
  }

  /**
   * Circular mode: the slot the next record goes to. At the end of the buffer it wraps to
   * the start, and what it overwrites is counted (by thread and class, cause
   * OVERWRITTEN_CAUSE) like a loss, so the rings that would have seen it count it as
   * overwritten. A LOSS record overwritten gives its counts back to the pending losses.
   */
  private circularSlot(klass: number): void {
    if (this.idx >= this.absMax) {
      this.idx = 0;
      this.wrapped = true;
    }
    const k = this.idx;
    if (this.wrapped) {
      const old = this.shadowClass[k]!;
      if (old === LOSS_SLOT) {
        const [key, count] = this.lossSlots.get(k)!;
        this.lossSlots.delete(k);
        this.pending.set(key, (this.pending.get(key) ?? 0) + count);
      } else if (old !== NO_CLASS) {
        const key = OVERWRITTEN_CAUSE * 0x100_0000 + this.shadowTid[k]! * 0x100 + old;
        this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
        this.circularOverwrites++;
      }
    }
    this.shadowClass[k] = klass < 0 ? NO_CLASS : klass;
    this.shadowTid[k] = this.tid;
    this.shadowKind[k] = this.kernelKind;
  }
  circularOverwrites = 0;

  /**
   * Leave circular mode: hand the overwrite counts over through the mailbox, say whether the
   * buffer wrapped and the splay state at its oldest surviving record, and raise the PMI
   * that lets the design drain it in order and install a normal buffer.
   */
  private *leaveCircular(): Generator<Op, void, unknown> {
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
    yield* mem.store(cpuWord(id, DS_SYNC), tid | (kind << 16));
    // Wrapped and full exactly at the end: the oldest record is in slot 0.
    if (this.wrapped && this.idx >= this.absMax) this.idx = 0;
    yield* this.takePmi();
  }

  /**
   * After the last chunk: a CPU still in circular mode hands its buffer back in order. Then,
   * under the modelled clock, it will make no more requests (SAFE = +inf).
   */
  *finish(): Generator<Op, void, unknown> {
    if (this.circular && !this.stopped) yield* this.leaveCircular();
    if (this.clock) yield* this.publish(Infinity);
  }

  /**
   * Raise this CPU's SAFE bound (clock-words.ts) and, if the coordinator sleeps waiting for
   * it, ring the doorbell: SAFE is stored before G_COORD_SLEEP is read, and the coordinator
   * stores G_COORD_SLEEP before it reads SAFE, so one of the two sees the other.
   */
  private *publish(t: number): Generator<Op, void, unknown> {
    this.clock!.publish(t);
    if (t === Infinity || (yield* this.mem.load(G_COORD_SLEEP)) === 1) {
      yield* this.mem.add(G_DOORBELL, 1);
      yield* this.mem.notify(G_DOORBELL);
    }
  }

  /** finish(), in threads mode. */
  end(): void {
    runSync(this.finish());
  }

  /** Room for an event's `slots` records? If not, nothing more is stored until reprogrammed. */
  private reserve(slots: number): boolean {
    if (this.canWrite && (this.circular || this.idx + slots <= this.absMax)) return true;
    this.canWrite = false;
    return false;
  }

  private branch(rec: Uint32Array, o: number, klass: number): void {
    if (this.circular) this.circularSlot(klass);
    const p = this.bufWord0 + this.idx * this.w;
    const u = this.u32;
    if (this.w === 6) {
      u[p] = rec[o]!; u[p + 1] = rec[o + 1]!; u[p + 2] = rec[o + 2]!;
      u[p + 3] = rec[o + 3]!; u[p + 4] = rec[o + 4]!; u[p + 5] = 0;
    } else {
      u[p] = rec[o]!; u[p + 1] = rec[o + 2]!; u[p + 2] = rec[o + 4]!;
    }
    this.hwRecords++;
    if (++this.idx >= this.threshold) this.crossed(this.cfg.skidRecords);
  }

  /** Publish the index, pick up a re-enable, report progress, honour a stop. */
  private *batchBoundary(): Generator<Op, boolean, unknown> {
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

  private crossed(skid: number): void {
    if (this.idx >= this.absMax) this.canWrite = false;
    if (this.pmiArmed) {
      this.pmiArmed = false;
      this.pmiPending = true;
      this.skidLeft = skid;
      // At the end of the event that crossed (its branch is counted once the event is done).
      if (this.clock) this.tCross = this.clock.eventEnd(this.t());
      else this.stats[this.id * CPU_STAT_STRIDE + CPU_STAT_CROSSED_NS] = Number(process.hrtime.bigint());
    }
  }

  /** A kernel annotation record (the caller reserved its slot). */
  private put(fromLo: number, flagsLo: number, toLo: number, toHi: number, klass = NO_CLASS): void {
    if (this.circular) this.circularSlot(klass);
    const p = this.bufWord0 + this.idx * this.w;
    const u = this.u32;
    if (this.w === 6) {
      u[p] = fromLo; u[p + 1] = fromLo === ESCAPE ? ESCAPE : 0; u[p + 2] = toLo; u[p + 3] = toHi;
      u[p + 4] = flagsLo; u[p + 5] = 0;
    } else {
      u[p] = fromLo; u[p + 1] = toLo; u[p + 2] = flagsLo;
    }
    this.annotations++;
    if (++this.idx >= this.threshold) this.crossed(this.cfg.skidRecords);
  }

  /**
   * Count an event that could not be stored: its class (and a second one, for a lost
   * switch_mm record) for the current thread. Tracing on, there was no room before the
   * absolute maximum; tracing off, the cause is the one the design gave.
   */
  private drop(klass: number, klass2: number, branchRecord: boolean): void {
    const cause = this.enabled ? LossCause['past-absolute-maximum'] : this.cause;
    this.canWrite = false;
    this.hadDrop = true;
    const base = cause * 0x100_0000 + this.tid * 0x100;
    this.pending.set(base + klass, (this.pending.get(base + klass) ?? 0) + 1);
    if (klass2 >= 0) this.pending.set(base + klass2, (this.pending.get(base + klass2) ?? 0) + 1);
    if (branchRecord) this.lostByCause[cause]!++;
  }

  /** Write the pending LOSS annotations and a SYNC, if they fit; until then keep dropping. */
  private flushPending(): void {
    const need = this.pending.size + 1;
    if (this.timeline && this.absMax - this.idx >= need) {
      const byCause: Record<string, number> = {};
      for (const [key, count] of this.pending) {
        const name = lossCauseName(Math.floor(key / 0x100_0000));
        byCause[name] = (byCause[name] ?? 0) + count;
      }
      this.timeline.instant('records lost', byCause);
    }
    if (this.absMax - this.idx < need) {
      this.canWrite = false;
      return;
    }
    for (const [key, count] of this.pending) {
      const cause = Math.floor(key / 0x100_0000);
      const tid = Math.floor(key / 0x100) & 0xffff;
      const klass = key & 0xff;
      this.put(ESCAPE, annFlags(ANN_LOSS, klass, cause, tid), count, 0, LOSS_SLOT);
      if (this.circular) this.lossSlots.set(this.idx - 1, [key, count]);
    }
    this.pending.clear();
    this.put(ESCAPE, annFlags(ANN_SYNC, 0, this.kernelKind, 0), this.tid, 0);
    this.hadDrop = false;
    this.canWrite = this.idx < this.absMax;
  }

  /**
   * Context-switch flush of a thread with per-thread consumers: hand the coordinator the
   * published prefix and the losses not written yet, and wait until they reached the
   * thread's consumers (so the thread's records stay in order wherever it runs next).
   */
  private *flush(tid: number, epoch: number): Generator<Op, void, unknown> {
    const t0 = process.hrtime.bigint();
    const m0 = this.clock ? this.t() : 0;
    if (!(yield* this.handOver(tid, epoch))) return;
    this.flushes++;
    let dt: number;
    if (this.clock) {
      dt = this.t() - m0; // handOver counted the stall
    } else {
      dt = Number(process.hrtime.bigint() - t0);
      this.flushStallNs += dt;
      this.stallNs += dt;
    }
    this.timeline?.span('context-switch flush (stall)', this.timeline.now() - dt / 1000, this.timeline.now(), { tid });
    if (!this.clock) yield* this.reload();
    // Back on while it stalled: the tracing-off window ended when it came back on.
    else if (!this.enabled && this.lastOn) yield* this.reload(true, this.clock.onSince());
  }

  /**
   * Hand the coordinator the published prefix and, through the mailbox, the losses not
   * written yet (in parts of MAIL_ENTRIES); wait until it has put them in the streams.
   * `tid` (> 0) is released with the last part: it may then run on another CPU.
   */
  private *handOver(tid: number, epoch: number): Generator<Op, boolean, unknown> {
    const entries = [...this.pending];
    this.pending.clear();
    return yield* this.handOverCounts(entries, tid, epoch);
  }

  /** handOver() of these counts (in parts of MAIL_ENTRIES). */
  private *handOverCounts(entries: [number, number][], tid: number, epoch: number): Generator<Op, boolean, unknown> {
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
  private *writeMailbox(entries: [number, number][]): Generator<Op, void, unknown> {
    const mail = this.layout.mailBase + this.id * MAIL_ENTRIES * 4;
    for (let k = 0; k < entries.length; k++) {
      const [key, count] = entries[k]!;
      yield* this.mem.store(mail + k * 4, Math.floor(key / 0x100_0000));
      yield* this.mem.store(mail + k * 4 + 1, Math.floor(key / 0x100) & 0xffff);
      yield* this.mem.store(mail + k * 4 + 2, key & 0xff);
      yield* this.mem.store(mail + k * 4 + 3, count);
    }
  }

  /** Before running a thread that last ran on another CPU: wait until its records there were splayed. */
  private *waitReleased(tid: number, epoch: number): Generator<Op, boolean, unknown> {
    const t0 = process.hrtime.bigint();
    const slot = this.id * CPU_STAT_STRIDE + CPU_STAT_MIGRATION_WAIT;
    this.stats[slot] = tid;
    let ok: boolean;
    let dt: number;
    if (this.clock) {
      const m0 = this.t();
      const on = yield* this.waitRequest(WAIT_RELEASE, tid, epoch, m0, 0);
      ok = on !== null;
      dt = ok ? this.lastAnswer - m0 : 0;
      if (ok) {
        this.clock.resume(this.lastAnswer, this.branches, this.hwRecords + this.annotations);
        if (!this.enabled && on) yield* this.reload(true, this.clock.onSince());
      }
    } else {
      ok = yield* this.waitAtLeast(this.layout.relBase + tid, epoch + 1);
      dt = Number(process.hrtime.bigint() - t0);
    }
    this.stats[slot] = 0;
    this.migrationWaitNs += dt;
    if (dt > 0) this.timeline?.span('migration wait (stall)', this.timeline.now() - dt / 1000, this.timeline.now(), { tid });
    return ok;
  }
  migrationWaitNs = 0;

  /** Wait until a word is >= `target` (never ==: it may jump past). False if the run stopped. */
  private *waitAtLeast(index: number, target: number): Generator<Op, boolean, unknown> {
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

  /**
   * do_notify_resume for a thread with a continuous user-only tracer, at a return to user
   * mode while tracing is off on this CPU (a design's disabled window): the thread waits until
   * the design re-arms (the coordinator's DS programming notifies DS_ENABLED), so its tracer loses nothing of its
   * user code. Only its kernel records in the window are lost. The wait is the thread's; in
   * wall time it holds this CPU, as any thread running on it would.
   */
  private *notifyResume(): Generator<Op, boolean, unknown> {
    const enabledWord = cpuWord(this.id, DS_ENABLED);
    if (!this.clock && (yield* this.mem.load(enabledWord)) === 1) {
      // Back on already (this CPU had not looked yet): no wait.
      yield* this.reload();
      return true;
    }
    const t0 = process.hrtime.bigint();
    const waitSlot = this.id * CPU_STAT_STRIDE + CPU_STAT_RESUME_WAIT;
    this.stats[waitSlot] = this.tid;
    let ok: boolean;
    let dt: number;
    if (this.clock) {
      // On again at a time already known (an answer said so), or ask when.
      const m0 = this.t();
      ok = true;
      let at = this.clock.grantEnd;
      if (!this.clock.onAtGrantEnd) {
        ok = (yield* this.waitRequest(WAIT_ENABLE, this.tid, 0, m0, 0)) !== null;
        at = this.lastAnswer;
      }
      dt = ok ? at - m0 : 0;
      if (ok) this.clock.resume(at, this.branches, this.hwRecords + this.annotations);
    } else {
      ok = yield* this.waitAtLeast(enabledWord, 1);
      dt = Number(process.hrtime.bigint() - t0);
    }
    this.stats[waitSlot] = 0;
    this.stallNs += dt;
    const w = this.resumeWaits.get(this.tid) ?? { tid: this.tid, waits: 0, waitNs: 0 };
    w.waits++;
    w.waitNs += dt;
    this.resumeWaits.set(this.tid, w);
    this.timeline?.span('notify-resume: waits for tracing (stall)', this.timeline.now() - dt / 1000, this.timeline.now(), { tid: this.tid, ...(ok ? {} : { stopped: true }) });
    if (!ok) return false;
    if (this.clock) yield* this.reload(true, this.t());
    else yield* this.reload();
    return true;
  }
  private readonly resumeWaits = new Map<number, TracingWait>();

  /** Raise the overflow interrupt and wait while the coordinator services it (the stall). */
  private *takePmi(): Generator<Op, void, unknown> {
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
  private *whileOff(chunk: EventChunk, i: number): Generator<Op, number, unknown> {
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

  /** A timed wait (clock-words.ts): request it and wait for the answer. Null: the run stopped. */
  private *waitRequest(kind: number, tid: number, epoch: number, t: number, arg: number): Generator<Op, boolean | null, unknown> {
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
  private *request(reqField: number, ackField: number): Generator<Op, boolean, unknown> {
    const mem = this.mem;
    const req = (yield* mem.add(cpuWord(this.id, reqField), 1)) + 1;
    yield* mem.add(G_DOORBELL, 1);
    yield* mem.notify(G_DOORBELL);
    return yield* this.waitAtLeast(cpuWord(this.id, ackField), req);
  }

  /** An answer just came (its ACK was seen): its time, and whether tracing is on then. */
  private *answer(): Generator<Op, boolean, unknown> {
    this.lastAnswer = this.clock!.answered();
    return (yield* this.mem.load(cpuWord(this.id, ANS_ON))) === 1;
  }
  private lastAnswer = 0;
  private lastOn = false;

  /**
   * Load the DS words after a PMI or a re-enable (the coordinator wrote them). Modelled clock:
   * `on` and `at` come from an answer (whether tracing is on, and since when).
   */
  private *reload(on?: boolean, at = 0): Generator<Op, void, unknown> {
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

  result(): CpuResult {
    if (this.timeline && this.disabledSince >= 0) {
      // Still off when the run ended: the window closes here.
      this.timeline.span('tracing disabled', this.disabledSince, this.timeline.now(), { cause: lossCauseName(this.cause), open: true });
      this.disabledSince = -1;
    }
    if (this.timeline && this.pending.size > 0) this.timeline.instant('records lost', { atEnd: this.pending.size });
    const lost: Record<string, number> = {};
    this.lostByCause.forEach((n, code) => {
      if (n) lost[lossCauseName(code)] = n;
    });
    let model: Pick<CpuResult, 'tracingOffNs' | 'modelNs'> = {};
    if (this.clock) {
      const end = this.t();
      this.clock.close(end);
      const off: Record<string, number> = {};
      this.clock.offNs.forEach((ns, code) => {
        if (ns) off[lossCauseName(code)] = ns;
      });
      model = { tracingOffNs: off, modelNs: end };
    }
    const pendingLosses: PendingLoss[] = [];
    for (const [key, count] of this.pending) {
      pendingLosses.push({ cause: Math.floor(key / 0x100_0000), tid: Math.floor(key / 0x100) & 0xffff, klass: key & 0xff, count });
    }
    return {
      id: this.id, branches: this.branches, hwRecords: this.hwRecords, annotations: this.annotations,
      overflows: this.overflows, stallNs: this.stallNs + this.migrationWaitNs, lost, pendingLosses,
      flushes: this.flushes, flushStallNs: this.flushStallNs, migrationWaitNs: this.migrationWaitNs,
      circularOverwrites: this.circularOverwrites, stopped: this.stopped, tracingWaits: [...this.resumeWaits.values()], ...model,
      ...(this.timeline ? { timeline: { events: this.timeline.events, dropped: this.timeline.dropped } } : {}),
    };
  }
}

/** Is an event of type `t` (entry kind `kind`) in a thread-user view? (views.ts, thread-user) */
function inUserView(t: number, kind: number): boolean {
  return t === EV_USER || ((t === EV_RETURN || t === EV_ENTRY) && isExplicitEntry(kind));
}

/** The loss class of a branch event. */
export function lossClass(t: number, kind: number): number {
  switch (t) {
    case EV_USER: return LossClass.USER;
    case EV_ENTRY: return isExplicitEntry(kind) ? LossClass.ENTRY_EXPLICIT : LossClass.ENTRY_IRQ;
    case EV_RETURN: return isExplicitEntry(kind) ? LossClass.RETURN_EXPLICIT : LossClass.RETURN_IRQ;
    default: return LossClass.KERNEL;
  }
}
