/**
 * Epochs generated on a thread of their own and read by the CPU worker, in shared memory.
 *
 * Generating the workload is most of a CPU worker's host time (README, Performance), and under
 * the modelled clock the CPU worker and the coordinator take turns, so the machine's other core
 * sat idle. A generator thread per CPU worker (workers/generator.ts) fills each CPU's next
 * epochs here while the CPU worker executes the ones before. Nothing a CPU does depends on when
 * its epochs were generated (the workload is a pure function of config, seed, CPU and epoch),
 * so no figure changes; the oracle still regenerates every epoch on its own.
 *
 * Layout (one SharedArrayBuffer per CPU worker; c: the CPU's index in the worker, k: a slot):
 *
 *   Int32 words  [0]            GEN_BELL: the CPU worker adds 1 and notifies after freeing a slot
 *                [1]            GEN_FAILED: 1 once the generator failed (its message follows
 *                               on the message port)
 *                [2 + 2c]       PRODUCED[c]: epochs of CPU c published so far, or
 *                               -(published + 1) once its workload is finished
 *                [3 + 2c]       CONSUMED[c]: epochs of CPU c the CPU worker is done with
 *   then, per (c, k), slotsPerCpu() slots per CPU, each 8-byte aligned:
 *     Float64 header[HEADER]    length, tid, start, epoch, migratedAfter, ownedEnd,
 *                               gateRecords, gateBlock, gatePc, gatePcHi, gateKind
 *     the chunk's arrays        as EventChunk lays them out (events.ts)
 *
 * Who writes what: the generator writes slot (PRODUCED[c] % slots) of CPU c, and only while
 * PRODUCED[c] - CONSUMED[c] < the slots per CPU; then it publishes it with Atomics.store of PRODUCED[c] + 1
 * (release: the slot's plain stores before it are visible to whoever loads that value) and
 * rings the CPU worker's host bell (ctl HOST_BELL, add then notify). The CPU worker reads slot
 * (CONSUMED[c] % slots) only after an Atomics.load of PRODUCED[c] shows it published, and when
 * done with it stores CONSUMED[c] + 1 (Atomics.store), then rings GEN_BELL; from then on the
 * slot is the generator's again. One producer and one consumer per CPU: no compare-exchange.
 */
import type { SimConfig } from '../model/config.js';
import { EventChunk } from './events.js';
import { epochCount } from './generator.js';

/**
 * Slots per CPU: the epoch being executed and the ones generated meanwhile. The more, the
 * longer the generator can work on while the CPU worker waits for the coordinator. A CPU
 * worker's queue holds about 32 epochs in all (each some 0.75 MB at the default timeslice),
 * and one per CPU at least: with more than 16 CPUs to a worker, the generator fills the
 * others' while one executes, and the memory stays what one chunk per CPU took before.
 */
export function slotsPerCpu(cpus: number): number {
  return Math.max(1, Math.min(8, Math.floor(32 / cpus)));
}
const HEADER = 11;
export const GEN_BELL = 0;
export const GEN_FAILED = 1;
const produced = (c: number): number => 2 + 2 * c;
const consumed = (c: number): number => 3 + 2 * c;

function slotBytes(capacity: number): number {
  return Math.ceil((HEADER * 8 + EventChunk.bytes(capacity)) / 8) * 8;
}

/** Bytes of the queue for `cpus` CPUs with chunks of `capacity` events. */
export function chunkQueueBytes(cpus: number, capacity: number): number {
  return (2 + 2 * cpus) * 4 + 4 + cpus * slotsPerCpu(cpus) * slotBytes(capacity);
}

/**
 * Whether a run's CPU workers get a generator thread: the modelled clock, a synthetic workload
 * of more than two epochs per CPU (with fewer there is nothing to overlap, and a thread to start
 * costs more than it saves: sweeps run many short points), and at most two CPU workers (the
 * default grouping; with one worker per CPU, as a config may ask, a thread each would double
 * the threads and their heaps).
 */
export function usesGenerator(cfg: SimConfig): boolean {
  return cfg.clock === 'model' && cfg.traces.length === 0 && epochCount(cfg) > 2 && Math.ceil(cfg.cpus / cfg.cpusPerWorker) <= 2;
}

/** Bytes of all the run's queues (one per CPU worker), for the memory budget. */
export function queuesBytes(cfg: SimConfig): number {
  if (!usesGenerator(cfg)) return 0;
  let bytes = 0;
  for (let first = 0; first < cfg.cpus; first += cfg.cpusPerWorker) {
    bytes += chunkQueueBytes(Math.min(cfg.cpusPerWorker, cfg.cpus - first), cfg.workload.timesliceBranches);
  }
  return bytes;
}

/** An EventChunk whose arrays are views of a slot, and the slot's header. */
class SlotChunk extends EventChunk {
  constructor(capacity: number, sab: SharedArrayBuffer, offset: number, readonly header: Float64Array) {
    super(capacity, { sab, offset: offset + HEADER * 8 });
  }

  /** The scalar fields into the header (generator, before publishing). */
  save(): void {
    const h = this.header;
    h[0] = this.length; h[1] = this.tid; h[2] = this.start; h[3] = this.epoch; h[4] = this.migratedAfter;
    h[5] = this.ownedEnd; h[6] = this.gateRecords; h[7] = this.gateBlock; h[8] = this.gatePc; h[9] = this.gatePcHi; h[10] = this.gateKind;
  }

  /** The scalar fields from the header (CPU worker, after seeing it published). */
  load(): void {
    const h = this.header;
    this.length = h[0]!; this.tid = h[1]!; this.start = h[2]!; this.epoch = h[3]!; this.migratedAfter = h[4]!;
    this.ownedEnd = h[5]!; this.gateRecords = h[6]!; this.gateBlock = h[7]!; this.gatePc = h[8]!; this.gatePcHi = h[9]!; this.gateKind = h[10]!;
  }
}

/** One side's view of a CPU worker's queue (both sides build the same object). */
export class ChunkQueue {
  readonly words: Int32Array;
  /** Slots per CPU. */
  readonly depth: number;
  private readonly slots: SlotChunk[];

  constructor(readonly sab: SharedArrayBuffer, readonly cpus: number, readonly capacity: number) {
    this.words = new Int32Array(sab, 0, 2 + 2 * cpus);
    this.depth = slotsPerCpu(cpus);
    const base = Math.ceil(((2 + 2 * cpus) * 4) / 8) * 8;
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

  // ---- the generator's side ----

  /** CPU c's next slot to fill, or null while every slot is still the CPU worker's (or c is finished). */
  toFill(c: number): EventChunk | null {
    const p = Atomics.load(this.words, produced(c));
    if (p < 0 || p - Atomics.load(this.words, consumed(c)) >= this.depth) return null;
    return this.slot(c, p);
  }

  /** Publish the slot toFill(c) gave, filled. */
  publish(c: number): void {
    const p = Atomics.load(this.words, produced(c));
    this.slot(c, p).save();
    Atomics.store(this.words, produced(c), p + 1);
  }

  /** CPU c's workload is finished: no slot will follow. */
  finish(c: number): void {
    Atomics.store(this.words, produced(c), -(Atomics.load(this.words, produced(c)) + 1));
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
}
