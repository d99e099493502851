// The coordinator thread: services overflows and drains buffers into the consumers.
import { workerData } from 'node:worker_threads';
import { serve } from '../src/run/control-plane.js';
import { AtomicsMem } from '../src/mem/atomics-mem.js';
import { Coordinator } from '../src/backend/coordinator.js';
import { loadDesign } from '../src/designs/load-design.js';
import type { PendingLoss } from '../src/frontend/cpu-core.js';
import type { WorkerData } from '../src/run/shared-state.js';

const { state, design } = workerData as WorkerData;
let coord: Coordinator | undefined;

serve({
  async init(): Promise<void> {
    const d = await loadDesign(design!);
    coord = new Coordinator(state.cfg, new AtomicsMem(new Int32Array(state.ctl)), state.layout, state.bufs, state.cons, d);
    coord.init();
  },
  run: () => coord!.run(),
  finish: (pending: PendingLoss[][]) => coord!.finish(pending),
});
