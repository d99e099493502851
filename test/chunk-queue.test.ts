// The generator thread's queue (src/workload/chunk-queue.ts): epochs come out in order, whole
// (every array and every scalar field), the generator never gets a slot the CPU worker still
// reads, and the end is seen after the last epoch.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../dist/src/model/resolve-config.js';
import { CpuWorkload } from '../dist/src/workload/cpu-workload.js';
import { EventChunk } from '../dist/src/workload/events.js';
import { ChunkQueue, aheadPerCpu, chunkQueueBytes, slotsPerCpu } from '../dist/src/workload/chunk-queue.js';

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
    const sab = new SharedArrayBuffer(chunkQueueBytes(cpus, cap, true));
    const gen = new ChunkQueue(sab, cpus, cap, true);
    const cpu = new ChunkQueue(sab, cpus, cap, true);
    const ahead = aheadPerCpu(cpus);
    expect([slotsPerCpu(cpus), ahead]).toEqual(cpus === 2 ? [16, 4] : [1, 1]);
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
          if (work.fill(slot)) gen.publish(c, true);
          else {
            gen.finish(c);
            break;
          }
        }
        expect(gen.ahead(c)).toBeLessThanOrEqual(ahead);
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

  it("a sink reads back the epochs a slot still holds, and nothing else: not one being written, not one written to after it was published", () => {
    const cpus = 2;
    const cfg = resolveConfig({ cpus, branches: 20_000, workload: { threads: 3, timesliceBranches: cap } });
    const sab = new SharedArrayBuffer(chunkQueueBytes(cpus, cap, true));
    const gen = new ChunkQueue(sab, cpus, cap, true);
    const cpu = new ChunkQueue(sab, cpus, cap, true);
    const sink = new ChunkQueue(sab, cpus, cap, true);
    const work = new CpuWorkload(cfg, 1);
    const own = new CpuWorkload(cfg, 1);
    const expected: unknown[][] = [];
    const mine = new EventChunk(cap);
    while (own.fill(mine)) expected.push(fields(mine));
    // The CPU worker runs epochs 0-9 of CPU 1 through the queue.
    for (let e = 0; e < 10; e++) {
      const slot = gen.toFill(1)!;
      expect(work.fill(slot)).toBe(true);
      gen.publish(1, true);
      expect((cpu.next(1) as EventChunk).epoch).toBe(e);
      cpu.release(1);
    }
    const read = (e: number): { ok: boolean; seen: unknown[] | null; undone: boolean } => {
      let seen: unknown[] | null = null;
      let undone = false;
      const ok = sink.read(1, e, (ch) => { seen = fields(ch); }, () => { undone = true; });
      return { ok, seen, undone };
    };
    // 16 slots: all ten are still there, each exactly as generated.
    for (let e = 0; e < 10; e++) expect(read(e)).toEqual({ ok: true, seen: expected[e], undone: false });
    // Never generated, or another CPU's: not there.
    expect(read(12).ok).toBe(false);
    expect(sink.read(0, 3, () => {}, () => {})).toBe(false);
    // Being written: not read.
    gen.toFill(1);
    expect(read(10).ok).toBe(false);
    // A published epoch someone wrote to afterwards (the CPU worker must never): the read is
    // taken back, and the sink generates it itself.
    const s3 = new ChunkQueue(sab, cpus, cap, true);
    let slot3: EventChunk | null = null;
    s3.read(1, 3, (ch) => { slot3 = ch; }, () => {});
    (slot3 as unknown as EventChunk).rec[7] ^= 1;
    expect(read(3)).toMatchObject({ ok: false, undone: true });
  });
});
