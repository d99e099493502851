/**
 * Explore mode's SharedMem: every operation is yielded to the scheduler, which performs it
 * atomically when it decides to run the actor, and resumes the actor with the result.
 * Between two operations an actor runs plain code, alone: that is the interleaving model
 * (JavaScript Atomics are sequentially consistent, so whole operations interleave).
 */
import type { Op, SharedMem, WaitResult } from '../mem/shared-mem.js';

export class SteppedMem implements SharedMem {
  constructor(readonly words: Int32Array) {}

  *load(index: number): Generator<Op, number, unknown> {
    return (yield { op: 'load', index }) as number;
  }

  *store(index: number, value: number): Generator<Op, void, unknown> {
    yield { op: 'store', index, value };
  }

  *cas(index: number, expected: number, value: number): Generator<Op, number, unknown> {
    return (yield { op: 'cas', index, expected, value }) as number;
  }

  *add(index: number, value: number): Generator<Op, number, unknown> {
    return (yield { op: 'add', index, value }) as number;
  }

  *notify(index: number): Generator<Op, void, unknown> {
    yield { op: 'notify', index };
  }

  /**
   * Blocks until a notify on the word. The timeout is ignored: in threads mode timeouts
   * are a fallback that hides lost wake-ups; here a lost wake-up must show as a deadlock.
   */
  *wait(index: number, expected: number, _timeoutMs: number): Generator<Op, WaitResult, unknown> {
    return (yield { op: 'wait', index, expected, timeoutMs: Infinity }) as WaitResult;
  }
}

/** Perform one operation on `words` (single-threaded: plain reads and writes are atomic here). */
export function perform(words: Int32Array, op: Op): number | undefined {
  switch (op.op) {
    case 'load': return words[op.index]!;
    case 'store': words[op.index] = op.value; return undefined;
    case 'cas': {
      const old = words[op.index]!;
      if (old === (op.expected | 0)) words[op.index] = op.value;
      return old;
    }
    case 'add': {
      const old = words[op.index]!;
      words[op.index] = (old + op.value) | 0;
      return old;
    }
    default: throw new Error(`perform: ${op.op} is handled by the scheduler`);
  }
}

/** Run a step to completion, performing its operations at once (set-up before actors start). */
export function runDirect<T>(words: Int32Array, g: Generator<Op | { op: string }, T, unknown>): T {
  let r = g.next();
  while (!r.done) {
    const op = r.value as Op;
    if (op.op === 'wait' || op.op === 'notify' || op.op === 'yield') r = g.next(op.op === 'wait' ? 'not-equal' : undefined);
    else r = g.next(perform(words, op));
  }
  return r.value;
}
