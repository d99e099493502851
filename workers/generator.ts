/**
 * A CPU worker's workload generator thread: it makes its CPUs' next epochs ahead of them.
 *
 * The loop is src/workload/generator-loop.ts, loaded here inside the try, so that whatever
 * fails (loading it included) is reported to the CPU worker: GEN_FAILED in the queue, the
 * message on the port, and the worker's bell rung (src/workload/chunk-queue.ts). Only a thread
 * killed outright (out of memory) says nothing; the run's watchdog then sees the generator
 * make no progress.
 */
import { workerData } from 'node:worker_threads';
import type { GeneratorData } from '../src/workload/generator-loop.js';

const data = workerData as GeneratorData;
try {
  const { runGenerator } = await import('../src/workload/generator-loop.js');
  const { faultHooks } = await import('../src/run/fault-seam.js');
  // A test may make the generator fail (src/run/fault-seam.ts).
  const hooks = faultHooks();
  runGenerator(data, hooks?.generatorEpoch?.bind(hooks));
} catch (e) {
  data.port.postMessage(`workload generator: ${e instanceof Error ? e.message : String(e)}`);
  // GEN_FAILED is word 1 of the queue (chunk-queue.ts), read by the CPU worker after its bell.
  Atomics.store(new Int32Array(data.queue, 0, 2), 1, 1);
  const ctl = new Int32Array(data.ctl);
  Atomics.add(ctl, data.bell, 1);
  Atomics.notify(ctl, data.bell);
}
