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

  constructor(private readonly cfg: SimConfig, private readonly spec: ConsumerSpec) {
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

  private refill(): boolean {
    this.batch.clear();
    this.pos = 0;
    if (this.trace) return this.refillTrace(this.trace);
    while (this.batch.length === 0) {
      if (this.epoch >= this.epochs) return false;
      this.schedule.seek(this.epoch);
      const cpu = this.cpuInEpoch();
      if (cpu >= 0) {
        generateEpoch(this.cfg, this.schedule, cpu, this.chunk);
        // A thread that blocked mid-timeslice owns the events up to its switch to idle.
        const end = this.spec.kind.startsWith('cpu') ? this.chunk.length : this.chunk.ownedEnd;
        applyView(this.spec.kind, this.chunk, 0, end, this.cfg, this.batch);
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
 */
export function expectedTail(cfg: SimConfig, spec: ConsumerSpec, keep: number): { total: number; tail: RecordList } {
  const s = new ExpectedStream(cfg, spec);
  const W = RECORD_WORDS;
  const ring = new Uint32Array(Math.max(1, keep) * W);
  let total = 0;
  while (s.ensure()) {
    const b = s.batch;
    // Only the batch's last `keep` records can be in the tail.
    const from = keep > 0 ? Math.max(s.pos, b.length - keep) : b.length;
    for (let i = from; i < b.length; i++) {
      const at = ((total + i - s.pos) % keep) * W;
      ring.set(b.words.subarray(i * W, i * W + W), at);
    }
    total += b.length - s.pos;
    s.pos = b.length;
  }
  const n = Math.min(total, keep);
  const tail = new RecordList(Math.max(1, n));
  for (let k = total - n; k < total; k++) {
    const o = (k % keep) * W;
    tail.push(ring[o]!, ring[o + 1]!, ring[o + 2]!, ring[o + 3]!, ring[o + 4]!, ring[o + 5]!);
  }
  return { total, tail };
}
