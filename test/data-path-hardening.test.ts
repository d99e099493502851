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
