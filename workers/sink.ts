/** The sink worker, the consumers' side: checks and dumps what the consumers receive. */
import { workerData } from 'node:worker_threads';
import { serve } from '../src/run/control-plane.js';
import { memFor } from '../src/mem/mem-for.js';
import { Sink, type RingFinal } from '../src/consumers/sink.js';
import type { WorkerData } from '../src/run/shared-state.js';
import { useGateTable } from '../src/workload/gate-table.js';

const { state, dumpDir, sinkConsumers } = workerData as WorkerData;
if (state.gates) useGateTable(state.cfg, state.gates);
const sink = new Sink(state.cfg, memFor(state.cfg, state.ctl, state.cfg.cpus + 1), state.layout, state.cons, dumpDir, sinkConsumers, state.queues);

serve({
  run: () => sink.run(),
  finish: (rings: (RingFinal | null)[]) => sink.finish(rings),
  closeDump: (rings: (RingFinal | null)[]) => sink.closeDump(rings),
});
