/** Threads mode: every operation is the `Atomics` operation itself, performed at once. */
import type { Op, SharedMem, WaitResult } from './shared-mem.js';

/** Loads before sleeping in wait(): about a microsecond or two of spinning. */
const SPIN = 256;

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
    // Spin a little first: the other side is often running on the other core and about to
    // store, and a futex sleep and wake-up costs tens of microseconds.
    for (let i = 0; i < SPIN; i++) {
      if (Atomics.load(this.words, index) !== expected) return 'not-equal';
    }
    return Atomics.wait(this.words, index, expected, timeoutMs);
  }
}
