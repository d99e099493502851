/**
 * The CPU worker: each simulated CPU it holds runs its workload through the write path until
 * done or stopped. One CPU per worker, or (modelled clock, cpusPerWorker > 1) several, stepped
 * in turn.
 */
import { workerData } from 'node:worker_threads';
import { serve } from '../src/run/control-plane.js';
import { memFor } from '../src/mem/mem-for.js';
import { CooperativeMem } from '../src/mem/cooperative-mem.js';
import { hostBell } from '../src/mem/layout.js';
import { CpuCore } from '../src/frontend/cpu-core.js';
import type { CpuResult } from '../src/frontend/cpu-result.js';
import { CPU_STAT_STARTED, CPU_STAT_STRIDE } from '../src/mem/layout.js';
import { runCpuGroup, type GroupCpu } from '../src/frontend/cpu-group.js';
import { newChunk } from '../src/workload/generator.js';
import { workloadFor } from '../src/workload/workload-for.js';
import { useGateTable } from '../src/workload/gate-table.js';
import type { WorkerData } from '../src/run/shared-state.js';
import { faultHooks } from '../src/run/fault-seam.js';

const { state, cpus } = workerData as WorkerData;
if (state.gates) useGateTable(state.cfg, state.gates);
// A test may crash a CPU mid-run (src/run/fault-seam.ts).
const hooks = faultHooks();
const onEpoch = hooks?.afterCpuEpoch?.bind(hooks);

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
      const afterEpoch = onEpoch && ((): void => onEpoch(c, core.branches));
      const g: GroupCpu & { workload: typeof workload } = { core, fill: (ch) => workload.fill(ch), chunk: newChunk(cfg), afterEpoch, workload };
      return g;
    });
    if (shared) {
      runCpuGroup(group, new Int32Array(state.ctl), hostBell(cpus![0]!, cfg.cpusPerWorker));
    } else {
      const g = group[0]!;
      while (g.fill(g.chunk)) {
        if (!g.core.execute(g.chunk)) break;
        g.afterEpoch?.();
      }
      g.core.end();
    }
    return group.map((g) => ({ ...g.core.result(), threadStalls: g.workload.stalls?.() ?? [] }));
  },
});
