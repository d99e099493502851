// Property tests: random workloads and random consumer sets, with real threads.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONSUMER_KINDS } from '../dist/src/model/config.js';
import { expectAccountingHolds, run } from './helpers.js';
import { sumLost } from '../dist/src/run/result.js';

const scenario = (bufferRecords: fc.Arbitrary<number>) =>
  fc.record({
    seed: fc.integer({ min: 0, max: 0xffff_ffff }),
    cpus: fc.integer({ min: 1, max: 4 }),
    threads: fc.integer({ min: 1, max: 6 }),
    timeslice: fc.integer({ min: 64, max: 3_000 }),
    syscallRate: fc.integer({ min: 0, max: 80 }),
    exceptionRate: fc.integer({ min: 0, max: 30 }),
    interruptRate: fc.integer({ min: 0, max: 30 }),
    migrationRate: fc.double({ min: 0, max: 1, noNaN: true }),
    irqsOffRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
    format: fc.constantFrom(64, 32, 'mixed'),
    dsCpl: fc.constantFrom(true, false, 'mixed'),
    userPc: fc.constantFrom('hide', 'show'),
    bufferRecords: bufferRecords,
    spares: fc.integer({ min: 0, max: 3 }),
    consumers: fc.array(
      fc.record({
        kind: fc.constantFrom(...CONSUMER_KINDS),
        pick: fc.nat(),
        mode: fc.constantFrom('ring', 'continuous'),
        size: fc.integer({ min: 16, max: 3_000 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  });

/** Slow or unresponsive thread-user tracers (the first per thread) and "stay disabled" callbacks. */
const tracerBehaviour = fc.array(
  fc.record({
    delay: fc.constantFrom(0, 1, 3, 'never'),
    stay: fc.option(fc.record({ every: fc.integer({ min: 1, max: 4 }), records: fc.integer({ min: 1, max: 400 }) })),
  }),
  { minLength: 6, maxLength: 6 },
);

function withBehaviour(cfg: ReturnType<typeof toConfig>, b: { delay: number | 'never'; stay: { every: number; records: number } | null }[]) {
  const gated = new Set<number>();
  return {
    ...cfg,
    consumers: cfg.consumers.map((c, i) => {
      const x = b[i]!;
      const out: Record<string, unknown> = { ...c };
      if (c.mode === 'continuous' && c.kind === 'thread-user' && x.delay !== 0 && !gated.has(c.target)) {
        gated.add(c.target);
        out.callbackDelay = x.delay;
      }
      if (c.mode === 'continuous' && x.stay && !('callbackDelay' in out)) out.stayDisabled = x.stay;
      return out;
    }),
  };
}

function toConfig(s: any, branches: number) {
  const perCpu = <T>(v: T | 'mixed', a: T, b: T) => (v === 'mixed' ? Array.from({ length: s.cpus }, (_, i) => (i % 2 ? b : a)) : v);
  return {
    seed: s.seed, cpus: s.cpus, branches, bufferRecords: s.bufferRecords, spares: s.spares,
    format: perCpu(s.format, 64, 32), dsCpl: perCpu(s.dsCpl, true, false), userPc: s.userPc,
    workload: {
      threads: s.threads, timesliceBranches: s.timeslice, syscallRate: s.syscallRate,
      exceptionRate: s.exceptionRate, interruptRate: s.interruptRate, migrationRate: s.migrationRate,
      irqsOffRate: s.irqsOffRate, irqsOffBranches: 40,
    },
    consumers: s.consumers.map((c: any, i: number) => ({
      id: `c${i}`, kind: c.kind, mode: c.mode, size: c.size,
      target: c.kind.startsWith('cpu') ? c.pick % s.cpus : 1 + (c.pick % s.threads),
    })),
  };
}

describe('properties (threads, random workloads and consumer sets)', () => {
  it('buffers too large to fill: every stream equals its oracle view, nothing lost', async () => {
    await fc.assert(
      fc.asyncProperty(scenario(fc.constant(16_384)), async (s) => {
        // 4,000 branches per CPU never reach a 16,384-record threshold: no overflow, no loss.
        const r = await run({ ...toConfig(s, 4_000), thresholdRecords: 16_384 });
        expectAccountingHolds(r);
        for (const c of r.consumers) {
          expect(sumLost(c.lost), c.id).toBe(0);
          if (c.mode === 'continuous') expect(c.delivered, c.id).toBe(c.expected);
          else expect(c.delivered + c.overwritten, c.id).toBe(c.expected);
        }
      }),
      { numRuns: 12, seed: 2026 },
    );
  });

  it('small buffers: the identity holds and every gap carries a loss marker', async () => {
    let sawLoss = false;
    await fc.assert(
      fc.asyncProperty(scenario(fc.integer({ min: 16, max: 200 })), async (s) => {
        const r = await run(toConfig(s, 8_000));
        expectAccountingHolds(r);
        if (r.consumers.some((c) => sumLost(c.lost) > 0)) sawLoss = true;
        // A thread with a continuous user-only tracer waits while tracing is off (notify-resume).
        for (const c of r.consumers) {
          if (c.kind === 'thread-user' && c.mode === 'continuous') expect(c.lost['no-spare-buffer'] ?? 0, c.id).toBe(0);
        }
      }),
      { numRuns: 12, seed: 1008 },
    );
    expect(sawLoss).toBe(true);
  });

  it('slow, unresponsive and "stay disabled" tracers: the identity holds, and only gated threads stall', async () => {
    let sawStall = false;
    await fc.assert(
      fc.asyncProperty(scenario(fc.integer({ min: 16, max: 400 })), tracerBehaviour, async (s, b) => {
        // Thread-user consumers first, so the random mix has gates more often than not.
        s.consumers[0] = { ...s.consumers[0], kind: 'thread-user', mode: 'continuous' };
        const cfg = withBehaviour(toConfig(s, 8_000), b);
        const r = await run(cfg);
        expectAccountingHolds(r);
        const gatedTids = cfg.consumers.filter((c) => 'callbackDelay' in c).map((c) => c.target).sort();
        expect(r.threads.filter((t) => t.consumer).map((t) => t.tid).sort()).toEqual(gatedTids);
        if (r.threads.some((t) => t.blocks > 0)) sawStall = true;
      }),
      { numRuns: 12, seed: 4242 },
    );
    expect(sawStall).toBe(true);
  });
});
