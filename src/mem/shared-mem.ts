/**
 * The shared-memory interface every protocol step is written against (docs/domain-model.md §7).
 *
 * Operations on 32-bit words of one Int32Array, addressed by index. Each operation is a
 * generator so the same protocol code runs two ways:
 *  - threads: `AtomicsMem` performs the operation at once and never yields; the caller
 *    drives the generator with `runSync` (one `next()` call).
 *  - explore: a stepped implementation yields an `Op` before each operation, so a seeded
 *    scheduler can switch actors between any two shared-memory operations.
 * Per-record payload stores inside a batch are plain typed-array writes, not operations:
 * only what other actors synchronise on (publishes, flags, counters, pool links) is.
 */

export type Op =
  | { op: 'load'; index: number }
  | { op: 'store'; index: number; value: number }
  | { op: 'cas'; index: number; expected: number; value: number }
  | { op: 'add'; index: number; value: number }
  | { op: 'notify'; index: number }
  | { op: 'wait'; index: number; expected: number; timeoutMs: number }
  /** No memory operation: a point where the explorer may switch actors (inside a copy). */
  | { op: 'yield'; index: -1 };

export type WaitResult = 'ok' | 'not-equal' | 'timed-out';

export interface SharedMem {
  readonly words: Int32Array;
  load(index: number): Generator<Op, number, unknown>;
  store(index: number, value: number): Generator<Op, void, unknown>;
  /** Returns the value found (the swap happened iff it equals `expected`). */
  cas(index: number, expected: number, value: number): Generator<Op, number, unknown>;
  /** Returns the value before the addition. */
  add(index: number, value: number): Generator<Op, number, unknown>;
  notify(index: number): Generator<Op, void, unknown>;
  /** Block while the word equals `expected`, up to `timeoutMs`. */
  wait(index: number, expected: number, timeoutMs: number): Generator<Op, WaitResult, unknown>;
  /**
   * A point where the thread's driver may switch to another CPU of the thread (only a memory
   * shared by several CPUs on one thread has it: cooperative-mem.ts).
   */
  pause?(): Generator<Op, void, unknown>;
}

/** Drive a protocol step that never yields (threads mode) to its result. */
export function runSync<T>(g: Generator<Op | { op: string }, T, unknown>): T {
  const r = g.next();
  if (!r.done) throw new Error(`internal: a threads-mode step yielded ${JSON.stringify(r.value)}`);
  return r.value;
}
