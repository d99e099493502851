// The generator thread's queue (src/workload/chunk-queue.ts): epochs come out in order, whole
// (every array and every scalar field), the generator never gets a slot the CPU worker still
// reads, and the end is seen after the last epoch.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../dist/src/model/resolve-config.js';
import { CpuWorkload } from '../dist/src/workload/cpu-workload.js';
import { EventChunk } from '../dist/src/workload/events.js';
import { ChunkQueue, chunkQueueBytes, slotsPerCpu } from '../dist/src/workload/chunk-queue.js';

const cap = 1_000;

function fields(ch: EventChunk): unknown[] {
  return [ch.length, ch.tid, ch.start, ch.epoch, ch.migratedAfter, ch.ownedEnd, ch.gateRecords, ch.gateBlock, ch.gatePc, ch.gatePcHi, ch.gateKind,
    [...ch.rec.subarray(0, ch.length * 6)], [...ch.type.subarray(0, ch.length)], [...ch.kindOrTid.subarray(0, ch.length)],
    [...ch.switchCr3.subarray(0, ch.length)], [...ch.switchPendingKind.subarray(0, ch.length)]];
}

describe('chunk queue', () => {
  // 2 CPUs to a worker: 8 slots each; 33: one slot each.
  it.each([2, 33])('hands each CPU its epochs in order and whole, then the end; a full queue gives the generator nothing (%i CPUs)', (cpus) => {
    const cfg = resolveConfig({ cpus, branches: 9_000, workload: { threads: cpus + 1, timesliceBranches: cap, migrationRate: 0.5 } });
    const sab = new SharedArrayBuffer(chunkQueueBytes(cpus, cap));
    const gen = new ChunkQueue(sab, cpus, cap);
    const cpu = new ChunkQueue(sab, cpus, cap);
    const depth = slotsPerCpu(cpus);
    expect(depth).toBe(cpus === 2 ? 8 : 1);
    for (const c of new Set([0, 1, cpus - 1])) {
      const expected: unknown[][] = [];
      const own = new EventChunk(cap);
      const mine = new CpuWorkload(cfg, c);
      while (mine.fill(own)) expected.push(fields(own));
      const work = new CpuWorkload(cfg, c);
      const got: unknown[][] = [];
      let ended = false;
      expect(cpu.next(c)).toBe(null);
      while (!ended) {
        // Fill until the queue is full (or the workload ends).
        for (let slot = gen.toFill(c); slot; slot = gen.toFill(c)) {
          if (work.fill(slot)) gen.publish(c);
          else {
            gen.finish(c);
            break;
          }
        }
        expect(gen.ahead(c)).toBeLessThanOrEqual(depth);
        // Take one epoch (or see the end).
        const ch = cpu.next(c);
        if (ch === 'end') ended = true;
        else {
          expect(ch).not.toBe(null);
          got.push(fields(ch as EventChunk));
          cpu.release(c);
        }
      }
      expect(got).toEqual(expected);
      expect(got.length).toBe(9);
    }
  });
});
