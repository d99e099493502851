/**
 * The host clock's deferred work (ctx.defer). One queue per CPU, run in order, each item a
 * step that may wait for a copier.
 *
 * A CPU's buffers are drained in the order they were filled, so its items run strictly one
 * after the other; an item waiting for a copier blocks only its own CPU's queue. (Under the
 * modelled clock the model loop's work queue runs deferred work instead: model/work-queue.ts.)
 */
import { G_DOORBELL } from '../mem/layout.js';
import { runSync, type SharedMem } from '../mem/shared-mem.js';
import type { CopyOp, Step } from '../designs/design.js';
import type { Copies } from './copies.js';
import type { Drains } from './drains.js';

export interface Deferred {
  gen: Step<unknown>;
  /** Value to resume the generator with. */
  resume: unknown;
  /** A copy is in flight: the CPU's queue waits for it. */
  waiting: boolean;
}

export class DeferredQueue {
  /** Per CPU, its items in order; the first is the one running. */
  readonly items: Deferred[][];

  constructor(
    cpus: number,
    private readonly mem: SharedMem,
    private readonly copies: Copies,
    private readonly drains: Drains,
    /** A copy failed on the host: the service loop stops with it. */
    private readonly failed: (e: unknown) => void,
  ) {
    this.items = Array.from({ length: cpus }, () => []);
  }

  push(cpu: number, work: () => Step): void {
    this.items[cpu]!.push({ gen: work(), resume: undefined, waiting: false });
  }

  /** Some CPU has deferred work left. */
  pending(): boolean {
    return this.items.some((q) => q.length > 0);
  }

  /** `cpu` has deferred work left. */
  has(cpu: number): boolean {
    return this.items[cpu]!.length > 0;
  }

  /** Step a CPU's deferred work until it is empty or waits for a copier. True if anything ran. */
  run(cpu: number): boolean {
    const q = this.items[cpu]!;
    let ran = false;
    while (q.length > 0 && !q[0]!.waiting) {
      const item = q[0]!;
      const r = item.gen.next(item.resume);
      ran = true;
      if (r.done) {
        this.drains.check();
        q.shift();
        continue;
      }
      const op = r.value as CopyOp;
      if (op.op !== 'copy') throw new Error(`internal: deferred work yielded ${op.op} in threads mode`);
      this.startCopy(item, op);
    }
    return ran;
  }

  private startCopy(item: Deferred, op: CopyOp): void {
    item.waiting = true;
    // The copy's completion rings the doorbell: the service loop resumes the item.
    this.copies.start(op, (staging) => {
      item.resume = staging;
      item.waiting = false;
      runSync(this.mem.add(G_DOORBELL, 1));
      runSync(this.mem.notify(G_DOORBELL));
    }, this.failed);
  }
}
