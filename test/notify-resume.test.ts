// User-only tracers that are slow or do not answer (notify-resume), and the DS callback
// contract ("stay disabled"): the oracle's schedule, real runs, and the config's refusals.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../dist/src/model/resolve-config.js';
import { ConfigError } from '../dist/src/model/errors.js';
import { ExpectedStream } from '../dist/src/oracle/expected.js';
import { EventChunk } from '../dist/src/workload/events.js';
import { epochCount, generateEpoch } from '../dist/src/workload/generator.js';
import { Schedule } from '../dist/src/workload/schedule.js';
import { expectAccountingHolds, run } from './helpers.js';
import { stress } from '../dist/src/explore/stress.js';
import { EXPLORE_DEFAULTS, exploreConsumers } from '../dist/src/explore/scenario.js';

// 2 CPUs, 4 threads, no migration: tids 1 and 3 share CPU 0, tids 2 and 4 CPU 1.
// Spares enough that, under the modelled clock's default work-queue latency, nothing but the
// gate makes a difference between runs.
const base = { cpus: 2, branches: 60_000, spares: 64, workload: { threads: 4, migrationRate: 0, timesliceBranches: 3_000 } };
const others = [
  { kind: 'thread-user', target: 3, mode: 'continuous', size: 512 },
  { kind: 'thread-all', target: 1, mode: 'continuous', size: 512 },
  { kind: 'thread-kernel', target: 1, mode: 'ring', size: 256 },
  { kind: 'cpu-all', target: 0, mode: 'continuous', size: 1_024 },
  { kind: 'cpu-kernel', target: 0, mode: 'ring', size: 256 },
] as const;
const gated = (callbackDelay: number | 'never', size = 300) => ({
  ...base,
  consumers: [{ kind: 'thread-user', target: 1, mode: 'continuous', size, callbackDelay } as const, ...others],
});

/** Per epoch: which thread CPU `cpu` ran, from a fresh schedule of `cfg`. */
function runningOn(cfg: ReturnType<typeof resolveConfig>, cpu: number): number[] {
  const s = new Schedule(cfg);
  const out: number[] = [];
  for (let e = 0; e < epochCount(cfg); e++) {
    s.seek(e);
    out.push(s.running[cpu]!);
  }
  return out;
}

describe('notify-resume: the ground truth', () => {
  it('an unresponsive tracer gets exactly one buffer; its thread never runs again; the CPU\'s other thread keeps its slots', () => {
    const cfg = resolveConfig(gated('never'));
    const free = resolveConfig({ ...base, consumers: [{ kind: 'thread-user', target: 1, mode: 'continuous', size: 300 }, ...others] });
    expect(ExpectedStream.count(cfg, cfg.consumers[0]!)).toBe(300);
    expect(ExpectedStream.count(free, free.consumers[0]!)).toBeGreaterThan(3_000);
    const ran = runningOn(cfg, 0);
    const ranFree = runningOn(free, 0);
    // Tid 1 runs in epoch 0 (and blocks there), then its slots go to the idle task.
    expect(ran[0]).toBe(1);
    expect(ran.slice(1).includes(1)).toBe(false);
    expect(ran.filter((t) => t === 0).length).toBe(ranFree.filter((t) => t === 1).length - 1);
    // Tid 3 runs exactly where it ran without the gate, and sees the same records.
    expect(ran.map((t) => (t === 3 ? 3 : 0))).toEqual(ranFree.map((t) => (t === 3 ? 3 : 0)));
    expect(ExpectedStream.count(cfg, cfg.consumers[1]!)).toBe(ExpectedStream.count(free, free.consumers[1]!));
  });

  it('a blocked thread owns its timeslice up to its switch to the idle task, which follows its last counted record', () => {
    const cfg = resolveConfig(gated('never', 250));
    const s = new Schedule(cfg);
    const chunk = new EventChunk(cfg.workload.timesliceBranches);
    generateEpoch(cfg, s, 0, chunk);
    expect(chunk.tid).toBe(1);
    expect(chunk.ownedEnd).toBeGreaterThan(0);
    expect(chunk.ownedEnd).toBeLessThan(chunk.length);
    expect(chunk.type[chunk.ownedEnd - 1]! & 0x0f).toBe(4); // EV_SWITCH
    expect(chunk.kindOrTid[chunk.ownedEnd - 1]).toBe(0); // to the idle task
    expect(chunk.gateRecords).toBe(250);
    // After it: the idle task's kernel branches only (then the tail's switch, if any).
    for (let i = chunk.ownedEnd; i < chunk.length - 1; i++) expect(chunk.type[i]! & 0x0f).toBe(1);
  });

  it('a gate that never closes (a buffer the run cannot fill) leaves every consumer\'s ground truth as it is', () => {
    const cfg = resolveConfig({ ...gated(3, 1 << 24), workload: { ...base.workload, migrationRate: 0.5 } });
    const free = resolveConfig({ ...cfg, consumers: cfg.consumers.map((c) => ({ ...c, callbackDelay: 0 })) });
    expect(cfg.consumers.map((c) => ExpectedStream.count(cfg, c))).toEqual(free.consumers.map((c) => ExpectedStream.count(free, c)));
  });

  it('a config object changed after use does not see the outcomes worked out for it before', () => {
    const cfg = resolveConfig({ ...gated(2, 120), seed: 5 });
    const before = cfg.consumers.map((c) => ExpectedStream.count(cfg, c));
    cfg.seed = 6;
    const fresh = resolveConfig({ ...gated(2, 120), seed: 6 });
    expect(cfg.consumers.map((c) => ExpectedStream.count(cfg, c))).toEqual(fresh.consumers.map((c) => ExpectedStream.count(fresh, c)));
    expect(before).not.toEqual(fresh.consumers.map((c) => ExpectedStream.count(fresh, c)));
  });

  it('the schedule with gates is a pure function of (config, seed)', () => {
    const cfg = resolveConfig({ ...gated(2, 120), seed: 9, workload: { ...base.workload, migrationRate: 0.5 } });
    const a = cfg.consumers.map((c) => ExpectedStream.count(cfg, c));
    const b = cfg.consumers.map((c) => ExpectedStream.count(cfg, c));
    expect(a).toEqual(b);
    const s = new Schedule(cfg);
    s.seek(epochCount(cfg) - 1);
    const st = s.stalls();
    expect(st).toHaveLength(1);
    expect(st[0]!.blocks).toBe(Math.floor(a[0]! / 120));
  });
});

describe('notify-resume: real runs', () => {
  it('an unresponsive thread-user consumer stalls its own thread while another thread on the same CPU keeps making progress', async () => {
    const r = await run(gated('never'));
    const free = await run({ ...base, consumers: [{ kind: 'thread-user', target: 1, mode: 'continuous', size: 300 }, ...others] });
    expectAccountingHolds(r);
    expectAccountingHolds(free);
    const by = (x: typeof r, id: string) => x.consumers.find((c) => c.id === id)!;
    // Its tracer got one buffer, then its thread stopped: its other views stop there too.
    expect(by(r, 'tid1-user').delivered).toBe(300);
    expect(by(r, 'tid1-all').delivered).toBeLessThan(by(free, 'tid1-all').delivered / 5);
    // Its thread, on CPU 0, blocked once and stayed blocked; the stall is reported for it alone.
    const gatedOnly = r.threads.filter((x) => x.consumer);
    expect(gatedOnly).toHaveLength(1);
    const t = gatedOnly[0]!;
    expect(t).toMatchObject({ tid: 1, consumer: 'tid1-user', blocks: 1, ranSlots: 1, blockedAtEnd: true });
    expect(t.blockedSlots).toBeGreaterThan(3);
    expect(t.stalledBranches).toBeGreaterThan(t.blockedSlots * 3_000);
    // Tid 3 shares CPU 0 and kept every record of its run; both CPUs ran every branch.
    expect(by(r, 'tid3-user').delivered).toBe(by(free, 'tid3-user').delivered);
    expect(by(r, 'tid3-user').delivered).toBeGreaterThan(5_000);
    expect(r.cpus.map((c) => c.branches)).toEqual([60_000, 60_000]);
    expect(by(r, 'cpu0-all').delivered).toBeGreaterThanOrEqual(60_000);
  });

  it('a slow tracer (2 timeslices per callback) blocks its thread once per full buffer, under every design, nothing lost', async () => {
    for (const design of ['spare-swap', 'suspend-copy', 'irq-copy', 'kernel-circular']) {
      const r = await run({ ...gated(2, 200), design, bufferRecords: 128, skidRecords: 4, spares: 64 });
      expectAccountingHolds(r);
      const user = r.consumers[0]!;
      const t = r.threads.find((x) => x.consumer)!;
      expect(t.blocks, design).toBe(Math.floor(user.expected! / 200));
      expect(t.blocks, design).toBeGreaterThan(2);
      expect(t.stalledBranches, design).toBeGreaterThan(0);
    }
  });

  it('a thread waits for its own tracer only: a gate on tid 1 changes nothing for tid 2 on the other CPU', async () => {
    const cfg = { ...gated(1, 400), consumers: [...gated(1, 400).consumers, { kind: 'thread-user', target: 2, mode: 'continuous', size: 400 } as const] };
    const r = await run(cfg);
    const free = await run({ ...cfg, consumers: cfg.consumers.map((c) => ({ ...c, callbackDelay: 0 })) });
    expectAccountingHolds(r);
    expect(r.threads.filter((t) => t.consumer).map((t) => t.tid)).toEqual([1]);
    expect(free.threads.filter((t) => t.consumer)).toEqual([]);
    const tid2 = (x: typeof r) => x.consumers.find((c) => c.id === 'tid2-user')!.delivered;
    expect(tid2(r)).toBe(tid2(free));
  });
});

describe('notify-resume while a design has tracing off', () => {
  // Tiny buffers: suspend-copy turns tracing off at every overflow, spare-swap with no spare
  // too. A thread with a continuous user-only tracer never runs user code meanwhile.
  const tiny = {
    cpus: 2, branches: 30_000, bufferRecords: 64, skidRecords: 4,
    workload: { threads: 4, migrationRate: 0.3, timesliceBranches: 2_000, irqsOffBranches: 8 },
    consumers: [
      { kind: 'thread-user', target: 1, mode: 'continuous', size: 256 },
      { kind: 'thread-user', target: 2, mode: 'ring', size: 256 },
      { kind: 'thread-all', target: 1, mode: 'continuous', size: 256 },
      { kind: 'cpu-all', target: 0, mode: 'continuous', size: 256 },
    ],
  } as const;
  for (const [design, cause, extra] of [['suspend-copy', 'tracing-suspended', {}], ['spare-swap', 'no-spare-buffer', { spares: 0 }]] as const) {
    it(`${design}: the continuous user-only tracer loses nothing, its thread waits at its returns to user; the others lose as ${cause}`, async () => {
      const r = await run({ ...tiny, ...extra, design });
      expectAccountingHolds(r);
      const by = (id: string) => r.consumers.find((c) => c.id === id)!;
      expect(by('tid1-user').lost).toEqual({});
      expect(by('tid1-user').delivered).toBe(by('tid1-user').expected);
      // Its kernel records in the windows are lost; a ring user-only consumer does not hold its thread.
      expect(by('tid1-all').lost[cause]).toBeGreaterThan(0);
      expect(by('cpu0-all').lost[cause]).toBeGreaterThan(0);
      expect(by('tid2-user-ring').lost[cause]).toBeGreaterThan(0);
      const t1 = r.threads.find((t) => t.tid === 1)!;
      expect(t1.consumer).toBeNull();
      expect(t1.tracingWaits).toBeGreaterThan(0);
      expect(t1.tracingWaitNs).toBeGreaterThan(0);
      expect(r.threads.map((t) => t.tid)).toEqual([1]);
    });
  }
});

describe('notify-resume under the explorer', () => {
  it('a thread held while tracing is off is woken whether the design re-arms with enable or install (no lost wake-up)', async () => {
    const design = fileURLToPath(new URL('./fixtures/install-rearm-design.mjs', import.meta.url));
    for (const scheduler of ['random', 'pct'] as const) {
      const r = await stress({ design, runs: 100, scheduler, seed: 3 });
      expect(r.found, `${scheduler}: ${JSON.stringify(r.violation)}`).toBe(false);
    }
  });

  it('every built-in design passes explored interleavings with a slow, an unresponsive and a stay-disabled tracer', async () => {
    const consumers = exploreConsumers(2, 3)!.map((c) => ({
      ...c,
      ...(c.kind === 'thread-user' ? { callbackDelay: 1 } : c.mode === 'continuous' ? { stayDisabled: { every: 2, records: 5 } } : {}),
    }));
    consumers.push({ kind: 'thread-user', target: 2, mode: 'continuous', size: 10, callbackDelay: 'never' });
    const scenario = { ...EXPLORE_DEFAULTS, consumers };
    // The scenario does block: both gated threads wait for their tracers in it.
    const s = new Schedule(resolveConfig(scenario));
    s.seek(epochCount(resolveConfig(scenario)) - 1);
    expect(s.stalls().map((x) => x.blocks)).toEqual([1, 1]);
    for (const design of ['spare-swap', 'suspend-copy', 'irq-copy', 'kernel-circular']) {
      for (const scheduler of ['random', 'pct'] as const) {
        const r = await stress({ design, runs: 60, scheduler, seed: 11, scenario });
        expect(r.found, `${design} ${scheduler}: ${JSON.stringify(r.violation)}`).toBe(false);
      }
    }
  });
});

describe('the DS callback contract: "stay disabled"', () => {
  /** What a tracer of `expected` records, `size` per buffer, loses when every `every`-th callback stays disabled for `records`. */
  function disabledLoss(expected: number, size: number, every: number, records: number): number {
    let lost = 0, inBuf = 0, callbacks = 0, off = 0;
    // A record or a loss marker takes a slot; a full buffer is a callback.
    const slot = (): void => {
      if (++inBuf === size) {
        inBuf = 0;
        if (++callbacks % every === 0) off = records;
      }
    };
    for (let i = 0; i < expected; i++) {
      if (off > 0) {
        lost++;
        if (--off === 0) slot(); // re-enabled: the marker goes first
        continue;
      }
      slot();
    }
    return lost;
  }

  it('records missed while the tracer stays disabled are lost as disabled-by-callback, exactly, and the identity holds', async () => {
    const consumers = [
      { kind: 'thread-user', target: 1, mode: 'continuous', size: 500, stayDisabled: { every: 2, records: 300 } },
      { kind: 'cpu-all', target: 0, mode: 'continuous', size: 1_000, stayDisabled: { every: 3, records: 2_500 } },
      { kind: 'cpu-all', target: 1, mode: 'continuous', size: 1_000 },
    ] as const;
    const r = await run({ ...base, consumers: [...consumers] });
    expectAccountingHolds(r);
    for (const [k, c] of consumers.entries()) {
      const got = r.consumers[k]!;
      const want = 'stayDisabled' in c ? disabledLoss(got.expected!, c.size, c.stayDisabled.every, c.stayDisabled.records) : 0;
      expect(got.lost['disabled-by-callback'] ?? 0, got.id).toBe(want);
    }
    expect(r.consumers[0]!.lost['disabled-by-callback']).toBeGreaterThan(0);
  });

  it('with other losses in the way (no spare buffer), the markers still cover every gap', async () => {
    const r = await run({
      ...base, bufferRecords: 64, spares: 0,
      consumers: [{ kind: 'cpu-all', target: 0, mode: 'continuous', size: 100, stayDisabled: { every: 1, records: 50 } }],
    });
    expectAccountingHolds(r);
    const c = r.consumers[0]!;
    expect(c.lost['disabled-by-callback']).toBeGreaterThan(0);
    expect(c.lost['no-spare-buffer']).toBeGreaterThan(0);
  });
});

describe('--callback-delay (the config\'s callbackDelay)', () => {
  it('applies to each thread\'s first continuous thread-user consumer without its own', () => {
    const cfg = resolveConfig({
      ...base, callbackDelay: 'never',
      consumers: [
        { kind: 'thread-user', target: 1, mode: 'continuous', size: 100, callbackDelay: 2 },
        { id: 'second', kind: 'thread-user', target: 1, mode: 'continuous', size: 100 },
        { kind: 'thread-user', target: 2, mode: 'continuous', size: 100 },
        { id: 'again', kind: 'thread-user', target: 2, mode: 'continuous', size: 100 },
        { kind: 'thread-user', target: 3, mode: 'ring', size: 100 },
        { kind: 'thread-all', target: 4, mode: 'continuous', size: 100 },
      ],
    });
    expect(cfg.consumers.map((c) => c.callbackDelay)).toEqual([2, undefined, 'never', undefined, undefined, undefined]);
  });

  it('a thread whose first such consumer says for itself (a delay of 0, or stay-disabled callbacks) does not wait', () => {
    const cfg = resolveConfig({
      ...base, callbackDelay: 3,
      consumers: [
        { kind: 'thread-user', target: 1, mode: 'continuous', size: 100, callbackDelay: 0 },
        { id: 'second', kind: 'thread-user', target: 1, mode: 'continuous', size: 100 },
        { kind: 'thread-user', target: 2, mode: 'continuous', size: 100, stayDisabled: { every: 1, records: 5 } },
        { id: 'again', kind: 'thread-user', target: 2, mode: 'continuous', size: 100 },
        { kind: 'thread-user', target: 3, mode: 'continuous', size: 100 },
      ],
    });
    expect(cfg.consumers.map((c) => c.callbackDelay)).toEqual([0, undefined, undefined, undefined, 3]);
  });

  it('is refused when it applies to no consumer', () => {
    expect(() => resolveConfig({ ...base, callbackDelay: 2, consumers: [{ kind: 'cpu-all', target: 0, mode: 'continuous', size: 100 }] }))
      .toThrow(/^callbackDelay: 2 is not accepted; expected absent or 0 when no thread/);
  });

  it('is refused with a trace workload', () => {
    expect(() => resolveConfig({ callbackDelay: 1, traces: ['qemu:x'] })).toThrow(/^callbackDelay: .*trace/);
  });
});

describe('refused configurations', () => {
  const one = (c: object) => () => resolveConfig({ ...base, consumers: [c as never] });
  it.each([
    [{ kind: 'cpu-all', target: 0, mode: 'continuous', size: 100, callbackDelay: 2 }, 'consumers.0.callbackDelay'],
    [{ kind: 'thread-user', target: 1, mode: 'ring', size: 100, callbackDelay: 'never' }, 'consumers.0.callbackDelay'],
    [{ kind: 'thread-all', target: 1, mode: 'continuous', size: 100, callbackDelay: 1 }, 'consumers.0.callbackDelay'],
    [{ kind: 'cpu-all', target: 0, mode: 'ring', size: 100, stayDisabled: { every: 1, records: 5 } }, 'consumers.0.stayDisabled'],
  ])('%j is refused, naming %s', (c, field) => {
    expect(one(c)).toThrow(ConfigError);
    expect(one(c)).toThrow(field);
  });

  it('a callbackDelay with stay-disabled callbacks on the same consumer is refused', () => {
    expect(one({ kind: 'thread-user', target: 1, mode: 'continuous', size: 100, callbackDelay: 1, stayDisabled: { every: 1, records: 5 } }))
      .toThrow(/consumers\.0\.stayDisabled.*callbackDelay/);
  });

  it('two gated consumers on one thread are refused', () => {
    const c = { kind: 'thread-user', target: 1, mode: 'continuous', size: 100, callbackDelay: 1 } as const;
    expect(() => resolveConfig({ ...base, consumers: [c, { ...c, id: 'again' }] })).toThrow(/consumers\.1\.callbackDelay.*already waits/);
  });

  it('a negative delay is a schema error', () => {
    expect(() => resolveConfig({ ...base, consumers: [{ kind: 'thread-user', target: 1, mode: 'continuous', size: 100, callbackDelay: -1 }] })).toThrow(/callbackDelay/);
  });
});
