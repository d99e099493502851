/**
 * A CPU worker's workload generator thread: it makes its CPUs' next epochs ahead of them.
 *
 * It fills the queue (src/workload/chunk-queue.ts states the protocol) of the CPU with the
 * fewest epochs ready first, and sleeps while every queue is full. It stops at the run's stop,
 * and at the end of every CPU's workload.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { SimConfig } from '../src/model/config.js';
import { G_STOP } from '../src/mem/layout.js';
import { useGateTable } from '../src/workload/gate-table.js';
import { CpuWorkload } from '../src/workload/cpu-workload.js';
import { ChunkQueue, GEN_BELL, GEN_FAILED } from '../src/workload/chunk-queue.js';
import { faultHooks } from '../src/run/fault-seam.js';

interface GeneratorData {
  cfg: SimConfig;
  gates?: Float64Array;
  queue: SharedArrayBuffer;
  cpus: number[];
  ctl: SharedArrayBuffer;
  /** The CPU worker's bell in ctl (HOST_BELL): rung with each epoch published. */
  bell: number;
  /** Where a failure's message goes (the CPU worker reads it when it sees GEN_FAILED). */
  port: MessagePort;
}

const { cfg, gates, queue, cpus, ctl, bell, port } = workerData as GeneratorData;
// A test may make the generator fail (src/run/fault-seam.ts).
const hooks = faultHooks();
const words = new Int32Array(ctl);
const q = new ChunkQueue(queue, cpus.length, cfg.workload.timesliceBranches);

function ring(): void {
  Atomics.add(words, bell, 1);
  Atomics.notify(words, bell);
}

try {
  if (gates) useGateTable(cfg, gates);
  const workloads = cpus.map((c) => new CpuWorkload(cfg, c));
  const done = cpus.map(() => false);
  let left = cpus.length;
  while (left > 0 && Atomics.load(words, G_STOP) === 0) {
    const seen = Atomics.load(q.words, GEN_BELL);
    let pick = -1;
    let least = q.aheadMax;
    for (let k = 0; k < cpus.length; k++) {
      if (done[k]) continue;
      const a = q.ahead(k);
      if (a < least) {
        least = a;
        pick = k;
      }
    }
    if (pick < 0) {
      // Every queue full: sleep until the CPU worker frees a slot (or 50 ms, to see a stop).
      Atomics.wait(q.words, GEN_BELL, seen, 50);
      continue;
    }
    const chunk = q.toFill(pick);
    if (!chunk) continue;
    if (workloads[pick]!.fill(chunk)) {
      hooks?.generatorEpoch?.(cpus[pick]!, chunk.epoch);
      // With checking on, the sinks may read it too (with its checksum: chunk-queue.ts).
      q.publish(pick, cfg.check);
    } else {
      q.finish(pick);
      done[pick] = true;
      left--;
    }
    ring();
  }
} catch (e) {
  port.postMessage(e instanceof Error ? `workload generator: ${e.message}` : `workload generator: ${String(e)}`);
  Atomics.store(q.words, GEN_FAILED, 1);
  ring();
}
