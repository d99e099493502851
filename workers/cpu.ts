/**
 * The CPU worker: each simulated CPU it holds runs its workload through the write path until
 * done or stopped. One CPU per worker, or (modelled clock, cpusPerWorker > 1) several, stepped
 * in turn. Under the modelled clock, for a synthetic workload of more than two epochs and at
 * most two CPU workers (usesGenerator), a generator thread of its own makes their epochs ahead
 * (workers/generator.ts, src/workload/chunk-queue.ts).
 */
import { Worker, receiveMessageOnPort, workerData, MessageChannel } from 'node:worker_threads';
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
import { Schedule } from '../src/workload/schedule.js';
import { attachQueue, type ChunkQueue } from '../src/workload/chunk-queue.js';
import type { ThreadStall } from '../src/workload/thread-gates.js';
import type { EventChunk } from '../src/workload/events.js';
import type { WorkerData } from '../src/run/shared-state.js';
import { faultHooks } from '../src/run/fault-seam.js';

const { state, cpus } = workerData as WorkerData;
if (state.gates) useGateTable(state.cfg, state.gates);
// A test may crash a CPU mid-run (src/run/fault-seam.ts).
const hooks = faultHooks();
const onEpoch = hooks?.afterCpuEpoch?.bind(hooks);

/** A CPU of this worker, and the gated threads' stalls it saw. */
type WorkerCpu = GroupCpu & { stalls: () => ThreadStall[] };

/** The generator thread and its queue, under the modelled clock with a synthetic workload. */
function startGenerator(bell: number): { queue: ChunkQueue; failure: () => string; stop: () => void } | null {
  const cfg = state.cfg;
  const mine = state.queues?.find((q) => q.cpus[0] === cpus![0]);
  if (!mine) return null;
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./generator.js', import.meta.url), {
    workerData: { cfg, gates: state.gates, queue: mine.sab, cpus, ctl: state.ctl, bell, port: port2 },
    transferList: [port2],
  });
  worker.unref();
  return {
    queue: attachQueue(cfg, mine),
    failure: () => (receiveMessageOnPort(port1)?.message as string | undefined) ?? 'the workload generator failed',
    stop: () => void worker.terminate(),
  };
}

serve({
  run(): CpuResult[] {
    const cfg = state.cfg;
    const stats = new Float64Array(state.stats);
    const ctl = new Int32Array(state.ctl);
    const bell = hostBell(cpus![0]!, cfg.cpusPerWorker);
    let gen: ReturnType<typeof startGenerator> = null;
    try {
      gen = startGenerator(bell);
      const fed = gen;
      // Start-up is not a hang (the watchdog): a CPU the generator feeds has started once its
      // first epoch is there; the others now.
      const started = (c: number): void => { stats[c * CPU_STAT_STRIDE + CPU_STAT_STARTED] = 1; };
      if (!fed) cpus!.forEach(started);
      // CPUs sharing the thread hand their waits to the driver (cooperative-mem.ts); a CPU alone
      // blocks in them itself, and the driver only waits with it for its next epoch.
      const mem = cpus!.length > 1 ? new CooperativeMem(ctl) : undefined;
      const group = cpus!.map((c, k): WorkerCpu => {
        const core = new CpuCore(cfg, c, mem ?? memFor(cfg, state.ctl, c), state.layout, state.bufs, stats, state.clock);
        const afterEpoch = onEpoch && ((): void => onEpoch(c, core.branches));
        if (fed) {
          // Epochs from the generator thread; a schedule of its own follows them for the
          // gated threads' stalls (as far as this CPU got).
          const schedule = new Schedule(cfg);
          return {
            core, afterEpoch,
            next: () => {
              const ch = fed.queue.next(k);
              if (ch === null && fed.queue.failed()) throw new Error(fed.failure());
              if (ch !== null && ch !== 'end') {
                if (ch.epoch === 0) started(c);
                schedule.seek(ch.epoch);
              }
              return ch;
            },
            release: () => fed.queue.release(k),
            stalls: () => schedule.stalls(),
          };
        }
        const workload = workloadFor(cfg, c);
        const chunk = newChunk(cfg);
        let pending: EventChunk | 'end' | null = null;
        return {
          core, afterEpoch,
          next: () => (pending ??= workload.fill(chunk) ? chunk : 'end'),
          release: () => { pending = null; },
          stalls: () => workload.stalls?.() ?? [],
        };
      });
      runCpuGroup(group, ctl, bell);
      return group.map((g) => ({ ...g.core.result(), threadStalls: g.stalls() }));
    } finally {
      gen?.stop();
    }
  },
});
