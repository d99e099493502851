// Simulated CPUs: each runs its workload through the write path until done or stopped. One
// CPU per worker, or (modelled clock, cpusPerWorker > 1) several, stepped in turn.
import { workerData } from 'node:worker_threads';
import { serve } from '../src/run/control-plane.js';
import { memFor } from '../src/mem/mem-for.js';
import { CooperativeMem } from '../src/mem/cooperative-mem.js';
import { hostBell } from '../src/mem/layout.js';
import { CpuCore, type CpuResult } from '../src/frontend/cpu-core.js';
import { CPU_STAT_STARTED, CPU_STAT_STRIDE } from '../src/mem/layout.js';
import { runCpuGroup, type GroupCpu } from '../src/frontend/cpu-group.js';
import { newChunk } from '../src/workload/generator.js';
import { workloadFor } from '../src/workload/workload-for.js';
import { useGateTable } from '../src/workload/schedule.js';
import type { WorkerData } from '../src/run/shared-state.js';
import { cpuFault, markFault } from '../src/run/test-hooks.js';

const { state, cpus } = workerData as WorkerData;
if (state.gates) useGateTable(state.cfg, state.gates);
// Test-only (src/run/test-hooks.ts): a CPU that crashes mid-run.
const fault = cpuFault();

serve({
  run(): CpuResult[] {
    const cfg = state.cfg;
    const stats = new Float64Array(state.stats);
    for (const c of cpus!) stats[c * CPU_STAT_STRIDE + CPU_STAT_STARTED] = 1;
    const shared = cpus!.length > 1;
    const mem = shared ? new CooperativeMem(new Int32Array(state.ctl)) : undefined;
    const group = cpus!.map((c) => {
      const core = new CpuCore(cfg, c, mem ?? memFor(cfg, state.ctl, c), state.layout, state.bufs, stats, state.clock);
      const workload = workloadFor(cfg, c);
      const afterEpoch = (): void => {
        if (fault?.cpu === c && core.branches >= fault.afterBranches) {
          markFault();
          throw new Error(`injected fault (BTSIM_TEST_FAULT_CPU) after ${core.branches} branches`);
        }
      };
      const g: GroupCpu & { workload: typeof workload } = { core, fill: (ch) => workload.fill(ch), chunk: newChunk(cfg), afterEpoch, workload };
      return g;
    });
    if (shared) {
      runCpuGroup(group, new Int32Array(state.ctl), hostBell(cpus![0]!, cfg.cpusPerWorker));
    } else {
      const g = group[0]!;
      while (g.fill(g.chunk)) {
        if (!g.core.execute(g.chunk)) break;
        g.afterEpoch!();
      }
      g.core.end();
    }
    return group.map((g) => ({ ...g.core.result(), threadStalls: g.workload.stalls?.() ?? [] }));
  },
});
