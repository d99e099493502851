/**
 * How the coordinator's steps meet the other actors. In threads mode (the default here) a
 * drain is one step and deferred work runs on the coordinator between interrupts; the
 * explorer, which interleaves every actor operation by operation, supplies its own pacing
 * (src/explore/explore-coordinator.ts).
 */
import type { Step } from '../designs/design.js';

export interface Pacing {
  /**
   * Deferred work runs on the coordinator between interrupts. False: an actor of its own runs
   * it, and the model loop's notifies are performed as operations of the loop's actor.
   */
  readonly deferredInline: boolean;
  /** Host clock: splay records [from, count) of a buffer; `drainTo(n)` splays up to record n. */
  drain(from: number, count: number, drainTo: (n: number) => void): Step;
  /** Host clock: before a circular buffer is splayed. */
  beforeSplay(): Step;
}

/** Threads mode: nothing runs between the parts of a drain, so it is done at once. */
export const threadsPacing: Pacing = {
  deferredInline: true,
  *drain(_from, count, drainTo) {
    drainTo(count);
  },
  *beforeSplay() {},
};
