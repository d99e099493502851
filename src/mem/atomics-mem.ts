/** Threads mode: every operation is the `Atomics` operation itself, performed at once. */
import type { Op, SharedMem, WaitResult } from './shared-mem.js';

export class AtomicsMem implements SharedMem {
  constructor(readonly words: Int32Array) {}

  *load(index: number): Generator<Op, number, unknown> {
    return Atomics.load(this.words, index);
  }

  *store(index: number, value: number): Generator<Op, void, unknown> {
    Atomics.store(this.words, index, value);
  }

  *cas(index: number, expected: number, value: number): Generator<Op, number, unknown> {
    return Atomics.compareExchange(this.words, index, expected, value);
  }

  *add(index: number, value: number): Generator<Op, number, unknown> {
    return Atomics.add(this.words, index, value);
  }

  *notify(index: number): Generator<Op, void, unknown> {
    Atomics.notify(this.words, index);
  }

  *wait(index: number, expected: number, timeoutMs: number): Generator<Op, WaitResult, unknown> {
    return Atomics.wait(this.words, index, expected, timeoutMs);
  }
}
