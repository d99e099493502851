/**
 * Epochs generated on a thread of their own and read by the CPU worker, in shared memory.
 *
 * Generating the workload is most of a CPU worker's host time (README, Performance), and under
 * the modelled clock the CPU worker and the coordinator take turns, so the machine's other core
 * sat idle. A generator thread per CPU worker (workers/generator.ts) fills each CPU's next
 * epochs here while the CPU worker executes the ones before. Nothing a CPU does depends on when
 * its epochs were generated (the workload is a pure function of config, seed, CPU and epoch),
 * so no figure changes. A slot keeps its epoch for a while after the CPU worker is done with
 * it, and the oracle's sinks may read it there (read()) instead of generating it again: only
 * what the generator wrote, checked against the checksum it stored, so nothing the data path
 * did can reach the oracle this way (oracle/epoch-cache.ts).
 *
 * Layout (one SharedArrayBuffer per CPU worker; c: the CPU's index in the worker, k: a slot):
 *
 *   Int32 words  [0]            GEN_BELL: the CPU worker adds 1 and notifies after freeing a slot
 *                [1]            GEN_FAILED: 1 once the generator failed (its message follows
 *                               on the message port)
 *                [2 + 2c]       PRODUCED[c]: epochs of CPU c published so far, or
 *                               -(published + 1) once its workload is finished
 *                [3 + 2c]       CONSUMED[c]: epochs of CPU c the CPU worker is done with
 *                [2 + 2n + c*D + k]  VERSION of slot k of CPU c (n CPUs, D slots each): odd
 *                               while the generator writes it
 *   then, per (c, k), D = slotsPerCpu() slots per CPU, each 8-byte aligned:
 *     Float64 header[HEADER]    length, tid, start, epoch, migratedAfter, ownedEnd,
 *                               gateRecords, gateBlock, gatePc, gatePcHi, gateKind, checksum
 *     the chunk's arrays        as EventChunk lays them out (events.ts)
 *
 * Who writes what: epoch e of CPU c lives in slot e % D. The generator writes slot
 * (PRODUCED[c] % D) only while PRODUCED[c] - CONSUMED[c] < aheadPerCpu() (so the D - ahead
 * epochs before stay readable): it makes VERSION odd (Atomics.add), writes the epoch and its
 * header, makes VERSION even again (Atomics.add), then publishes with Atomics.store of
 * PRODUCED[c] + 1 (release: the plain stores before it are visible to whoever loads that value)
 * and rings the CPU worker's host bell (ctl HOST_BELL, add then notify). The CPU worker reads
 * slot (CONSUMED[c] % D) only after an Atomics.load of PRODUCED[c] shows it published, never
 * writes it, and when done stores CONSUMED[c] + 1 (Atomics.store), then rings GEN_BELL. One
 * producer and one consumer per CPU: no compare-exchange. A sink reads any slot as a seqlock:
 * VERSION even before, the epoch it wants in the header, the same VERSION and a matching
 * checksum after; anything else and it generates the epoch itself.
 */
import type { SimConfig } from '../model/config.js';
import { EventChunk } from './events.js';
import { epochCount } from './generator.js';
import { cpuWorkerGroups } from '../model/cpu-workers.js';

/**
 * Slots per CPU: the epoch being executed, up to aheadPerCpu() - 1 generated meanwhile, and,
 * with checking on (`retain`), the ones kept for the oracle's sinks. A CPU worker's queue holds
 * about 64 epochs in all when kept (each some 0.75 MB at the default timeslice), and one per CPU
 * at least: with more than 16 CPUs to a worker the generator fills the others' while one
 * executes, and nothing is kept for the sinks beyond what the CPU worker still needs.
 */
export function slotsPerCpu(cpus: number, retain = true): number {
  return retain ? Math.max(1, Math.min(16, Math.floor(64 / cpus))) : aheadPerCpu(cpus);
}

/** Epochs of a CPU the generator may hold published and not yet done with (the executing one included). */
export function aheadPerCpu(cpus: number): number {
  return Math.min(slotsPerCpu(cpus, true), 4);
}
const HEADER = 12;
export const GEN_BELL = 0;
export const GEN_FAILED = 1;
const produced = (c: number): number => 2 + 2 * c;
const consumed = (c: number): number => 3 + 2 * c;

function slotBytes(capacity: number): number {
  return Math.ceil((HEADER * 8 + EventChunk.bytes(capacity)) / 8) * 8;
}

function wordCount(cpus: number, retain: boolean): number {
  return 2 + 2 * cpus + cpus * slotsPerCpu(cpus, retain);
}

/** Bytes of the queue for `cpus` CPUs with chunks of `capacity` events (`retain`: slots kept for the sinks). */
export function chunkQueueBytes(cpus: number, capacity: number, retain: boolean): number {
  return Math.ceil((wordCount(cpus, retain) * 4) / 8) * 8 + cpus * slotsPerCpu(cpus, retain) * slotBytes(capacity);
}

/**
 * An order-sensitive hash of what the oracle's views read of an epoch (views.ts: the records,
 * event types, entry kinds and incoming tids, new address spaces) and of its header. Four
 * independent lanes, so the multiplies overlap instead of waiting on each other.
 */
function checksum(ch: EventChunk): number {
  const n = ch.length | 0;
  let a = Math.imul(n, 0x9e3779b1) ^ ch.tid;
  let b = Math.imul(ch.ownedEnd + 1, 0x85ebca6b) ^ Math.imul(ch.migratedAfter + 2, 0xc2b2ae35);
  let c = (ch.gateRecords + ch.gateBlock * 7 + ch.gatePc + ch.gatePcHi * 3 + ch.gateKind * 5) | 0;
  let d = ch.epoch | 0;
  const rec = ch.rec;
  const m = n * 6;
  for (let o = 0; o < m; o += 6) {
    a = (Math.imul(a, 31) + rec[o]!) | 0;
    b = (Math.imul(b, 37) + rec[o + 1]!) | 0;
    c = (Math.imul(c, 41) + rec[o + 2]!) | 0;
    d = (Math.imul(d, 43) + rec[o + 3]!) | 0;
    a = (Math.imul(a, 31) + rec[o + 4]!) | 0;
    b = (Math.imul(b, 37) + rec[o + 5]!) | 0;
  }
  const type = ch.type, kt = ch.kindOrTid, cr3 = ch.switchCr3;
  for (let i = 0; i < n; i++) {
    c = (Math.imul(c, 41) + (type[i]! | (kt[i]! << 8))) | 0;
    d = (Math.imul(d, 43) + cr3[i]!) | 0;
  }
  return (Math.imul(a, 0x85ebca6b) ^ Math.imul(b, 0xc2b2ae35) ^ Math.imul(c, 0x27d4eb2f) ^ d) | 0;
}

/**
 * Whether a run's CPU workers get a generator thread: the modelled clock, a synthetic workload
 * of more than two epochs per CPU (with fewer there is nothing to overlap, and a thread to start
 * costs more than it saves: sweeps run many short points), and at most two CPU workers (the
 * default grouping; with one worker per CPU, as a config may ask, a thread each would double
 * the threads and their heaps).
 */
export function usesGenerator(cfg: SimConfig): boolean {
  return cfg.clock === 'model' && cfg.traces.length === 0 && epochCount(cfg) > 2 && cpuWorkerGroups(cfg).length <= 2;
}

/** Bytes of all the run's queues (one per CPU worker), for the memory budget. */
export function queuesBytes(cfg: SimConfig): number {
  if (!usesGenerator(cfg)) return 0;
  return cpuWorkerGroups(cfg).reduce((bytes, cpus) => bytes + chunkQueueBytes(cpus.length, cfg.workload.timesliceBranches, cfg.check), 0);
}

/** A CPU worker's queue memory and its CPUs, as the run hands it to the worker and the sinks. */
export interface QueueMemory {
  sab: SharedArrayBuffer;
  cpus: number[];
}

/** The run's queues (run.ts allocates them with the other shared memory), or undefined. */
export function makeQueues(cfg: SimConfig): QueueMemory[] | undefined {
  if (!usesGenerator(cfg)) return undefined;
  return cpuWorkerGroups(cfg).map((cpus) => ({ sab: new SharedArrayBuffer(chunkQueueBytes(cpus.length, cfg.workload.timesliceBranches, cfg.check)), cpus }));
}

/** An EventChunk whose arrays are views of a slot, and the slot's header. */
class SlotChunk extends EventChunk {
  constructor(capacity: number, sab: SharedArrayBuffer, offset: number, readonly header: Float64Array) {
    super(capacity, { sab, offset: offset + HEADER * 8 });
  }

  /** The scalar fields into the header, and the checksum if asked (generator, before publishing). */
  save(sum: boolean): void {
    const h = this.header;
    h[0] = this.length; h[1] = this.tid; h[2] = this.start; h[3] = this.epoch; h[4] = this.migratedAfter;
    h[5] = this.ownedEnd; h[6] = this.gateRecords; h[7] = this.gateBlock; h[8] = this.gatePc; h[9] = this.gatePcHi; h[10] = this.gateKind;
    h[11] = sum ? checksum(this) : NaN;
  }

  /** The scalar fields from the header (CPU worker, after seeing it published). */
  load(): void {
    const h = this.header;
    this.length = h[0]!; this.tid = h[1]!; this.start = h[2]!; this.epoch = h[3]!; this.migratedAfter = h[4]!;
    this.ownedEnd = h[5]!; this.gateRecords = h[6]!; this.gateBlock = h[7]!; this.gatePc = h[8]!; this.gatePcHi = h[9]!; this.gateKind = h[10]!;
  }
}

/**
 * A side's view of a run's queue `m` (makeQueues): every side (the generator, the CPU worker,
 * the sinks, the watchdog) must see the same slots, so they all attach through here.
 */
export function attachQueue(cfg: SimConfig, m: QueueMemory): ChunkQueue {
  return new ChunkQueue(m.sab, m.cpus.length, cfg.workload.timesliceBranches, cfg.check);
}

/** One side's view of a CPU worker's queue (both sides build the same object). */
export class ChunkQueue {
  readonly words: Int32Array;
  /** Slots per CPU, and how many of them the generator may fill ahead of the CPU worker. */
  readonly depth: number;
  readonly aheadMax: number;
  private readonly slots: SlotChunk[];

  /** `retain`: slots kept for the sinks (the run is checked); every side of a queue passes the same. */
  constructor(readonly sab: SharedArrayBuffer, readonly cpus: number, readonly capacity: number, retain: boolean) {
    this.words = new Int32Array(sab, 0, wordCount(cpus, retain));
    this.depth = slotsPerCpu(cpus, retain);
    this.aheadMax = aheadPerCpu(cpus);
    const base = Math.ceil((wordCount(cpus, retain) * 4) / 8) * 8;
    const size = slotBytes(capacity);
    this.slots = [];
    for (let s = 0; s < cpus * this.depth; s++) {
      const off = base + s * size;
      this.slots.push(new SlotChunk(capacity, sab, off, new Float64Array(sab, off, HEADER)));
    }
  }

  private slot(c: number, seq: number): SlotChunk {
    return this.slots[c * this.depth + (seq % this.depth)]!;
  }

  private version(c: number, seq: number): number {
    return 2 + 2 * this.cpus + c * this.depth + (seq % this.depth);
  }

  // ---- the generator's side ----

  /**
   * CPU c's next slot to fill (marked as being written: fill it, then publish() or finish()),
   * or null while it is as far ahead as it may be (or c is finished).
   */
  toFill(c: number): EventChunk | null {
    const p = Atomics.load(this.words, produced(c));
    if (p < 0 || p - Atomics.load(this.words, consumed(c)) >= this.aheadMax) return null;
    Atomics.add(this.words, this.version(c, p), 1);
    return this.slot(c, p);
  }

  /** Publish the slot toFill(c) gave, filled; with its checksum if the oracle may read it. */
  publish(c: number, sum: boolean): void {
    const p = Atomics.load(this.words, produced(c));
    this.slot(c, p).save(sum);
    Atomics.add(this.words, this.version(c, p), 1);
    Atomics.store(this.words, produced(c), p + 1);
  }

  /** CPU c's workload is finished: no slot will follow (the one toFill() gave is unchanged). */
  finish(c: number): void {
    const p = Atomics.load(this.words, produced(c));
    Atomics.add(this.words, this.version(c, p), 1);
    Atomics.store(this.words, produced(c), -(p + 1));
  }

  /** Slots of CPU c published and not yet consumed (how far ahead the generator is). */
  ahead(c: number): number {
    const p = Atomics.load(this.words, produced(c));
    return (p < 0 ? -p - 1 : p) - Atomics.load(this.words, consumed(c));
  }

  // ---- the CPU worker's side ----

  /** CPU c's next epoch if published, 'end' if its workload is finished, else null (not yet). */
  next(c: number): EventChunk | 'end' | null {
    const p = Atomics.load(this.words, produced(c));
    const n = Atomics.load(this.words, consumed(c));
    if (n < (p < 0 ? -p - 1 : p)) {
      const chunk = this.slot(c, n);
      chunk.load();
      return chunk;
    }
    return p < 0 ? 'end' : null;
  }

  /** Done with the epoch next(c) gave: the slot is the generator's again. */
  release(c: number): void {
    Atomics.store(this.words, consumed(c), Atomics.load(this.words, consumed(c)) + 1);
    Atomics.add(this.words, GEN_BELL, 1);
    Atomics.notify(this.words, GEN_BELL);
  }

  failed(): boolean {
    return Atomics.load(this.words, GEN_FAILED) !== 0;
  }

  // ---- the watchdog's side ----

  /** CPU c waits for its next epoch: everything published is done with, and more is to come. */
  waitsForEpoch(c: number): boolean {
    const p = Atomics.load(this.words, produced(c));
    return p >= 0 && p === Atomics.load(this.words, consumed(c));
  }

  /** Epochs published so far, all CPUs: the generator's progress. */
  published(): number {
    let n = 0;
    for (let c = 0; c < this.cpus; c++) {
      const p = Atomics.load(this.words, produced(c));
      n += p < 0 ? -p - 1 : p;
    }
    return n;
  }

  // ---- a sink's side (the oracle) ----

  /**
   * Epoch `epoch` of CPU c, if its slot still holds it: `use` runs on it, then the read is
   * checked (the same VERSION, its checksum); if that fails, `undo` takes back what `use` did.
   * False: not read (not there, being written, or it did not check out).
   */
  read(c: number, epoch: number, use: (chunk: EventChunk) => void, undo: () => void): boolean {
    const vi = this.version(c, epoch);
    const v = Atomics.load(this.words, vi);
    if (v === 0 || (v & 1) !== 0) return false;
    const slot = this.slot(c, epoch);
    slot.load();
    const want = slot.header[11]!;
    if (slot.epoch !== epoch || Number.isNaN(want) || !(slot.length <= this.capacity) || !(slot.ownedEnd <= slot.length)) return false;
    const intact = (): boolean => checksum(slot) === want && Atomics.load(this.words, vi) === v;
    try {
      use(slot);
    } catch (e) {
      // `use` met an epoch overwritten under it: take it back. Otherwise the error is its own.
      undo();
      if (!intact()) return false;
      throw e;
    }
    if (!intact()) {
      undo();
      return false;
    }
    return true;
  }
}
