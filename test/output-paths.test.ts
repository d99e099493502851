// Output paths are checked before any work (issue 15, item 13): a run used to go all the way
// and then fail with ENOENT writing its timeline (exit 1), report/sweep/merge gave stack
// traces, `--dump /sys/kernel` said "sink failed", and `--timeline ''` was ignored.
// Now: exit 2, one line naming the flag, nothing run.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../dist/src/run/run.js';
import { ConfigError } from '../dist/src/model/errors.js';
import { runCli, scratch, spawnLog } from './cli-helpers.js';
// run() in this process: its spawn log comes from the test-only fault hooks.
import './support/fault-hooks.mjs';

let dir = '';
let sweepFile = '';
beforeAll(async () => {
  dir = scratch();
  sweepFile = join(dir, 'one.ndjson');
  const r = await runCli(['sweep', '--out', sweepFile, '--cpus', '1', '--branches', '2000']);
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(join(dir, 'a-file'), 'x');
});

const CASES: [string, () => string[], string[]][] = [
  ['run --timeline in a directory that does not exist', () => ['run', '--timeline', '/nonexistent/x.json'], ['--timeline', '/nonexistent/x.json', 'ENOENT']],
  ["run --timeline ''", () => ['run', '--timeline', ''], ['--timeline', '""', 'the path of a file to write']],
  ['run --timeline DIRECTORY', () => ['run', '--timeline', dir], ['--timeline', 'not a directory']],
  ["run --dump ''", () => ['run', '--dump', ''], ['--dump', '""', 'the path of a directory']],
  ['run --dump /sys/kernel (exists, cannot be written)', () => ['run', '--dump', '/sys/kernel'], ['--dump', '/sys/kernel', 'a directory files can be written into']],
  ['run --dump under a file', () => ['run', '--dump', join(dir, 'a-file', 'sub')], ['--dump', 'a directory that can be created']],
  ['report --html in a directory that does not exist', () => ['report', sweepFile, '--html', '/nonexistent/a.html'], ['--html', '/nonexistent/a.html', 'ENOENT']],
  ["report --html ''", () => ['report', sweepFile, '--html', ''], ['--html', '""']],
  ['sweep --out in a directory that does not exist', () => ['sweep', '--out', '/nonexistent/x.ndjson', '--cpus', '1', '--branches', '2000'], ['--out', '/nonexistent/x.ndjson', 'ENOENT']],
  ['sweep --out /dev/null (not a file it can append to and resume from)', () => ['sweep', '--out', '/dev/null', '--cpus', '1', '--branches', '2000'], ['--out', 'a regular file']],
  ['merge into a directory that does not exist', () => ['merge', '/nonexistent/m.ndjson', sweepFile], ['OUT', '/nonexistent/m.ndjson', 'ENOENT']],
  ['merge into /dev/null (it would be replaced by a rename)', () => ['merge', '/dev/null', sweepFile], ['OUT', 'a regular file']],
];

describe.concurrent('an output path that cannot be written: exit 2, one line, nothing run', () => {
  for (const [name, args, says] of CASES) {
    it(name, async () => {
      const log = join(scratch(), 'spawn.log');
      const t0 = Date.now();
      const r = await runCli(args(), { env: { BTSIM_TEST_SPAWN_LOG: log } });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines, r.stderr).toHaveLength(1);
      for (const s of says) expect(lines[0]).toContain(s);
      expect(spawnLog(log).spawned).toEqual([]);
      expect(Date.now() - t0).toBeLessThan(5_000);
    });
  }
});

describe('the checks leave nothing behind, and the library refuses the same way', () => {
  it('a refused run leaves no probe file, and a good path gets only the real output', async () => {
    const out = scratch();
    const r = await runCli(['run', '--cpus', '1', '--branches', '2000', '--dump', join(out, 'd'), '--timeline', join(out, 't.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(out, 'd')).filter((f) => f.startsWith('.btsim-probe'))).toEqual([]);
    expect(existsSync(join(out, 't.json'))).toBe(true);
    // Refused later (a bad design): the timeline probe did not leave an empty file.
    const t2 = join(out, 't2.json');
    const bad = await runCli(['run', '--timeline', t2, '--design', 'no-such-design']);
    expect(bad.code).toBe(2);
    expect(existsSync(t2)).toBe(false);
  });

  it('run() throws a ConfigError naming timelineFile before starting anything', async () => {
    const log = join(scratch(), 'spawn.log');
    process.env.BTSIM_TEST_SPAWN_LOG = log;
    try {
      const e = await run({ cpus: 1, branches: 1000 }, { timelineFile: '/nonexistent/t.json' }).then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toBe('timelineFile');
      expect(spawnLog(log).spawned).toEqual([]);
    } finally {
      delete process.env.BTSIM_TEST_SPAWN_LOG;
    }
  });
});
