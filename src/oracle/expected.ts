/**
 * The expected stream of one consumer: the seeded workload regenerated epoch by epoch and
 * passed through the view rules. Memory is one epoch of events and its view, whatever the
 * length of the run.
 */
import type { ConsumerSpec, SimConfig } from '../model/config.js';
import { EventChunk } from '../workload/events.js';
import { epochCount, generateEpoch } from '../workload/generator.js';
import { Schedule } from '../workload/schedule.js';
import { applyView, RecordList } from './views.js';
import { RECORD_WORDS } from '../model/hw-record.js';
import { TraceWorkload } from '../workload/trace-workload.js';
import type { EpochCache } from './epoch-cache.js';

/** Where a checker reads its expected records from: a batch at a time, from `pos`. */
export interface ExpectedSource {
  /** Make sure a record is available at `pos`; false at the end of the stream. */
  ensure(): boolean;
  readonly batch: RecordList;
  pos: number;
  /** Records served so far, the current batch included. */
  readonly produced: number;
}

export class ExpectedStream implements ExpectedSource {
  private readonly schedule: Schedule;
  private readonly chunk: EventChunk;
  private readonly epochs: number;
  private epoch = 0;
  /** The current batch of expected records and the read position in it. */
  readonly batch = new RecordList(4096);
  pos = 0;
  /** Records produced so far (all batches, including the current one). */
  produced = 0;

  /** Trace runs: the traces regenerated on their own (a thread's stream reads its own trace alone). */
  private readonly trace: TraceWorkload | null;

  /** `cache`: epochs generated for this sink's other streams, read instead of generated again. */
  constructor(private readonly cfg: SimConfig, private readonly spec: ConsumerSpec, private readonly cache?: EpochCache) {
    this.schedule = new Schedule(cfg);
    this.chunk = new EventChunk(cfg.workload.timesliceBranches);
    this.epochs = epochCount(cfg);
    const cpuKind = spec.kind.startsWith('cpu');
    this.trace = cfg.traces.length ? new TraceWorkload(cfg, cpuKind ? spec.target : 0, cpuKind ? 0 : spec.target) : null;
  }

  /** Make sure a record is available at `pos`; false at the end of the stream. */
  ensure(): boolean {
    while (this.pos >= this.batch.length) {
      if (!this.refill()) return false;
    }
    return true;
  }

  /**
   * The next batch, from epochs below `limit` only (TailKeeper takes a stream in as far as the
   * sink's other streams have gone). False: none (the end, or `limit`).
   */
  refill(limit = Infinity): boolean {
    this.batch.clear();
    this.pos = 0;
    if (this.trace) return limit === Infinity && this.refillTrace(this.trace);
    while (this.batch.length === 0) {
      if (this.epoch >= this.epochs || this.epoch >= limit) return false;
      this.schedule.seek(this.epoch);
      const cpu = this.cpuInEpoch();
      if (cpu >= 0) {
        // A thread that blocked mid-timeslice owns the events up to its switch to idle.
        const view = (chunk: EventChunk): void => {
          applyView(this.spec.kind, chunk, 0, this.spec.kind.startsWith('cpu') ? chunk.length : chunk.ownedEnd, this.cfg, this.batch);
        };
        if (this.cache) {
          const mark = this.batch.length;
          this.cache.withEpoch(this.schedule, cpu, view, () => { this.batch.length = mark; });
        } else {
          generateEpoch(this.cfg, this.schedule, cpu, this.chunk);
          view(this.chunk);
        }
      }
      this.epoch++;
    }
    this.produced += this.batch.length;
    return true;
  }

  private refillTrace(trace: TraceWorkload): boolean {
    const cpuKind = this.spec.kind.startsWith('cpu');
    while (this.batch.length === 0) {
      if (this.epoch >= this.epochs) {
        trace.close();
        return false;
      }
      const here = cpuKind ? trace.fill(this.chunk) : trace.fillFor(this.spec.target, this.epoch, this.chunk);
      if (here) applyView(this.spec.kind, this.chunk, 0, cpuKind ? this.chunk.length : this.chunk.ownedEnd, this.cfg, this.batch);
      this.epoch++;
    }
    this.produced += this.batch.length;
    return true;
  }

  /** The CPU whose epoch this consumer sees, or -1 (a thread that does not run this epoch). */
  private cpuInEpoch(): number {
    if (this.spec.kind.startsWith('cpu')) return this.spec.target;
    return this.schedule.running.indexOf(this.spec.target);
  }

  /** Count the whole stream (a fresh instance), without keeping it. */
  static count(cfg: SimConfig, spec: ConsumerSpec): number {
    const s = new ExpectedStream(cfg, spec);
    let n = 0;
    while (s.ensure()) {
      n += s.batch.length - s.pos;
      s.pos = s.batch.length;
    }
    return n;
  }
}

/** Records held in memory, served as one batch (the tail of a stream: expectedTail()). */
export class HeldStream implements ExpectedSource {
  pos = 0;
  readonly produced: number;
  constructor(readonly batch: RecordList) {
    this.produced = batch.length;
  }

  ensure(): boolean {
    return this.pos < this.batch.length;
  }
}

/**
 * A consumer's whole expected stream in one pass, keeping only its last `keep` records: its
 * length, and those records in order. (A ring is checked against the end of its stream.)
 * The sink takes a ring's stream in while the run goes (advance), reading the epochs its other
 * streams just generated, instead of generating the whole stream again once the run is over.
 */
export class TailKeeper {
  private readonly s: ExpectedStream;
  private readonly ring: Uint32Array;
  private total = 0;

  constructor(cfg: SimConfig, spec: ConsumerSpec, readonly keep: number, cache?: EpochCache) {
    this.s = new ExpectedStream(cfg, spec, cache);
    this.ring = new Uint32Array(Math.max(1, keep) * RECORD_WORDS);
  }

  /** Take the stream in up to (not including) epoch `limit`. */
  advance(limit: number): void {
    const s = this.s;
    const W = RECORD_WORDS;
    const keep = this.keep;
    for (;;) {
      if (s.pos >= s.batch.length && !s.refill(limit)) return;
      const b = s.batch;
      // Only the batch's last `keep` records can be in the tail: copied in at most two
      // pieces (the ring wraps once at most, as they are at most `keep`).
      let i = keep > 0 ? Math.max(s.pos, b.length - keep) : b.length;
      while (i < b.length) {
        const at = (this.total + i - s.pos) % keep;
        const n = Math.min(b.length - i, keep - at);
        this.ring.set(b.words.subarray(i * W, (i + n) * W), at * W);
        i += n;
      }
      this.total += b.length - s.pos;
      s.pos = b.length;
    }
  }

  /** The rest of the stream taken in: its length and its last `keep` records, in order. */
  finish(): { total: number; tail: RecordList } {
    this.advance(Infinity);
    const { total, keep, ring } = this;
    const n = Math.min(total, keep);
    const tail = new RecordList(Math.max(1, n));
    for (let k = total - n; k < total; k++) {
      const o = (k % keep) * RECORD_WORDS;
      tail.push(ring[o]!, ring[o + 1]!, ring[o + 2]!, ring[o + 3]!, ring[o + 4]!, ring[o + 5]!);
    }
    return { total, tail };
  }
}

/** expectedTail: the same in one go. */
export function expectedTail(cfg: SimConfig, spec: ConsumerSpec, keep: number): { total: number; tail: RecordList } {
  return new TailKeeper(cfg, spec, keep).finish();
}
