// The stress explorer, used the way a user's own test suite would use it.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay, stress } from '../dist/src/explore/stress.js';
import { decodeReplay } from '../dist/src/explore/replay.js';

const buggyDir = fileURLToPath(new URL('../examples/buggy/', import.meta.url));
const buggy = readdirSync(buggyDir).filter((f) => f.endsWith('.mjs')).sort();
const designsDir = fileURLToPath(new URL('../examples/designs/', import.meta.url));

describe('stress: explore mode', () => {
  it('has at least six buggy examples', () => {
    expect(buggy.length).toBeGreaterThanOrEqual(6);
  });

  for (const file of buggy) {
    it(`finds ${file} within 100 runs, and its replay string reproduces it 10 times out of 10`, async () => {
      let r = await stress({ design: buggyDir + file, runs: 100, scheduler: 'random', seed: 1 });
      if (!r.found) r = await stress({ design: buggyDir + file, runs: 100, scheduler: 'pct', seed: 1 });
      expect(r.found, `${file} survived`).toBe(true);
      expect(r.runs).toBeLessThanOrEqual(100);
      expect(r.replay).toMatch(/^btsim1:/);
      expect(decodeReplay(r.replay!).design).toBe(buggyDir + file);
      for (let i = 0; i < 10; i++) {
        const again = await replay(r.replay!);
        expect(again.found).toBe(true);
        expect(again.violation).toBe(r.violation);
      }
    });
  }

  it('kernel-circular survives random and PCT schedules with ring-only kernel-side consumers (circular mode engaged)', async () => {
    const scenario = {
      workload: { kernelPathMean: 20 },
      consumers: [
        { kind: 'cpu-all' as const, target: 0, mode: 'ring' as const, size: 12 },
        { kind: 'cpu-kernel' as const, target: 1, mode: 'ring' as const, size: 8 },
        { kind: 'thread-user' as const, target: 1, mode: 'continuous' as const, size: 8 },
        { kind: 'thread-all' as const, target: 3, mode: 'ring' as const, size: 8 },
      ],
    };
    for (const scheduler of ['random', 'pct'] as const) {
      const r = await stress({ design: 'kernel-circular', runs: 25, scheduler, seed: 3, scenario });
      expect(r.violation).toBeNull();
    }
  });

  for (const design of ['spare-swap', 'suspend-copy', 'irq-copy', 'kernel-circular', designsDir + 'spare-swap-inline.mjs', designsDir + 'offload-copy.mjs']) {
    it(`${design.split('/').pop()} survives random and PCT schedules`, async () => {
      for (const scheduler of ['random', 'pct'] as const) {
        const r = await stress({ design, runs: 25, scheduler, seed: 7 });
        expect(r.violation).toBeNull();
        expect(r.found).toBe(false);
        expect(r.runs).toBe(25);
        expect(r.executionsPerSec).toBeGreaterThan(0);
      }
    });
  }

  it('bounded DFS enumerates distinct schedules of a tiny scenario and finds a lost wake-up', async () => {
    const tiny = { cpus: 1, branches: 64, workload: { timesliceBranches: 64, threads: 1 } };
    const clean = await stress({ design: 'spare-swap', runs: 30, scheduler: 'dfs', bound: 1, scenario: tiny });
    expect(clean.found).toBe(false);
    const bad = await stress({ design: buggyDir + 'lost-notify.mjs', runs: 30, scheduler: 'dfs', scenario: tiny });
    expect(bad.found).toBe(true);
    expect(bad.violation).toMatch(/^deadlock/);
    expect((await replay(bad.replay!)).violation).toBe(bad.violation);
  });

  it('names the actors of a deadlock and prints the interleaving', async () => {
    const r = await stress({ design: buggyDir + 'lost-notify.mjs', runs: 5, scheduler: 'random' });
    expect(r.violation).toMatch(/cpu\d waits on cpu\d\.PMI_ACK/);
    const again = await replay(r.replay!, { keepTrace: true });
    expect(again.trace!.length).toBeGreaterThan(100);
    expect(again.trace!.some((t) => t.actor === 'kworker')).toBe(true);
  });
});

describe('stress: threads mode (chaos)', () => {
  it('runs the real threads with injected delays and checks each run', async () => {
    const r = await stress({ design: 'spare-swap', mode: 'threads', runs: 2, scenario: { cpus: 3, branches: 6_000 } });
    expect(r.mode).toBe('threads');
    expect(r.found).toBe(false);
    expect(r.runs).toBe(2);
  });
});
