/** The explore worker: explore-mode stress on its own thread (src/explore/isolated.ts watches it). */
import { parentPort, workerData } from 'node:worker_threads';
import { replay, stress } from '../src/explore/stress.js';
import { setExploreHeartbeat } from '../src/explore/explorer.js';
import { loadDesign } from '../src/designs/load-design.js';
import { decodeReplay } from '../src/explore/replay.js';
import type { IsolatedJob, IsolatedMessage } from '../src/explore/isolated.js';
import { toWire } from '../src/run/error-transport.js';

const { job, heartbeat } = workerData as { job: IsolatedJob; heartbeat: Int32Array };
const post = (m: IsolatedMessage): void => parentPort!.postMessage(m);
const ac = new AbortController();
parentPort!.on('message', (m: { type: string }) => {
  if (m.type === 'abort') ac.abort();
});
setExploreHeartbeat(heartbeat);

async function main(): Promise<void> {
  const designSpec = job.kind === 'stress' ? job.opts.design : decodeReplay(job.replay).design;
  post({ type: 'loaded', name: (await loadDesign(designSpec)).name });
  const result = job.kind === 'stress'
    ? await stress({ ...job.opts, onProgress: (done, total) => post({ type: 'progress', done, total }), signal: ac.signal })
    : await replay(job.replay, { keepTrace: job.keepTrace });
  post({ type: 'result', result });
}

main().then(() => parentPort!.close(), (e: unknown) => {
  post({ type: 'error', error: toWire(e) });
});
