/**
 * Threads mode with chaos: the real `Atomics` operations, with seeded delays injected
 * before some of them (a busy spin, or a sleep that gives the core away) to widen race
 * windows between real threads. The seed fixes where delays go, not how the OS schedules
 * the threads, so a failure's replay is best effort.
 */
import { hashKey, Rng } from '../base/prng.js';
import { AtomicsMem } from './atomics-mem.js';
import type { Op, SharedMem, WaitResult } from './shared-mem.js';

export interface ChaosOptions {
  seed: number;
  /** Probability of a delay before an operation. */
  probability: number;
  /** Longest delay, microseconds. */
  maxDelayUs: number;
}

export class ChaosMem implements SharedMem {
  private readonly inner: AtomicsMem;
  private readonly rng: Rng;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));
  private readonly threshold: number;

  constructor(readonly words: Int32Array, private readonly opts: ChaosOptions, actor: number) {
    this.inner = new AtomicsMem(words);
    this.rng = new Rng(hashKey(opts.seed, 0xc4a05, actor));
    this.threshold = opts.probability * 0x1_0000_0000;
  }

  private delay(): void {
    if (this.rng.next() >= this.threshold) return;
    const us = 1 + this.rng.below(this.opts.maxDelayUs);
    if (this.rng.next() & 1) {
      const end = process.hrtime.bigint() + BigInt(us * 1000);
      while (process.hrtime.bigint() < end) { /* spin: keep the core, stretch the window */ }
    } else {
      Atomics.wait(this.sleeper, 0, 0, us / 1000);
    }
  }

  *load(index: number): Generator<Op, number, unknown> {
    this.delay();
    return yield* this.inner.load(index);
  }

  *store(index: number, value: number): Generator<Op, void, unknown> {
    this.delay();
    yield* this.inner.store(index, value);
  }

  *cas(index: number, expected: number, value: number): Generator<Op, number, unknown> {
    this.delay();
    return yield* this.inner.cas(index, expected, value);
  }

  *add(index: number, value: number): Generator<Op, number, unknown> {
    this.delay();
    return yield* this.inner.add(index, value);
  }

  *notify(index: number): Generator<Op, void, unknown> {
    this.delay();
    yield* this.inner.notify(index);
  }

  *wait(index: number, expected: number, timeoutMs: number): Generator<Op, WaitResult, unknown> {
    this.delay();
    return yield* this.inner.wait(index, expected, timeoutMs);
  }
}
