// The oracle's shared epochs (epoch-cache.ts) and a ring's tail taken in during the run
// (TailKeeper) give exactly the streams each consumer's own regeneration gives.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../dist/src/model/resolve-config.js';
import type { ConsumerSpec } from '../dist/src/model/config.js';
import { ExpectedStream, TailKeeper } from '../dist/src/oracle/expected.js';
import { EpochCache } from '../dist/src/oracle/epoch-cache.js';

const cfg = resolveConfig({ cpus: 3, branches: 6_000, workload: { threads: 5, timesliceBranches: 400, syscallRate: 40, migrationRate: 0.3 } });
const specs: ConsumerSpec[] = [
  { id: 'a0', kind: 'cpu-all', target: 0, mode: 'continuous', size: 64 },
  { id: 'k0', kind: 'cpu-kernel', target: 0, mode: 'continuous', size: 64 },
  { id: 'a2', kind: 'cpu-all', target: 2, mode: 'continuous', size: 64 },
  { id: 'u1', kind: 'thread-user', target: 1, mode: 'continuous', size: 64 },
  { id: 'k3', kind: 'thread-kernel', target: 3, mode: 'continuous', size: 64 },
  { id: 't4', kind: 'thread-all', target: 4, mode: 'continuous', size: 64 },
];

function whole(s: ExpectedStream): number[] {
  const out: number[] = [];
  while (s.ensure()) {
    out.push(...s.batch.words.subarray(s.pos * 6, s.batch.length * 6));
    s.pos = s.batch.length;
  }
  return out;
}

describe('epoch cache', () => {
  it('streams read through one small cache, interleaved unevenly, equal their own regeneration', () => {
    const alone = specs.map((s) => whole(new ExpectedStream(cfg, s)));
    const cache = new EpochCache(cfg, 3);
    const shared = specs.map((s) => new ExpectedStream(cfg, s, cache));
    const got: number[][] = specs.map(() => []);
    // Stream k takes k + 1 batches per round: they drift apart, so some reads hit, some miss.
    let live = true;
    while (live) {
      live = false;
      shared.forEach((s, k) => {
        for (let b = 0; b <= k; b++) {
          if (!s.ensure()) return;
          live = true;
          got[k]!.push(...s.batch.words.subarray(s.pos * 6, s.batch.length * 6));
          s.pos = s.batch.length;
        }
      });
    }
    got.forEach((g, k) => expect(g, specs[k]!.id).toEqual(alone[k]));
    expect(cache.hits).toBeGreaterThan(0);
    expect(cache.misses).toBeGreaterThan(0);
  });

  it("a ring's tail taken in step by step equals the end of its whole stream, for tails that wrap", () => {
    for (const spec of specs) {
      const all = whole(new ExpectedStream(cfg, spec));
      for (const keep of [1, 7, 500, 100_000]) {
        const keeper = new TailKeeper(cfg, spec, keep, new EpochCache(cfg));
        for (let e = 0; e < 20; e += 3) keeper.advance(e);
        const { total, tail } = keeper.finish();
        expect(total, `${spec.id} keep ${keep}`).toBe(all.length / 6);
        expect([...tail.words.subarray(0, tail.length * 6)], `${spec.id} keep ${keep}`).toEqual(all.slice(Math.max(0, all.length - keep * 6)));
      }
    }
  });
});
