// A simulated CPU: runs its workload through the write path until done or stopped.
import { workerData } from 'node:worker_threads';
import { serve } from '../src/run/control-plane.js';
import { AtomicsMem } from '../src/mem/atomics-mem.js';
import { CpuCore, type CpuResult } from '../src/frontend/cpu-core.js';
import { CpuWorkload, newChunk } from '../src/workload/generator.js';
import type { WorkerData } from '../src/run/shared-state.js';

const { state, cpu } = workerData as WorkerData;

serve({
  run(): CpuResult {
    const cfg = state.cfg;
    const core = new CpuCore(cfg, cpu!, new AtomicsMem(new Int32Array(state.ctl)), state.layout, state.bufs, new Float64Array(state.stats));
    const workload = new CpuWorkload(cfg, cpu!);
    const chunk = newChunk(cfg);
    while (workload.fill(chunk)) {
      if (!core.execute(chunk)) break;
    }
    return core.result();
  },
});
