/**
 * The explorer's scenario defaults and consumers.
 *
 * Small enough that one execution is a few thousand operations, busy enough that every part
 * of the protocol runs many times (tiny buffers, one spare for two CPUs, publishes every few
 * records, migrations, per-thread flushes).
 */
import type { ConfigInput } from '../model/config-schema.js';

export const EXPLORE_DEFAULTS: ConfigInput = {
  cpus: 2,
  branches: 240,
  bufferRecords: 16,
  thresholdRecords: 10,
  skidRecords: 1,
  batchRecords: 4,
  spares: 2,
  workload: {
    threads: 3,
    timesliceBranches: 80,
    syscallRate: 60,
    exceptionRate: 10,
    interruptRate: 20,
    kernelPathMean: 3,
    irqsOffRate: 0.1,
    irqsOffBranches: 2,
    migrationRate: 0.5,
  },
};

/** Consumers for an explore scenario: one of each kind, small. */
export function exploreConsumers(cpus: number, threads: number): ConfigInput['consumers'] {
  const list: NonNullable<ConfigInput['consumers']> = [];
  const tid = (i: number) => 1 + ((i - 1) % threads);
  for (let c = 0; c < cpus; c++) list.push({ kind: 'cpu-all', target: c, mode: 'continuous', size: 8 });
  list.push({ kind: 'cpu-kernel', target: cpus - 1, mode: 'ring', size: 12 });
  list.push({ kind: 'thread-user', target: tid(1), mode: 'continuous', size: 8 });
  list.push({ kind: 'thread-all', target: tid(2), mode: 'ring', size: 16 });
  list.push({ kind: 'thread-kernel', target: tid(3), mode: 'continuous', size: 8 });
  return list;
}
