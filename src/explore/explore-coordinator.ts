/**
 * The coordinator as actors of the explorer. Its service loop, its work queue (a kworker)
 * and, under the modelled clock, its model loop are each an actor whose shared-memory
 * operations the explorer interleaves with the CPUs'.
 *
 * The core (src/backend/coordinator.ts) exposes the steps; this class adds the actor forms and
 * the explorer's pacing: a drain yields between chunks, so other actors may run in between
 * (and overwrite a buffer that was given back too early). G_CPUS_DONE and G_KWORK_BELL are
 * explore-only words (src/mem/layout.ts).
 */
import type { SimConfig } from '../model/config.js';
import { G_CPUS_DONE, G_DOORBELL, G_KWORK_BELL, type Layout } from '../mem/layout.js';
import type { Op, SharedMem } from '../mem/shared-mem.js';
import type { CopyOp, Step, SwapDesign } from '../designs/design.js';
import { Coordinator, type CoordinatorOptions } from '../backend/coordinator.js';
import type { Pacing } from '../backend/pacing.js';
import { modelLoopActor } from './model-actor.js';

/** Every step may be interleaved: a drain yields before each chunk, deferred work runs on the kworker actor. */
function steppedPacing(cfg: SimConfig): Pacing {
  return {
    deferredInline: false,
    *drain(from, count, drainTo) {
      // A copy takes time, so other actors may run between its chunks.
      const chunk = Math.max(1, cfg.batchRecords);
      for (let at = from; at < count; at = Math.min(count, at + chunk)) {
        yield { op: 'yield', index: -1 };
        drainTo(Math.min(count, at + chunk));
      }
    },
    *beforeSplay() {
      yield { op: 'yield', index: -1 };
    },
  };
}

/** Deferred work always runs on the kworker actor here; steps meet the other actors at each operation. */
export type ExploreCoordinatorOptions = Omit<CoordinatorOptions, 'pacing'>;

export class ExploreCoordinator extends Coordinator {
  private coordinatorDone = false;

  constructor(
    cfg: SimConfig, mem: SharedMem, layout: Layout, bufs: SharedArrayBuffer, cons: SharedArrayBuffer, stats: SharedArrayBuffer,
    design: SwapDesign, copier: null, opts: ExploreCoordinatorOptions = {},
  ) {
    super(cfg, mem, layout, bufs, cons, stats, design, copier, { ...opts, pacing: steppedPacing(cfg) });
  }

  /** Under the modelled clock: the model loop as an actor. */
  modelActor(): Step {
    return modelLoopActor(this.model!, this.mem);
  }

  /**
   * The coordinator as an actor. Services interrupts and flushes until every CPU actor is
   * done and nothing is left to service; sleeps on the doorbell in between.
   */
  *actor(): Step {
    const mem = this.mem;
    for (;;) {
      const bell = yield* mem.load(G_DOORBELL);
      let n = 0;
      for (let c = 0; c < this.cfg.cpus; c++) n += yield* this.serviceCpu(c);
      if (this.deferred.pending()) {
        yield* mem.add(G_KWORK_BELL, 1);
        yield* mem.notify(G_KWORK_BELL);
      }
      if (n > 0) continue;
      if ((yield* mem.load(G_CPUS_DONE)) >= this.cfg.cpus) {
        // Every CPU finished; a flush cannot be outstanding (the CPU would still wait).
        this.coordinatorDone = true;
        yield* mem.add(G_KWORK_BELL, 1);
        yield* mem.notify(G_KWORK_BELL);
        return;
      }
      yield* mem.wait(G_DOORBELL, bell, Infinity);
    }
  }

  /**
   * The work queue as an actor (a kworker), running deferred work in order (FIFO per CPU)
   * concurrently with the coordinator. Copies are done here, synchronously.
   */
  *kworker(): Step {
    const mem = this.mem;
    for (;;) {
      const bell = yield* mem.load(G_KWORK_BELL);
      const q = this.deferred.items.find((x) => x.length > 0);
      if (!q) {
        if (this.coordinatorDone) return;
        yield* mem.wait(G_KWORK_BELL, bell, Infinity);
        continue;
      }
      const item = q[0]!;
      let resume: unknown = undefined;
      for (;;) {
        const r = item.gen.next(resume);
        if (r.done) break;
        const op = r.value as CopyOp | Op;
        if (op.op === 'copy') {
          resume = this.copies.toStaging(op as CopyOp);
        } else {
          resume = yield op as Op;
        }
      }
      this.drains.check();
      q.shift();
      // A flush may be waiting for this CPU's queue to empty.
      yield* mem.add(G_DOORBELL, 1);
      yield* mem.notify(G_DOORBELL);
    }
  }
}
