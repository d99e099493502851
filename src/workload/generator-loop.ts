/** The workload generator thread's loop: a CPU worker's epochs made ahead into its queue. */
import type { MessagePort } from 'node:worker_threads';
import type { SimConfig } from '../model/config.js';
import { G_STOP } from '../mem/layout.js';
import { useGateTable } from './gate-table.js';
import { CpuWorkload } from './cpu-workload.js';
import { attachQueue, GEN_BELL } from './chunk-queue.js';

export interface GeneratorData {
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

/**
 * Fill the queue (chunk-queue.ts states the protocol) of the CPU with the fewest epochs ready
 * first; sleep while every queue is as far ahead as it may be. Returns at the run's stop, or
 * once every CPU's workload is finished.
 */
export function runGenerator(
  { cfg, gates, queue, cpus, ctl, bell }: GeneratorData,
  /** Called with each epoch generated (a test's fault hook may throw there: run/fault-seam.ts). */
  onEpoch?: (cpu: number, epoch: number) => void,
): void {
  const words = new Int32Array(ctl);
  const q = attachQueue(cfg, { sab: queue, cpus });
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
      onEpoch?.(cpus[pick]!, chunk.epoch);
      // With checking on, the sinks may read it too (with its checksum: chunk-queue.ts).
      q.publish(pick, cfg.check);
    } else {
      q.finish(pick);
      done[pick] = true;
      left--;
    }
    Atomics.add(words, bell, 1);
    Atomics.notify(words, bell);
  }
}
