// The accounting identity and zero violations across seeds, CPU counts and buffer sizes,
// with real worker threads.
import { describe, expect, it } from 'vitest';
import { expectAccountingHolds, run, small } from './helpers.js';
import { sumLost } from '../dist/src/run/result.js';

describe('accounting identity (threads)', () => {
  for (const cpus of [1, 2, 8]) {
    for (const seed of [1, 7]) {
      it(`cpus=${cpus} seed=${seed}`, async () => {
        const r = await run({ ...small, cpus, seed });
        expect(r.cpus).toHaveLength(cpus);
        // The default consumers: all five kinds.
        expect(new Set(r.consumers.map((c) => c.kind)).size).toBe(5);
        expectAccountingHolds(r);
      });
    }
  }

  for (const bufferRecords of [64, 256, 4096]) {
    it(`bufferRecords=${bufferRecords}, no spares: losses are named and the identity holds`, async () => {
      const r = await run({ ...small, cpus: 2, bufferRecords, spares: 0, seed: 3 });
      expectAccountingHolds(r);
      if (bufferRecords === 64) {
        const lost = r.consumers.reduce((a, c) => a + sumLost(c.lost), 0);
        expect(lost).toBeGreaterThan(0);
        for (const c of r.consumers) for (const cause of Object.keys(c.lost)) {
          expect(['no-spare-buffer', 'past-absolute-maximum']).toContain(cause);
        }
      }
    });
  }

  it('a threshold at the absolute maximum with a long skid loses past the absolute maximum', async () => {
    const r = await run({
      ...small, cpus: 1, bufferRecords: 64, thresholdRecords: 64, skidRecords: 32, spares: 4,
      workload: { timesliceBranches: 2_000, irqsOffRate: 0.5, irqsOffBranches: 200 },
    });
    expectAccountingHolds(r);
    expect(r.cpus[0]!.lost['past-absolute-maximum'] ?? 0).toBeGreaterThan(0);
    expect(r.consumers[0]!.lost['past-absolute-maximum'] ?? 0).toBeGreaterThan(0);
  });

  it('ring consumers smaller and larger than the stream', async () => {
    const r = await run({
      ...small, cpus: 2, bufferRecords: 128, spares: 1,
      consumers: [
        { kind: 'cpu-all', target: 0, mode: 'ring', size: 100 },
        { kind: 'cpu-all', target: 1, mode: 'ring', size: 1_000_000 },
        { kind: 'cpu-all', target: 1, mode: 'continuous', size: 500, id: 'c1' },
      ],
    });
    expectAccountingHolds(r);
    expect(r.consumers[0]!.delivered).toBeLessThanOrEqual(100);
    expect(r.consumers[0]!.overwritten).toBeGreaterThan(0);
    expect(r.consumers[1]!.overwritten).toBe(0);
  });

  it('the same seed gives the same expected counts whatever the timing', async () => {
    const a = await run({ ...small, cpus: 2, seed: 11, bufferRecords: 64, spares: 0 });
    const b = await run({ ...small, cpus: 2, seed: 11, bufferRecords: 4096 });
    expect(a.consumers.map((c) => c.expected)).toEqual(b.consumers.map((c) => c.expected));
    const c = await run({ ...small, cpus: 2, seed: 12 });
    expect(c.consumers.map((x) => x.expected)).not.toEqual(a.consumers.map((x) => x.expected));
  });
});

describe('consumer policy drop', () => {
  // Tiny callback buffers that the sink cannot keep up with: many consumer-too-slow and
  // past-absolute-maximum markers, some of them owed while no buffer is free. Once, a record
  // that came while owed markers had just filled the last free buffer was dropped unmarked.
  it('losses owed while no callback buffer is free are marked where they happened', async () => {
    const input = {
      seed: 843503411, cpus: 1, branches: 20_000, design: 'irq-copy', consumerBuffers: 3, consumerPolicy: 'drop',
      bufferRecords: 32, skidRecords: 8, thresholdRecords: 32,
      workload: { threads: 1, timesliceBranches: 100, syscallRate: 100, interruptRate: 100, kernelPathMean: 30 },
      consumers: [{ id: 'c', kind: 'cpu-all', target: 0, mode: 'continuous', size: 4 }],
    } as const;
    for (let k = 0; k < 3; k++) {
      const r = await run(input);
      expectAccountingHolds(r);
      expect(r.consumers[0]!.lost['consumer-too-slow']).toBeGreaterThan(0);
      expect(r.consumers[0]!.lost['past-absolute-maximum']).toBeGreaterThan(0);
    }
  });
});

describe('hardware formats', () => {
  it('32-bit (12-byte) records on every CPU', async () => {
    const r = await run({ ...small, cpus: 2, format: 32 });
    expect(r.cpus.map((c) => c.format)).toEqual([32, 32]);
    expectAccountingHolds(r);
  });
  it('mixed formats, one per CPU, with losses', async () => {
    const r = await run({ ...small, cpus: 3, format: [64, 32, 64], bufferRecords: 64, spares: 1 });
    expect(r.cpus.map((c) => c.format)).toEqual([64, 32, 64]);
    expectAccountingHolds(r);
  });
});
