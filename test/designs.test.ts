// The built-in designs and a user design on a tiny-buffer scenario, with real threads.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../dist/src/model/errors.js';
import { expectAccountingHolds, run } from './helpers.js';
import { sumLost } from '../dist/src/run/result.js';

// 2 CPUs x 20,000 branches into 64-record buffers (threshold 40): about 500 overflows a CPU.
const tiny = {
  cpus: 2, branches: 20_000, bufferRecords: 64, skidRecords: 4,
  workload: { timesliceBranches: 2_000, irqsOffBranches: 8 },
};

describe('designs on a tiny buffer', () => {
  it('suspend-copy loses records as tracing-suspended; the identity holds', async () => {
    const r = await run({ ...tiny, design: 'suspend-copy' });
    expectAccountingHolds(r);
    expect(r.totals.lost['tracing-suspended'] ?? 0).toBeGreaterThan(0);
    expect(r.consumers.some((c) => (c.lost['tracing-suspended'] ?? 0) > 0)).toBe(true);
  });

  it('spare-swap with more spares than buffers the run can fill loses none', async () => {
    const r = await run({ ...tiny, design: 'spare-swap', spares: 1_100 });
    expectAccountingHolds(r);
    expect(sumLost(r.totals.lost)).toBe(0);
    for (const c of r.consumers) expect(sumLost(c.lost), c.id).toBe(0);
    expect(r.cpus.every((c) => c.swaps > 0)).toBe(true);
  });

  it('irq-copy loses none and stalls the CPU', async () => {
    const r = await run({ ...tiny, design: 'irq-copy' });
    expectAccountingHolds(r);
    expect(sumLost(r.totals.lost)).toBe(0);
    expect(r.totals.stallNs).toBeGreaterThan(0);
    expect(r.coordinator.serviceP50Ns).toBeGreaterThan(0);
  });

  it('kernel-circular wraps in kernel mode when every kernel-side consumer is a ring; the rings count it as overwritten', async () => {
    const rings = {
      cpus: 2, branches: 40_000, bufferRecords: 256, spares: 64,
      workload: { threads: 4, kernelPathMean: 300, syscallRate: 10 },
      consumers: [
        { kind: 'cpu-all' as const, target: 0, mode: 'ring' as const, size: 200 },
        { kind: 'cpu-kernel' as const, target: 1, mode: 'ring' as const, size: 128 },
        { kind: 'thread-kernel' as const, target: 2, mode: 'ring' as const, size: 100 },
        { kind: 'thread-user' as const, target: 1, mode: 'continuous' as const, size: 512 },
      ],
    };
    const r = await run({ ...rings, design: 'kernel-circular' });
    expectAccountingHolds(r);
    expect(r.cpus.reduce((a, c) => a + c.circularOverwrites, 0)).toBeGreaterThan(0);
    for (const c of r.consumers) expect(c.lost['overwritten-in-circular-mode'], c.id).toBeUndefined();
    // A continuous consumer that sees kernel records: never circular, spare-swap's behaviour.
    const cont = await run({ ...tiny, design: 'kernel-circular', spares: 1_100 });
    expectAccountingHolds(cont);
    expect(cont.cpus.every((c) => c.circularOverwrites === 0)).toBe(true);
    expect(sumLost(cont.totals.lost)).toBe(0);
  });

  it('irq-copy refuses consumers that do not fit the pinned-memory budget', async () => {
    await expect(run({ ...tiny, design: 'irq-copy', pinnedMemoryMiB: 0 })).rejects.toThrow(ConfigError);
    await expect(run({ ...tiny, design: 'irq-copy', pinnedMemoryMiB: 0 })).rejects.toThrow(/pinnedMemoryMiB.*irq-copy pins/);
  });

  it('a user design module written from the README loads and runs, with its own loss cause', async () => {
    const path = fileURLToPath(new URL('../examples/designs/drain-in-place.mjs', import.meta.url));
    const r = await run({ ...tiny, design: path });
    expectAccountingHolds(r);
    expect(r.design).toBe(path);
    expect(r.totals.lost['design-cause-16'] ?? 0).toBeGreaterThan(0);
  });
});
