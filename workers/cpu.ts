// A simulated CPU: runs its workload through the write path until done or stopped.
import { workerData } from 'node:worker_threads';
import { serve } from '../src/run/control-plane.js';
import { memFor } from '../src/mem/mem-for.js';
import { CPU_STAT_STARTED, CPU_STAT_STRIDE, CpuCore, type CpuResult } from '../src/frontend/cpu-core.js';
import { newChunk } from '../src/workload/generator.js';
import { workloadFor } from '../src/workload/workload-for.js';
import { useGateTable } from '../src/workload/schedule.js';
import type { WorkerData } from '../src/run/shared-state.js';
import { cpuFault, markFault } from '../src/run/test-hooks.js';

const { state, cpu } = workerData as WorkerData;
if (state.gates) useGateTable(state.cfg, state.gates);
// Test-only (src/run/test-hooks.ts): a CPU that crashes mid-run.
const fault = cpuFault();
const faultAfter = fault && fault.cpu === cpu ? fault.afterBranches : Infinity;

serve({
  run(): CpuResult {
    const cfg = state.cfg;
    new Float64Array(state.stats)[cpu! * CPU_STAT_STRIDE + CPU_STAT_STARTED] = 1;
    const core = new CpuCore(cfg, cpu!, memFor(cfg, state.ctl, cpu!), state.layout, state.bufs, new Float64Array(state.stats), state.clock);
    const workload = workloadFor(cfg, cpu!);
    const chunk = newChunk(cfg);
    while (workload.fill(chunk)) {
      if (!core.execute(chunk)) break;
      if (core.branches >= faultAfter) {
        markFault();
        throw new Error(`injected fault (BTSIM_TEST_FAULT_CPU) after ${core.branches} branches`);
      }
    }
    core.end();
    return { ...core.result(), threadStalls: workload.stalls?.() ?? [] };
  },
});
