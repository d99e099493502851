/**
 * Copies of a buffer to its CPU's staging buffer (ctx.copy). They run on the copier pool when
 * there is one, here and now otherwise, with one timeline track per copier thread.
 *
 * A copy carries what was already drained of its original (a flush may have drained its
 * prefix while it was installed): draining the staging buffer resumes from there.
 */
import type { SimConfig } from '../model/config.js';
import type { CopyOp } from '../designs/design.js';
import { TimelineLog } from '../model/timeline.js';
import { recordWords } from '../model/hw-record.js';
import type { DesignIds } from './design-ids.js';
import type { Drains } from './drains.js';

/** Runs a copy on the copier pool; resolves when the records are in the staging buffer. */
export type Copier = (from: number, to: number, count: number, recordWords: number) => Promise<{ thread: number; startNs: number; endNs: number } | void>;

/** Copier tracks in the timeline: this plus the copier's worker thread id. */
export const COPIER_TID_BASE = 1000;

export class Copies {
  /** Copies started. */
  count = 0;
  /** One timeline track per copier thread. */
  readonly logs = new Map<number, TimelineLog>();

  constructor(
    private readonly cfg: SimConfig,
    /** The hardware buffers, and the words in one buffer's slot. */
    private readonly u32: Uint32Array,
    private readonly slotWords: number,
    private readonly copier: Copier | null,
    private readonly ids: DesignIds,
    private readonly drains: Drains,
    private readonly timeline: TimelineLog | null,
  ) {}

  /** Copies go to a pool of copier threads (host clock: the service loop waits for them). */
  get pooled(): boolean {
    return this.copier !== null;
  }

  log(thread: number): TimelineLog {
    let l = this.logs.get(thread);
    if (!l) this.logs.set(thread, (l = new TimelineLog(COPIER_TID_BASE + thread, this.cfg.timelineOriginNs!)));
    return l;
  }

  /** Copy records [0, count) of a buffer to its CPU's staging buffer, here and now. */
  toStaging(op: CopyOp): number {
    const staging = this.ids.staging(op.cpu);
    const slot = this.slotWords;
    this.u32.copyWithin(staging * slot, op.buffer * slot, op.buffer * slot + op.count * recordWords(this.cfg.format[op.cpu]!));
    this.drains.setDone(staging, this.drains.done(op.buffer));
    this.count++;
    return staging;
  }

  /** Host clock: copy on the pool (here without one); `done` gets the staging buffer, after `failed` on an error. */
  start(op: CopyOp, done: (staging: number) => void, failed: (e: unknown) => void): void {
    if (!this.copier) {
      // No pool (tests without workers): copy here, synchronously.
      done(this.toStaging(op));
      return;
    }
    const staging = this.ids.staging(op.cpu);
    const already = this.drains.done(op.buffer);
    this.count++;
    this.copier(op.buffer, staging, op.count, recordWords(this.cfg.format[op.cpu]!)).then((d) => {
      if (d && this.timeline) {
        const origin = this.cfg.timelineOriginNs!;
        this.log(d.thread).span(`copy cpu${op.cpu}`, (d.startNs - origin) / 1000, (d.endNs - origin) / 1000, { records: op.count });
      }
      this.drains.setDone(staging, already);
      done(staging);
    }, (e) => {
      failed(e);
      this.drains.setDone(staging, already);
      done(staging);
    });
  }

  /** Modelled clock: copy as a copier does, resolving to the staging buffer (the loop times it). */
  out(cpu: number, buffer: number, count: number, failed: (e: unknown) => void): Promise<number> | number {
    const op: CopyOp = { op: 'copy', cpu, buffer, count };
    if (!this.copier) return this.toStaging(op);
    const staging = this.ids.staging(cpu);
    const already = this.drains.done(buffer);
    this.count++;
    return this.copier(buffer, staging, count, recordWords(this.cfg.format[cpu]!)).then(() => {
      this.drains.setDone(staging, already);
      return staging;
    }, (e: unknown) => {
      failed(e);
      return staging;
    });
  }

  /** Bytes a copy of `count` records of `cpu` moves. */
  bytes(cpu: number, count: number): number {
    return count * recordWords(this.cfg.format[cpu]!) * 4;
  }
}
