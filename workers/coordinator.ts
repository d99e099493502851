// The coordinator thread: services overflows and drains buffers into the consumers, with
// a piscina pool of copier workers as its work queue.
import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { serve } from '../src/run/control-plane.js';
import { AtomicsMem } from '../src/mem/atomics-mem.js';
import { HW_SLOT_BYTES } from '../src/mem/layout.js';
import { Coordinator, type Copier } from '../src/backend/coordinator.js';
import { loadDesign } from '../src/designs/load-design.js';
import type { PendingLoss } from '../src/frontend/cpu-core.js';
import type { WorkerData } from '../src/run/shared-state.js';
import type { CopyTask } from './copier.js';

const { state, design } = workerData as WorkerData;
let coord: Coordinator | undefined;
let pool: Piscina | undefined;

function copierPool(): Copier {
  pool = new Piscina({
    filename: new URL('./copier.js', import.meta.url).href,
    minThreads: 1,
    maxThreads: state.cfg.copiers,
    idleTimeout: 60_000,
  });
  const slotWords = (state.cfg.bufferRecords * HW_SLOT_BYTES) / 4;
  return async (from, to, count, recordWords) => {
    const task: CopyTask = { bufs: state.bufs, slotWords, from, to, count, recordWords };
    await pool!.run(task);
  };
}

serve({
  async init(): Promise<void> {
    const d = await loadDesign(design!);
    coord = new Coordinator(
      state.cfg, new AtomicsMem(new Int32Array(state.ctl)), state.layout, state.bufs, state.cons, state.stats, d, copierPool(),
    );
    coord.init();
  },
  run: () => coord!.run(),
  async finish(pending: PendingLoss[][]) {
    try {
      return await coord!.finish(pending);
    } finally {
      await pool?.destroy();
    }
  },
});
