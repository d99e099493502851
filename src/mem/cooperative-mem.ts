/**
 * SharedMem for several CPUs stepped on one thread (modelled clock, cpusPerWorker > 1).
 *
 * Every operation is the Atomics operation, as in AtomicsMem, except a wait, which is handed
 * to the thread's driver (frontend/cpu-group.ts) instead of blocking the thread, so its other
 * CPUs run on meanwhile; and a pause at each SAFE publish, where the driver may switch to the
 * CPU whose clock is least (which keeps the coordinator's horizon moving).
 */
import { AtomicsMem } from './atomics-mem.js';
import type { Op, WaitResult } from './shared-mem.js';

export class CooperativeMem extends AtomicsMem {
  override *wait(index: number, expected: number, timeoutMs: number): Generator<Op, WaitResult, unknown> {
    if (Atomics.load(this.words, index) !== expected) return 'not-equal';
    return (yield { op: 'wait', index, expected, timeoutMs }) as WaitResult;
  }

  *pause(): Generator<Op, void, unknown> {
    yield { op: 'yield', index: -1 };
  }
}
