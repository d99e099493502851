/**
 * The CPU's write path (the frontend): execute the workload, store one BTS record per
 * taken branch into the DS buffer, publish the index in batches, raise the overflow
 * interrupt (PMI) at the threshold and take it after the skid, once interrupts are on.
 *
 * It never allocates per record and never waits except in the PMI (its stall). The DS
 * words it shares with the coordinator follow src/mem/layout.ts: it owns DS_INDEX and the
 * installed buffer's records while tracing is on and it is not in a PMI.
 *
 * What the simulated hardware and kernel write, per event:
 *   SWITCH with an mm change:  SWITCH_MM annotation, then the switch_to record
 *   SWITCH:                    the record, then a CTXSW annotation (incoming tid, kind)
 *   anything else:             the record
 * A record that cannot be stored (tracing off, or the buffer full at the absolute
 * maximum) is counted by (cause, thread, class). Before the next record that can be
 * stored, the CPU writes one LOSS annotation per count and a SYNC: so a gap in the buffer
 * is always marked, in order, and the splay never carries state across it.
 */
import type { SimConfig } from '../model/config.js';
import { LossCause, lossCauseName } from '../model/constants.js';
import {
  ANN_CTXSW, ANN_LOSS, ANN_SWITCH_MM, ANN_SYNC, ESCAPE, LossClass, annFlags,
} from '../model/hw-record.js';
import {
  DS_ABSMAX, DS_BASE, DS_CAUSE, DS_ENABLED, DS_INDEX, DS_THRESHOLD, G_DOORBELL, G_STOP,
  HW_SLOT_BYTES, PMI_ACK, PMI_REQ, cpuWord,
} from '../mem/layout.js';
import { runSync, type SharedMem } from '../mem/shared-mem.js';
import {
  EV_ENTRY, EV_RETURN, EV_SWITCH, EV_TYPE_MASK, EV_USER, EventChunk, IRQS_OFF, REC_WORDS,
} from '../workload/events.js';
import { isExplicitEntry } from '../model/constants.js';

/** A count of dropped records, reported when the CPU stops with losses not yet written. */
export interface PendingLoss {
  cause: number;
  tid: number;
  klass: number;
  count: number;
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
  /** The thread and pending entry kind at the end (for the final SYNC-less marker). */
  tid: number;
  stopped: boolean;
}

/** Per-CPU figures in the stats SAB (Float64Array), for progress and the watchdog. */
export const CPU_STAT_BRANCHES = 0;
export const CPU_STAT_STRIDE = 4;

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
  private pmiSeq = 0;
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

  constructor(
    private readonly cfg: SimConfig,
    readonly id: number,
    private readonly mem: SharedMem,
    bufs: SharedArrayBuffer,
    private readonly stats: Float64Array,
  ) {
    this.w = cfg.format[id] === 64 ? 6 : 3;
    this.u32 = new Uint32Array(bufs);
    this.slotWords = (cfg.bufferRecords * HW_SLOT_BYTES) / 4;
    this.reload();
  }

  /** Execute one epoch of the workload. Returns false if the run was stopped. */
  execute(chunk: EventChunk): boolean {
    const n = chunk.length;
    const rec = chunk.rec, type = chunk.type, aux = chunk.aux, aux2 = chunk.aux2, aux3 = chunk.aux3;
    const batch = this.cfg.batchRecords;
    const skid = this.cfg.skidRecords;
    if (this.branches === 0 || this.tid !== chunk.tid) this.tid = chunk.tid;
    let untilPublish = batch;
    for (let i = 0; i < n; i++) {
      const ty = type[i]!;
      const t = ty & EV_TYPE_MASK;
      const o = i * REC_WORDS;
      if (t === EV_SWITCH && aux2[i] !== 0) {
        this.annotate(annFlags(ANN_SWITCH_MM, 0, 0, 0), aux2[i]!, LossClass.SWITCH_MM);
      }
      // The record itself: the common case inline, the rest in store().
      if (this.canWrite) {
        const p = this.bufWord0 + this.idx * this.w;
        const u = this.u32;
        if (this.w === 6) {
          u[p] = rec[o]!; u[p + 1] = rec[o + 1]!; u[p + 2] = rec[o + 2]!;
          u[p + 3] = rec[o + 3]!; u[p + 4] = rec[o + 4]!; u[p + 5] = 0;
        } else {
          u[p] = rec[o]!; u[p + 1] = rec[o + 2]!; u[p + 2] = rec[o + 4]!;
        }
        this.hwRecords++;
        if (++this.idx >= this.threshold) this.crossed(skid);
      } else {
        this.drop(lossClass(t, aux[i]!), false);
      }
      if (t === EV_SWITCH) {
        this.annotate(annFlags(ANN_CTXSW, 0, aux3[i]!, 0), aux[i]!, -1);
        this.tid = aux[i]!;
        this.kernelKind = aux3[i]!;
      } else if (t === EV_ENTRY) {
        this.kernelKind = aux[i]!;
      } else if (t === EV_RETURN) {
        this.kernelKind = 0;
      }
      this.branches++;
      if (this.pmiPending) {
        if (this.skidLeft > 0) this.skidLeft--;
        else if ((ty & IRQS_OFF) === 0) this.takePmi();
      }
      if (--untilPublish === 0) {
        untilPublish = batch;
        if (!this.batchBoundary()) return false;
      }
    }
    return this.batchBoundary();
  }

  /** Publish the index, pick up a re-enable, report progress, honour a stop. */
  private batchBoundary(): boolean {
    const mem = this.mem;
    // A re-enable is picked up first, so whatever reload() writes (LOSS, SYNC) is published too.
    if (!this.enabled && runSync(mem.load(cpuWord(this.id, DS_ENABLED))) === 1) this.reload();
    if (this.enabled) runSync(mem.store(cpuWord(this.id, DS_INDEX), this.idx));
    this.stats[this.id * CPU_STAT_STRIDE + CPU_STAT_BRANCHES] = this.branches;
    if (runSync(mem.load(G_STOP)) !== 0) {
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
    }
  }

  /** A kernel annotation: stored like a record, or counted as lost (class -1: in no view). */
  private annotate(flags: number, payload: number, klass: number): void {
    if (!this.canWrite) {
      this.drop(klass, true);
      return;
    }
    this.put(ESCAPE, flags, payload);
    this.annotations++;
  }

  private put(fromLo: number, flagsLo: number, toLo: number): void {
    const p = this.bufWord0 + this.idx * this.w;
    const u = this.u32;
    if (this.w === 6) {
      u[p] = fromLo; u[p + 1] = fromLo === ESCAPE ? ESCAPE : 0; u[p + 2] = toLo; u[p + 3] = 0;
      u[p + 4] = flagsLo; u[p + 5] = 0;
    } else {
      u[p] = fromLo; u[p + 1] = toLo; u[p + 2] = flagsLo;
    }
    if (++this.idx >= this.threshold) this.crossed(this.cfg.skidRecords);
  }

  private drop(klass: number, annotation: boolean): void {
    const cause = !this.enabled ? this.cause : this.idx >= this.absMax ? LossCause['past-absolute-maximum'] : this.lastCause;
    this.lastCause = cause;
    this.hadDrop = true;
    if (klass >= 0) {
      const key = cause * 0x100_0000 + this.tid * 0x100 + klass;
      this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    }
    if (!annotation) this.lostByCause[cause]!++;
  }
  private lastCause = 0;

  /** Write the pending LOSS annotations and a SYNC, if they fit; until then keep dropping. */
  private flushPending(): void {
    const need = this.pending.size + 1;
    if (this.absMax - this.idx < need) {
      this.canWrite = false;
      return;
    }
    for (const [key, count] of this.pending) {
      const cause = Math.floor(key / 0x100_0000);
      const tid = Math.floor(key / 0x100) & 0xffff;
      const klass = key & 0xff;
      this.put(ESCAPE, annFlags(ANN_LOSS, klass, cause, tid), count);
      this.annotations++;
    }
    this.pending.clear();
    this.put(ESCAPE, annFlags(ANN_SYNC, 0, this.kernelKind, 0), this.tid);
    this.annotations++;
    this.hadDrop = false;
    this.canWrite = this.idx < this.absMax;
  }

  /** Raise the overflow interrupt and wait while the coordinator services it (the stall). */
  private takePmi(): void {
    const mem = this.mem;
    const id = this.id;
    this.pmiPending = false;
    this.overflows++;
    if (this.enabled) runSync(mem.store(cpuWord(id, DS_INDEX), this.idx));
    const req = ++this.pmiSeq;
    runSync(mem.add(cpuWord(id, PMI_REQ), 1));
    runSync(mem.add(G_DOORBELL, 1));
    runSync(mem.notify(G_DOORBELL));
    const t0 = process.hrtime.bigint();
    for (;;) {
      const ack = runSync(mem.load(cpuWord(id, PMI_ACK)));
      if (ack >= req) break;
      if (runSync(mem.load(G_STOP)) !== 0) break;
      runSync(mem.wait(cpuWord(id, PMI_ACK), ack, 50));
    }
    this.stallNs += Number(process.hrtime.bigint() - t0);
    this.reload();
  }

  /** Load the DS words after a PMI or a re-enable (the coordinator wrote them). */
  private reload(): void {
    const mem = this.mem;
    const id = this.id;
    this.enabled = runSync(mem.load(cpuWord(id, DS_ENABLED))) === 1;
    this.cause = runSync(mem.load(cpuWord(id, DS_CAUSE)));
    this.base = runSync(mem.load(cpuWord(id, DS_BASE)));
    this.idx = runSync(mem.load(cpuWord(id, DS_INDEX)));
    this.absMax = runSync(mem.load(cpuWord(id, DS_ABSMAX)));
    this.threshold = runSync(mem.load(cpuWord(id, DS_THRESHOLD)));
    this.bufWord0 = this.base * this.slotWords;
    this.pmiArmed = this.idx < this.threshold;
    if (!this.pmiArmed && this.enabled) {
      // Installed already past the threshold (a design that did not drain): raise again.
      this.pmiPending = true;
      this.skidLeft = this.cfg.skidRecords;
    }
    this.canWrite = this.enabled && this.idx < this.absMax;
    if (this.canWrite && this.hadDrop) this.flushPending();
  }

  result(): CpuResult {
    const lost: Record<string, number> = {};
    this.lostByCause.forEach((n, code) => {
      if (n) lost[lossCauseName(code)] = n;
    });
    const pendingLosses: PendingLoss[] = [];
    for (const [key, count] of this.pending) {
      pendingLosses.push({ cause: Math.floor(key / 0x100_0000), tid: Math.floor(key / 0x100) & 0xffff, klass: key & 0xff, count });
    }
    return {
      id: this.id, branches: this.branches, hwRecords: this.hwRecords, annotations: this.annotations,
      overflows: this.overflows, stallNs: this.stallNs, lost, pendingLosses, tid: this.tid, stopped: this.stopped,
    };
  }
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
