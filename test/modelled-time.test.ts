// The modelled clock (docs/modelled-time.md): figures of the simulated machine are a pure
// function of (config, seed, costs), whatever the host does, and match closed-form answers.
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../dist/src/index.js';
import type { RunResult } from '../dist/src/run/result.js';
import { runCli as btsim } from './cli-helpers.js';

const DESIGNS = ['spare-swap', 'suspend-copy', 'irq-copy', 'kernel-circular'];

/** The result without what describes the host (and the check flag, which is not the machine). */
function machineFigures(r: RunResult): unknown {
  const { host: _host, config, ...rest } = r;
  const { check: _check, ...cfg } = config;
  return { ...rest, config: cfg };
}

function spinners(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

const lost = (r: RunResult): number => Object.values(r.totals.lost).reduce((a, b) => a + b, 0);

describe('the same figures on every run, host load and checker aside', () => {
  it('for each built-in design, 4 CPUs, 64-record buffers, 8 spares: plain = beside two spinning processes; unchecked = checked', async () => {
    const cfg = { cpus: 4, branches: 30_000, bufferRecords: 64, spares: 8, seed: 5 };
    let someLose = 0;
    for (const design of DESIGNS) {
      const plain = await run({ ...cfg, design });
      const spin = spinners(2);
      let loaded: RunResult;
      try {
        loaded = await run({ ...cfg, design });
      } finally {
        for (const p of spin) p.kill('SIGKILL');
      }
      const unchecked = await run({ ...cfg, design, check: false });
      expect(plain.ok, design).toBe(true);
      expect(plain.clock).toBe('model');
      expect(JSON.stringify(machineFigures(loaded)), design).toBe(JSON.stringify(machineFigures(plain)));
      // Checked or not: every field of cpus[] and coordinator, each consumer's own counts.
      expect(unchecked.cpus, design).toEqual(plain.cpus);
      expect(unchecked.coordinator, design).toEqual(plain.coordinator);
      expect(unchecked.consumers.map((c) => [c.delivered, c.overwritten, c.lost]), design)
        .toEqual(plain.consumers.map((c) => [c.delivered, c.overwritten, c.lost]));
      if (lost(plain) > 0) someLose++;
    }
    expect(someLose).toBeGreaterThanOrEqual(2);
  });

  it('the figures do not depend on how many CPUs share a worker thread (1, 3 or 8 of 8)', async () => {
    const cfg = { cpus: 8, branches: 40_000, bufferRecords: 256, spares: 8, seed: 3 };
    const runs = [];
    for (const cpusPerWorker of [1, 3, 8]) runs.push(await run({ ...cfg, cpusPerWorker }));
    const same = (r: RunResult) => JSON.stringify(machineFigures({ ...r, config: { ...r.config, cpusPerWorker: 0 } }));
    expect(runs[0]!.ok).toBe(true);
    expect(lost(runs[0]!)).toBeGreaterThan(0);
    expect(same(runs[1]!)).toBe(same(runs[0]!));
    expect(same(runs[2]!)).toBe(same(runs[0]!));
  });

  it('btsim compare prints the same table twice', async () => {
    const args = ['compare', '--branches', '30000', '--buffer-records', '256', '--spares', '4'];
    const a = await btsim(args);
    const b = await btsim(args);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain('modelled clock');
    expect(b.stdout).toBe(a.stdout);
  });
});

/**
 * The analytic cases. One CPU, one thread, no interrupts-off sections, no skid and only a
 * cpu-all consumer: every event is exactly one record, so each overflow finds exactly
 * `threshold` records and every cost below is an integer (float arithmetic stays exact).
 */
const T = 1024;
const C = { branchNs: 2, recordNs: 20, pmiNs: 1_500, serviceNs: 1_000, irqExitNs: 500, splayNsPerRecord: 2, copyGBps: 8, workQueueNs: 20_000, workQueueShape: 'fixed' as const };
const oneCpu = (design: string, branches = 200_000) => ({
  cpus: 1, branches, design, skidRecords: 0, bufferRecords: T + 256, thresholdRecords: T,
  workload: { threads: 1, irqsOffRate: 0, migrationRate: 0 },
  consumers: [{ kind: 'cpu-all' as const, target: 0, mode: 'continuous' as const, size: 4_096 }],
  costs: C,
});

describe('analytic cases (docs/modelled-time.md)', () => {
  it('(a) suspend-copy, one CPU: records lost per overflow = disabled window / time per record', async () => {
    const r = await run(oneCpu('suspend-copy'));
    expect(r.ok).toBe(true);
    const cpu = r.cpus[0]!;
    // Off from the CPU's return from the handler until the kworker's copy is done:
    // window = workQueueNs + copy(T records) - irqExitNs; off, each branch costs branchNs.
    const window = C.workQueueNs + (T * 24) / C.copyGBps - C.irqExitNs;
    const perOverflow = Math.ceil(window / C.branchNs);
    const n = cpu.overflows;
    const l = cpu.lost['tracing-suspended']!;
    expect(n).toBeGreaterThan(10);
    // Every window but the last is whole; the run may end inside the last one.
    expect(l - (n - 1) * perOverflow).toBeGreaterThan(0);
    expect(l - (n - 1) * perOverflow).toBeLessThanOrEqual(perOverflow);
    expect(cpu.tracingOffNs['tracing-suspended']).toBe(l * C.branchNs);
    expect(cpu.stallNs).toBe(n * (C.pmiNs + C.serviceNs + C.irqExitNs));
  });

  it('(b) irq-copy: no loss; stall per overflow = the interrupt plus the copy', async () => {
    const r = await run(oneCpu('irq-copy'));
    expect(r.ok).toBe(true);
    const cpu = r.cpus[0]!;
    expect(lost(r)).toBe(0);
    // The copy is the drain into pinned consumer buffers: T records x one consumer, no page faults.
    expect(cpu.stallNs / cpu.overflows).toBe(C.pmiNs + C.serviceNs + T * C.splayNsPerRecord * 1 + C.irqExitNs);
  });

  const manyCpus = (cpus: number, handler: 'per-cpu' | 'single') => ({
    cpus, branches: 40_000, design: 'spare-swap', skidRecords: 0, bufferRecords: T + 256, thresholdRecords: T, spares: 16 * cpus,
    workload: { threads: cpus, irqsOffRate: 0, migrationRate: 0 },
    consumers: Array.from({ length: cpus }, (_, c) => ({ kind: 'cpu-all' as const, target: c, mode: 'ring' as const, size: T })),
    costs: { ...C, handler },
  });
  const stallPerOverflow = (r: RunResult) => r.cpus.reduce((a, c) => a + c.stallNs, 0) / r.cpus.reduce((a, c) => a + c.overflows, 0);

  it('(c) spare-swap with spares enough: no loss; stall per overflow = PMI + service + exit, the same at 1 and 16 CPUs per-cpu, growing with "single"', async () => {
    const exact = C.pmiNs + C.serviceNs + C.irqExitNs;
    const one = await run(manyCpus(1, 'per-cpu'));
    const sixteen = await run(manyCpus(16, 'per-cpu'));
    for (const r of [one, sixteen]) {
      expect(r.ok).toBe(true);
      expect(lost(r)).toBe(0);
      for (const c of r.cpus) expect(c.stallNs).toBe(c.overflows * exact);
    }
    const s1 = stallPerOverflow(await run(manyCpus(1, 'single')));
    const s4 = stallPerOverflow(await run(manyCpus(4, 'single')));
    const s16 = stallPerOverflow(await run(manyCpus(16, 'single')));
    expect(s1).toBe(exact);
    expect(s4).toBeGreaterThan(s1);
    expect(s16).toBeGreaterThan(s4);
  });

  it('(d) spare-swap, CPUs producing faster than the work queue drains: loss fraction -> 1 - drain capacity / production rate', async () => {
    const cpus = 4;
    const costs = { ...C, recordNs: 0, pmiNs: 0, serviceNs: 0, irqExitNs: 0, workQueueNs: 0, splayNsPerRecord: 8, pageFaultNs: 0 };
    const r = await run({
      cpus, branches: 300_000, design: 'spare-swap', skidRecords: 0, bufferRecords: 320, thresholdRecords: 256, spares: 8, copiers: 1,
      workload: { threads: cpus, irqsOffRate: 0, migrationRate: 0 },
      consumers: Array.from({ length: cpus }, (_, c) => ({ kind: 'cpu-all' as const, target: c, mode: 'ring' as const, size: 256 })),
      costs,
    });
    expect(r.ok).toBe(true);
    // One kworker drains 1 / (splayNsPerRecord x 1 consumer) records per ns; the CPUs make cpus / branchNs.
    const capacity = 1 / costs.splayNsPerRecord;
    const production = cpus / costs.branchNs;
    const fraction = lost(r) / r.totals.branches;
    expect(Math.abs(fraction - (1 - capacity / production))).toBeLessThan(0.01);
    expect(Object.keys(r.totals.lost)).toEqual(['no-spare-buffer']);
  });

  it('loss grows with workQueueNs under suspend-copy and not under irq-copy (a sweep)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'btsim-wq-')), 'wq.ndjson');
    const r = await btsim(['sweep', '--designs', 'suspend-copy,irq-copy', '--param', 'costs.workQueueNs=5000,20000,80000',
      '--cpus', '2', '--branches', '40000', '--buffer-records', '512', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { design: string; params: Record<string, number>; result: RunResult });
    const series = (d: string) => lines.filter((l) => l.design === d)
      .sort((a, b) => a.params['costs.workQueueNs']! - b.params['costs.workQueueNs']!).map((l) => lost(l.result));
    const sc = series('suspend-copy');
    expect(sc).toHaveLength(3);
    expect(sc[0]!).toBeGreaterThan(0);
    expect(sc[1]!).toBeGreaterThan(sc[0]!);
    expect(sc[2]!).toBeGreaterThan(sc[1]!);
    expect(series('irq-copy')).toEqual([0, 0, 0]);
  });
});

describe('the synchronisation rule under the explorer', () => {
  it('every explored interleaving of CPUs and coordinator gives the same figures, for each built-in design', async () => {
    const { execute } = await import('../dist/src/explore/explorer.js');
    const { RandomScheduler, PctScheduler } = await import('../dist/src/explore/schedulers.js');
    const { EXPLORE_DEFAULTS, exploreConsumers } = await import('../dist/src/explore/scenario.js');
    const { resolveConfig } = await import('../dist/src/model/resolve-config.js');
    const { builtinDesign } = await import('../dist/src/designs/registry.js');
    for (const name of DESIGNS) {
      // Costs small against the tiny scenario, so that windows and queues overlap CPUs' work.
      const cfg = resolveConfig({ ...EXPLORE_DEFAULTS, design: name, consumers: exploreConsumers(2, 3), costs: { workQueueNs: 300, pmiNs: 50, serviceNs: 20, irqExitNs: 10, callbackNs: 100 } });
      const seen = new Set<string>();
      for (let s = 1; s <= 24; s++) {
        const scheduler = s % 2 ? new RandomScheduler(s) : new PctScheduler(s, 3, 3, 5_000);
        const ex = execute(cfg, builtinDesign(name), scheduler, { modelClock: true });
        expect(ex.violation, `${name}, ${scheduler.name} seed ${s}`).toBeNull();
        seen.add(ex.figures!);
      }
      expect(seen.size, name).toBe(1);
      if (name !== 'irq-copy') expect([...seen][0], name).toContain('"lost":{"');
    }
  });
});
