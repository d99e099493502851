/**
 * btsim sweep / merge: a grid of 2 designs x 3 buffer sizes x 2 CPU counts is killed part
 * way, resumed (12 lines, none run twice), and the same grid run as 3 shards and merged
 * gives the same 12 points. Bad input is refused before anything runs (exit 2, one line).
 */
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, countLines, readLines, startCli, writeUserDesign } from './sweep-helpers.js';

let dir: string;
const GRID = ['--designs', 'spare-swap,./my-swap.js', '--param', 'bufferRecords=256,1024,4096', '--param', 'cpus=1,2', '--branches', '20000'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'btsim-sweep-'));
  writeUserDesign(dir);
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe('btsim sweep', () => {
  let fullKeys: string[] = [];

  it('is killed part way, resumes, and ends with the 12 points once each', async () => {
    const out = join(dir, 'full.ndjson');
    const { child, done } = startCli(['sweep', '--out', out, ...GRID], dir);
    const t0 = Date.now();
    while (countLines(out) < 3 && Date.now() - t0 < 60_000) await sleep(20);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const before = readLines(out);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(12);

    // A write cut short by the kill: the resume must cut it off, not build on it.
    appendFileSync(out, '{"schema":"btsim.sweep/1","key":"bufferRe');

    const resumed = await cli(['sweep', '--out', out, ...GRID], dir);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`${before.length} already in`);
    expect(resumed.stdout).toContain(`ran ${12 - before.length} in`);

    const after = readLines(out);
    expect(after).toHaveLength(12);
    expect(new Set(after.map((l) => l.key)).size).toBe(12);
    // The points written before the kill were kept as they were, not run again.
    expect(after.slice(0, before.length).map((l) => l.key)).toEqual(before.map((l) => l.key));
    // Every combination is there, each run with its own parameters.
    for (const l of after) {
      expect(l.result.complete).toBe(true);
      expect(l.result.ok).toBe(true);
      expect(l.result.config.cpus).toBe(l.params.cpus);
      expect(l.result.config.bufferRecords).toBe(l.params.bufferRecords);
      expect(l.result.config.branches).toBe(20_000);
    }
    expect(new Set(after.map((l) => l.design))).toEqual(new Set(['spare-swap', './my-swap.js']));
    expect(new Set(after.map((l) => `${l.params.bufferRecords}/${l.params.cpus}`)).size).toBe(6);

    // Nothing left: a third run runs nothing.
    const again = await cli(['sweep', '--out', out, ...GRID], dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('ran 0 in');
    expect(countLines(out)).toBe(12);
    fullKeys = after.map((l) => l.key).sort();
  });

  it('sharded in 3 and merged gives the same 12 points, in an order independent of the shards', async () => {
    const shards = [1, 2, 3].map((i) => join(dir, `shard${i}.ndjson`));
    // The shards run at once, as a batch system would run them.
    const runs = await Promise.all(shards.map((out, i) => cli(['sweep', '--out', out, '--shard', `${i + 1}/3`, ...GRID], dir)));
    for (const r of runs) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const parts = shards.map(readLines);
    expect(parts.map((p) => p.length)).toEqual([4, 4, 4]);
    const union = parts.flat().map((l) => l.key);
    expect(new Set(union).size).toBe(12);

    const merged = join(dir, 'merged.ndjson');
    const m = await cli(['merge', merged, ...shards], dir);
    expect(m.code).toBe(0);
    expect(m.stdout).toContain('12 points');
    const lines = readLines(merged);
    expect(lines.map((l) => l.key).sort()).toEqual(fullKeys);

    // Dedupe: merging a shard twice, in another order, gives the same file.
    const merged2 = join(dir, 'merged2.ndjson');
    const m2 = await cli(['merge', merged2, shards[2]!, shards[0]!, shards[1]!, shards[0]!], dir);
    expect(m2.code).toBe(0);
    expect(m2.stdout).toContain('4 duplicates dropped');
    expect(readFileSync(merged2, 'utf8')).toBe(readFileSync(merged, 'utf8'));

    // The merged file is a complete sweep: resuming it runs nothing.
    const resume = await cli(['sweep', '--out', merged, ...GRID], dir);
    expect(resume.code).toBe(0);
    expect(resume.stdout).toContain('ran 0 in');
  });

  it('--max-points stops after N new points and a rerun goes on', async () => {
    const out = join(dir, 'limited.ndjson');
    const args = ['sweep', '--out', out, '--designs', 'spare-swap', '--param', 'cpus=1,2', '--seeds', '1,2', '--branches', '10000'];
    const a = await cli([...args, '--max-points', '3'], dir);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('1 left');
    expect(countLines(out)).toBe(3);
    const b = await cli(args, dir);
    expect(b.code).toBe(0);
    const lines = readLines(out);
    expect(lines).toHaveLength(4);
    expect(new Set(lines.map((l) => `${l.params.cpus}/${l.seed}`))).toEqual(new Set(['1/1', '1/2', '2/1', '2/2']));
  });
});

describe('btsim sweep: bad input is refused before anything runs', () => {
  const cases: [string, string[], RegExp][] = [
    ['--param without =', ['--param', 'cpus'], /^btsim: --param: "cpus" is not accepted; expected NAME=V1,V2/],
    ['unknown field', ['--param', 'cpu=1,2'], /^btsim: --param cpu: .*did you mean "cpus"/],
    ['unknown nested field', ['--param', 'workload.sycallRate=1,2'], /^btsim: --param workload\.sycallRate: .*did you mean "syscallRate"/],
    ['a value out of range', ['--param', 'cpus=1,0'], /^btsim: --param cpus: 0 is not accepted; expected an integer from 1 to 256/],
    ['a value that is not a number', ['--param', 'bufferRecords=256,1k'], /^btsim: --param bufferRecords: "1k" is not accepted/],
    ['a nested value out of range', ['--param', 'workload.syscallRate=4,900'], /^btsim: --param workload\.syscallRate: 900 is not accepted/],
    ['an empty value', ['--param', 'cpus=1,,2'], /^btsim: --param cpus: .*none empty/],
    ['a field swept twice', ['--param', 'cpus=1', '--param', 'cpus=2'], /^btsim: --param cpus: .*one --param per field/],
    ['seed as a --param', ['--param', 'seed=1,2'], /^btsim: --param seed: .*--seeds/],
    ['an object field without JSON', ['--param', 'consumers=a,b'], /^btsim: --param consumers: .*JSON array/],
    ['an unknown design', ['--designs', 'spare-swap,spare-swpa'], /^btsim: --designs: "spare-swpa" is not accepted; .*did you mean "spare-swap"/],
    ['a missing design module', ['--designs', './nope.js'], /^btsim: --designs: "\.\/nope\.js" is not accepted/],
    ['bad seeds', ['--seeds', '1,x'], /^btsim: --seeds: "x" is not accepted/],
    ['a bad shard', ['--shard', '4/3'], /^btsim: --shard: "4\/3" is not accepted; expected I\/N/],
    ['--jobs 0', ['--jobs', '0'], /^btsim: --jobs: "0" is not accepted; expected an integer from 1 to 256 /],
    ['--jobs abc', ['--jobs', 'abc'], /^btsim: --jobs: "abc" is not accepted; expected an integer from 1 to 256 /],
    ['--jobs 257', ['--jobs', '257'], /^btsim: --jobs: "257" is not accepted; expected an integer from 1 to 256 /],
    ['--jobs 1.5', ['--jobs', '1.5'], /^btsim: --jobs: "1.5" is not accepted; expected an integer from 1 to 256 /],
    ['a bad shared flag', ['--branches', '0'], /^btsim: --branches: 0 is not accepted/],
    ['an unknown flag', ['--cpu', '2'], /^btsim: unknown option '--cpu'/],
    ['a combination that cannot run', ['--param', 'bufferRecords=64,256', '--threshold-records', '100'], /^btsim: --param bufferRecords: .*|^btsim: --threshold-records: /],
  ];
  for (const [what, args, re] of cases) {
    it(what, async () => {
      const out = join(dir, `bad-${what.replace(/\W+/g, '-')}.ndjson`);
      const r = await cli(['sweep', '--out', out, '--branches', '10000', ...args], dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(re);
      expect(countLines(out)).toBe(0);
    });
  }

  it('a file of another sweep (other shared settings) is not resumed into', async () => {
    const out = join(dir, 'other.ndjson');
    const a = await cli(['sweep', '--out', out, '--param', 'cpus=1', '--branches', '10000'], dir);
    expect(a.code).toBe(0);
    const b = await cli(['sweep', '--out', out, '--param', 'cpus=1,2', '--branches', '20000'], dir);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^btsim: --out: .*other shared settings \(branches: 10000 there, 20000 here\)/);
    expect(countLines(out)).toBe(1);
  });

  it('merge refuses shards of different sweeps', async () => {
    const a = join(dir, 'm-a.ndjson');
    const b = join(dir, 'm-b.ndjson');
    expect((await cli(['sweep', '--out', a, '--branches', '10000'], dir)).code).toBe(0);
    expect((await cli(['sweep', '--out', b, '--branches', '12000'], dir)).code).toBe(0);
    const m = await cli(['merge', join(dir, 'm.ndjson'), a, b], dir);
    expect(m.code).toBe(2);
    expect(m.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(m.stderr).toMatch(/^btsim: IN: .*shards of one sweep, but its points belong to a sweep with other shared settings \(branches: 12000 in m-b\.ndjson, 10000 in m-a\.ndjson\)\n$/);
  });
});
