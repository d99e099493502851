/**
 * The coordinator worker: services overflows and drains buffers into the consumers, with a
 * piscina pool of copier workers as its work queue.
 */
import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { serve } from '../src/run/control-plane.js';
import { memFor } from '../src/mem/mem-for.js';
import { Coordinator } from '../src/backend/coordinator.js';
import type { Copier } from '../src/backend/copies.js';
import { loadDesign } from '../src/designs/load-design.js';
import type { WorkerData } from '../src/run/shared-state.js';
import type { PendingLoss } from '../src/model/hw-record.js';
import type { CopyDone, CopyTask } from './copier.js';
import type { SwapDesign } from '../src/designs/design.js';
import { guardDesign } from '../src/designs/design-guard.js';
import { COORD_STAT_DESIGN_CPU, COORD_STAT_IN_DESIGN, coordStat } from '../src/mem/layout.js';
import { faultHooks } from '../src/run/fault-seam.js';

const { state, design } = workerData as WorkerData;
let coord: Coordinator | undefined;
let pool: Piscina | undefined;

/**
 * The copier pool, started at the first copy: most designs never copy (they swap buffers),
 * and a thread that loads its modules for nothing slows every run's start.
 */
function copierPool(): Copier {
  const slotWords = state.layout.slotWords;
  return async (from, to, count, recordWords) => {
    pool ??= new Piscina({
      filename: new URL('./copier.js', import.meta.url).href,
      minThreads: 1,
      // Under the modelled clock the kworkers are modelled (model-loop.ts): a few host threads do the copies.
      maxThreads: state.cfg.clock === 'model' ? Math.min(4, state.cfg.copiers) : state.cfg.copiers,
      idleTimeout: 60_000,
    });
    const task: CopyTask = { bufs: state.bufs, slotWords, from, to, count, recordWords };
    return (await pool.run(task)) as CopyDone;
  };
}

/**
 * The design, guarded (design-guard.ts); while its code runs a stats word says so, so the
 * watchdog can name a design that never returns. The flag is set around each step only:
 * deferred work waiting for a copier is not "in the design".
 */
function guarded(d: SwapDesign): SwapDesign {
  const stats = new Float64Array(state.stats);
  const inWord = coordStat(state.cfg.cpus, COORD_STAT_IN_DESIGN);
  const cpuWord = coordStat(state.cfg.cpus, COORD_STAT_DESIGN_CPU);
  return guardDesign(d, {
    enter(place, cpu) {
      stats[inWord] = place;
      stats[cpuWord] = cpu;
    },
    leave() {
      stats[inWord] = 0;
    },
  });
}

serve({
  async init(): Promise<void> {
    const d = guarded(await loadDesign(design!));
    coord = new Coordinator(
      state.cfg, memFor(state.cfg, state.ctl, state.cfg.cpus), state.layout, state.bufs, state.cons, state.stats, d, copierPool(),
      { clock: state.clock },
    );
    coord.init();
  },
  run: () => {
    // A test may crash the coordinator thread itself (src/run/fault-seam.ts).
    faultHooks()?.coordinatorRunning?.();
    return coord!.run();
  },
  async finish(pending: PendingLoss[][]) {
    try {
      return await coord!.finish(pending);
    } finally {
      await pool?.destroy();
    }
  },
});
