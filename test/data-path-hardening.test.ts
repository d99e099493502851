// Issue 15, the data path's items: what a design may do with the DS area, and what it may not.
import { describe, expect, it } from 'vitest';
import { run } from '../dist/src/index.js';
import { runCli } from './cli-helpers.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

describe('a disabled CPU\'s buffer belongs to the design (item 1)', () => {
  it('a design that, without a spare, turns tracing off, drains and gives the buffer back, then stays off: no violation', async () => {
    const cpuAll = [0, 1, 2, 3].map((c) => ({ kind: 'cpu-all' as const, target: c, mode: 'continuous' as const, size: 64 }));
    for (let seed = 1; seed <= 6; seed++) {
      const r = await run({
        cpus: 4, branches: 40_000, bufferRecords: 64, spares: 4, seed, design: fixture('disable-drain-push-design.mjs'),
        consumers: [...cpuAll, { kind: 'thread-all', target: 2, mode: 'continuous', size: 64 }, { kind: 'thread-kernel', target: 3, mode: 'ring', size: 64 }],
      });
      // Before: the coordinator drained the buffer DS_BASE still named, given back and reused
      // by another CPU (seed 6: 48 records of cpu0-all silently lost).
      expect(r.ok, `seed ${seed}: ${JSON.stringify(r.consumers.map((c) => c.violations))}`).toBe(true);
      expect(r.totals.lost['design-cause-16']).toBeGreaterThan(0);
    }
  });
});

describe('ds.disable takes the causes a design may give (item 8)', () => {
  it('cause 255 (overwritten) is refused with one line naming the design', async () => {
    const r = await runCli(['run', '--branches', '20000', '--buffer-records', '256', '--design', fixture('cause-255-design.mjs')]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('design "cause-255"');
    expect(lines[0]).toContain('takes 1 (tracing-suspended), 2 (no-spare-buffer) or a cause code of its own from 16 to 254, got 255');
  });
});

describe('compare keeps what it finished (item 9)', () => {
  it('a design that fails shows as FAILED beside the finished rows; empty or repeated entries are refused', async () => {
    const r = await runCli(['compare', '--designs', `spare-swap,${fixture('throwing-design.mjs')},irq-copy`, '--branches', '20000', '--buffer-records', '256']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/spare-swap .* holds/);
    expect(r.stdout).toMatch(/throwing-design\.mjs .* FAILED/);
    expect(r.stdout).toMatch(/irq-copy .* holds/);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining('design "throws-on-overflow" failed')]);
    for (const list of ['spare-swap,,irq-copy', 'spare-swap,spare-swap']) {
      const bad = await runCli(['compare', '--designs', list]);
      expect(bad.code, list).toBe(2);
      expect(bad.stderr.trim().split('\n'), list).toHaveLength(1);
    }
  });
});

describe('circular mode hands over more counts than its mailbox holds (item 3)', () => {
  it('70 pending counts at the exit: the 6 beyond the mailbox go first, as a loss-only hand-over, none is dropped', async () => {
    const { resolveConfig } = await import('../dist/src/model/resolve-config.js');
    const { InlineServiceMem, benchLayout, pregenerate } = await import('../dist/bench/common.js');
    const { CpuCore } = await import('../dist/src/frontend/cpu-core.js');
    const { CPU_STAT_STRIDE } = await import('../dist/src/mem/layout.js');
    const L = await import('../dist/src/mem/layout.js');
    const cfg = resolveConfig({ cpus: 1, branches: 4_000, check: false, consumers: [{ kind: 'cpu-kernel', target: 0, mode: 'ring', size: 256 }] });
    const layout = benchLayout(cfg);
    const ctl = new Int32Array(new SharedArrayBuffer(layout.ctlWords * 4));
    const bufs = new SharedArrayBuffer(8 * cfg.bufferRecords * 24);
    const handed: number[] = [];
    class Recording extends InlineServiceMem {
      override *add(index: number, value: number) {
        if (index === L.cpuWord(0, L.FLUSH_REQ) || index === L.cpuWord(0, L.PMI_REQ)) handed.push(Atomics.load(this.words, L.cpuWord(0, L.MAIL_N)));
        // The exit's interrupt installs a normal buffer, as a design does.
        if (index === L.cpuWord(0, L.PMI_REQ)) Atomics.store(this.words, L.cpuWord(0, L.DS_CIRCULAR), 0);
        return yield* super.add(index, value);
      }
    }
    const mem = new Recording(ctl, cfg, 8);
    mem.program(0);
    Atomics.store(ctl, L.cpuWord(0, L.DS_CIRCULAR), 1); // the CPU starts in circular mode
    for (let t = 0; t <= cfg.workload.threads; t++) Atomics.store(ctl, layout.relBase + t, 0x7fff_ffff);
    const core = new CpuCore(cfg, 0, mem, layout, bufs, new Float64Array(new SharedArrayBuffer(CPU_STAT_STRIDE * 8)));
    // What wrapping over 70 LOSS records of 70 threads would leave pending: (overwritten, tid, class).
    const pending = (core as unknown as { pending: Map<number, number> }).pending;
    for (let tid = 1; tid <= 70; tid++) pending.set(255 * 0x100_0000 + tid * 0x100 + 1, 1);
    expect(() => core.execute(pregenerate(cfg)[0]!)).not.toThrow();
    // Before: "internal: 70 overwrite counts do not fit the mailbox".
    expect(handed.slice(0, 2)).toEqual([6, 64]);
  });
});

describe('host clock: the crossing time is taken before tracing is back on (item 4)', () => {
  it('when the coordinator stores DS_ENABLED = 1, the CPU\'s crossing time has already been read and cleared', async () => {
    const { resolveConfig } = await import('../dist/src/model/resolve-config.js');
    const { AtomicsMem } = await import('../dist/src/mem/atomics-mem.js');
    const { Coordinator } = await import('../dist/src/backend/coordinator.js');
    const { CPU_STAT_CROSSED_NS, CPU_STAT_STRIDE } = await import('../dist/src/mem/layout.js');
    const { runSync } = await import('../dist/src/mem/shared-mem.js');
    const { builtinDesign } = await import('../dist/src/designs/registry.js');
    const { consumerRegions } = await import('../dist/src/consumers/consumer-memory.js');
    const L = await import('../dist/src/mem/layout.js');
    const cfg = resolveConfig({ cpus: 1, clock: 'host', check: false });
    const layout = L.makeLayout(cfg.cpus, cfg.spares, cfg.bufferRecords, cfg.consumers.length, cfg.consumerBuffers, cfg.workload.threads);
    const stats = new SharedArrayBuffer((CPU_STAT_STRIDE + 8) * 8);
    const st = new Float64Array(stats);
    const slot = CPU_STAT_CROSSED_NS;
    const seenAtEnable: number[] = [];
    class Watching extends AtomicsMem {
      override *store(index: number, value: number) {
        // The CPU may cross again on the fresh buffer as soon as it sees this store.
        if (index === L.cpuWord(0, L.DS_ENABLED) && value === 1) seenAtEnable.push(st[slot]!);
        return yield* super.store(index, value);
      }
    }
    const ctl = new Int32Array(new SharedArrayBuffer(layout.ctlWords * 4));
    const coord = new Coordinator(cfg, new Watching(ctl), layout, new SharedArrayBuffer(layout.bufsBytes), new SharedArrayBuffer(Math.max(8, consumerRegions(cfg).bytes)), stats, builtinDesign('spare-swap'), null);
    coord.init();
    st[slot] = Number(process.hrtime.bigint()); // crossed
    runSync(coord.ds.install(0, 1));
    expect(seenAtEnable.at(-1)).toBe(0);
    expect(st[slot]).toBe(0);
  });
});
