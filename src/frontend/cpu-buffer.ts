/**
 * The CPU's stores into its installed DS buffer.
 *
 * A CPU's view of its DS buffer and what it stores there: the record and annotation stores,
 * the threshold crossing, the losses it counts while it cannot store, and circular mode's
 * shadow of what each slot holds.
 *
 * The first layer of the CPU (cpu-core.ts explains the whole and the record format per
 * event): no shared-memory operation happens here, only plain stores into the installed
 * buffer, which the CPU owns while tracing is on and it is not in a PMI (src/mem/layout.ts).
 * The layers above add the requests to the coordinator (cpu-requests.ts), the interrupt and
 * DS reprogramming (cpu-interrupts.ts), the waits (cpu-waits.ts) and the write loop (cpu-core.ts).
 */
import type { SimConfig } from '../model/config.js';
import { LossCause, lossCauseName, OVERWRITTEN_CAUSE } from '../model/constants.js';
import { recordWords, ANN_LOSS, ANN_SYNC, ESCAPE, annFlags } from '../model/hw-record.js';
import type { Layout } from '../mem/layout.js';
import { ClockWords } from '../mem/clock-words.js';
import type { SharedMem } from '../mem/shared-mem.js';
import { TraceNeeds } from '../model/needs.js';
import { TimelineLog } from '../model/timeline.js';
import { CpuClock } from './cpu-clock.js';
import type { TracingWait } from './cpu-result.js';
import { CPU_STAT_CROSSED_NS, CPU_STAT_STRIDE } from '../mem/layout.js';
import { addLoss, lossKey, lossKeyParts } from './loss-key.js';

/** Shadow class of a circular slot holding a record in no consumer's view (CTXSW, SYNC). */
export const NO_CLASS = 255;
/** Shadow class of a circular slot holding a LOSS record (its counts are in lossSlots). */
export const LOSS_SLOT = 254;

export abstract class CpuBuffer {
  protected readonly w: number; // u32 words per record in this CPU's format
  protected readonly u32: Uint32Array;
  protected readonly slotWords: number;
  protected base = 0;
  protected bufWord0 = 0;
  protected idx = 0;
  protected absMax = 0;
  protected threshold = 0;
  protected enabled = true;
  protected cause = 0;
  protected canWrite = true;
  protected pmiArmed = true;
  protected pmiPending = false;
  protected skidLeft = 0;
  /** Losses not yet written: count by key (loss-key.ts). */
  protected readonly pending = new Map<number, number>();
  protected hadDrop = false;
  protected tid = 0;
  protected kernelKind = 0; // pending entry kind while in the kernel, 0 in user mode
  // Figures.
  branches = 0;
  hwRecords = 0;
  annotations = 0;
  overflows = 0;
  stallNs = 0;
  protected readonly lostByCause = new Float64Array(256);
  stopped = false;

  protected readonly needs: TraceNeeds;
  protected started = false;
  /** kernel-circular: the installed buffer wraps instead of interrupting (see circularSlot). */
  protected circular = false;
  protected wrapped = false;
  protected inKernel = false;
  /** Per slot of a circular buffer: what it holds (class, thread, entry kind before it). */
  protected shadowClass = new Uint8Array(0);
  protected shadowTid = new Uint16Array(0);
  protected shadowKind = new Uint8Array(0);
  /** Per slot holding a LOSS record in a circular buffer: its key and count. */
  protected readonly lossSlots = new Map<number, [number, number]>();
  /** The CPU's track of the run's timeline (only when asked for). */
  readonly timeline: TimelineLog | null;
  protected disabledSince = -1;
  flushes = 0;
  flushStallNs = 0;
  /** Modelled clock (null: host time, today's behaviour). */
  protected readonly clock: CpuClock | null;
  /** Modelled time of the threshold crossing not yet sent with a PMI (-1: none). */
  protected tCross = -1;

  /**
   * The SAFE this CPU published last: the thread's driver runs the least first. Under the host
   * clock there is none, and a CPU has its thread to itself: 0.
   */
  safeNow(): number {
    return this.clock?.lastPublished() ?? 0;
  }

  /** This CPU's modelled time now. */
  protected t(): number {
    return this.clock!.now(this.branches, this.hwRecords + this.annotations);
  }

  constructor(
    protected readonly cfg: SimConfig,
    readonly id: number,
    protected readonly mem: SharedMem,
    protected readonly layout: Layout,
    bufs: SharedArrayBuffer,
    protected readonly stats: Float64Array,
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

  /**
   * Circular mode: the slot the next record goes to. At the end of the buffer it wraps to
   * the start, and what it overwrites is counted (by thread and class, cause
   * OVERWRITTEN_CAUSE) like a loss, so the rings that would have seen it count it as
   * overwritten. A LOSS record overwritten gives its counts back to the pending losses.
   */
  protected circularSlot(klass: number): void {
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
        addLoss(this.pending, key, count);
      } else if (old !== NO_CLASS) {
        addLoss(this.pending, lossKey(OVERWRITTEN_CAUSE, this.shadowTid[k]!, old), 1);
        this.circularOverwrites++;
      }
    }
    this.shadowClass[k] = klass < 0 ? NO_CLASS : klass;
    this.shadowTid[k] = this.tid;
    this.shadowKind[k] = this.kernelKind;
  }
  circularOverwrites = 0;

  /** Room for an event's `slots` records? If not, nothing more is stored until reprogrammed. */
  protected reserve(slots: number): boolean {
    if (this.canWrite && (this.circular || this.idx + slots <= this.absMax)) return true;
    this.canWrite = false;
    return false;
  }

  protected branch(rec: Uint32Array, o: number, klass: number): void {
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

  protected crossed(skid: number): void {
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
  protected put(fromLo: number, flagsLo: number, toLo: number, toHi: number, klass = NO_CLASS): void {
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
  protected drop(klass: number, klass2: number, branchRecord: boolean): void {
    const cause = this.enabled ? LossCause['past-absolute-maximum'] : this.cause;
    this.canWrite = false;
    this.hadDrop = true;
    addLoss(this.pending, lossKey(cause, this.tid, klass), 1);
    if (klass2 >= 0) addLoss(this.pending, lossKey(cause, this.tid, klass2), 1);
    if (branchRecord) this.lostByCause[cause]!++;
  }

  /** Write the pending LOSS annotations and a SYNC, if they fit; until then keep dropping. */
  protected flushPending(): void {
    const need = this.pending.size + 1;
    if (this.timeline && this.absMax - this.idx >= need) {
      const byCause: Record<string, number> = {};
      for (const [key, count] of this.pending) {
        const name = lossCauseName(lossKeyParts(key).cause);
        byCause[name] = (byCause[name] ?? 0) + count;
      }
      this.timeline.instant('records lost', byCause);
    }
    if (this.absMax - this.idx < need) {
      this.canWrite = false;
      return;
    }
    for (const [key, count] of this.pending) {
      const { cause, tid, klass } = lossKeyParts(key);
      this.put(ESCAPE, annFlags(ANN_LOSS, klass, cause, tid), count, 0, LOSS_SLOT);
      if (this.circular) this.lossSlots.set(this.idx - 1, [key, count]);
    }
    this.pending.clear();
    this.put(ESCAPE, annFlags(ANN_SYNC, 0, this.kernelKind, 0), this.tid, 0);
    this.hadDrop = false;
    this.canWrite = this.idx < this.absMax;
  }

  migrationWaitNs = 0;

  protected readonly resumeWaits = new Map<number, TracingWait>();

  protected lastAnswer = 0;
  protected lastOn = false;

}
