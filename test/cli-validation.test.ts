// Bad input is refused at the boundary: exit 2, one line on stderr naming the field (or
// flag), the value and what is accepted, and no worker thread constructed. "No worker" is
// proved with the spawn log (BTSIM_TEST_SPAWN_LOG, written by run() before each `new
// Worker`), whose positive control below shows it does record a real run.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../dist/src/run/run.js';
import { MemoryBudgetError } from '../dist/src/run/memory-budget.js';
import { ConfigError } from '../dist/src/model/errors.js';
import { RUN_FLAGS } from '../dist/src/cli/options.js';
import { CLI, ROOT, runCli, scratch, spawnLog } from './cli-helpers.js';
// run() in this process: its spawn log comes from the test-only fault hooks.
import './support/fault-hooks.mjs';

let dir = '';
const cfgFile = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  dir = scratch();
});

interface Bad {
  name: string;
  args: () => string[];
  /** Substrings the one line must contain: the field or flag, the value, what is accepted. */
  says: string[];
}

const BAD: Bad[] = [
  { name: 'zero CPUs', args: () => ['--cpus', '0'], says: ['--cpus', ' 0 ', 'an integer from 1 to 256'] },
  { name: 'negative CPUs', args: () => ['--cpus', '-3'], says: ['--cpus', '-3', 'an integer from 1 to 256'] },
  { name: 'non-numeric CPUs', args: () => ['--cpus', 'four'], says: ['--cpus', '"four"', 'an integer from 1 to 256'] },
  { name: 'NaN', args: () => ['--cpus', 'NaN'], says: ['--cpus', '"NaN"', 'an integer'] },
  { name: 'fractional CPUs', args: () => ['--cpus', '1.5'], says: ['--cpus', '1.5', 'an integer'] },
  { name: 'too many CPUs', args: () => ['--cpus', '257'], says: ['--cpus', '257', 'from 1 to 256'] },
  { name: 'zero branches', args: () => ['--branches', '0'], says: ['--branches', ' 0 ', 'an integer from 1'] },
  { name: 'huge branches', args: () => ['--branches', '99999999999999999999'], says: ['--branches', '100000000000000000000', '2^53-1'] },
  { name: 'exponent syntax', args: () => ['--skid', '1e3'], says: ['--skid', '"1e3"', 'an integer from 0'] },
  { name: 'empty number', args: () => ['--batch='], says: ['--batch', '""', 'an integer from 1'] },
  { name: 'seed out of range', args: () => ['--seed', '4294967296'], says: ['--seed', '4294967296', 'from 0 to 4294967295'] },
  { name: 'buffer too small', args: () => ['--buffer-records', '8'], says: ['--buffer-records', ' 8 ', 'from 16'] },
  { name: 'threshold above buffer', args: () => ['--buffer-records', '64', '--threshold-records', '65'], says: ['--threshold-records', '65', '64'] },
  { name: 'memory budget exceeded', args: () => ['--cpus', '256', '--buffer-records', '67108864'], says: ['--memory-budget', 'needs 2359672 MiB', 'budget is 2048 MiB'] },
  { name: 'zero memory budget', args: () => ['--memory-budget', '0'], says: ['--memory-budget', ' 0 ', 'an integer from 1'] },
  { name: 'watchdog too short', args: () => ['--watchdog-ms', '5'], says: ['--watchdog-ms', ' 5 ', 'from 100'] },
  { name: 'unknown format', args: () => ['--format', '16'], says: ['--format', '16', '64 or 32'] },
  { name: 'format list of the wrong length', args: () => ['--cpus', '4', '--format', '64,32'], says: ['--format', '[64,32]', 'exactly 4 values'] },
  { name: 'unknown user-pc', args: () => ['--user-pc', 'hid'], says: ['--user-pc', '"hid"', '"hide", "show"', 'did you mean "hide"'] },
  { name: 'unknown consumer policy', args: () => ['--consumer-policy', 'never'], says: ['--consumer-policy', '"never"', '"wait", "drop"'] },
  { name: 'callback delay neither a count nor never', args: () => ['--callback-delay', 'soon'], says: ['--callback-delay', '"soon"', '"never", or an integer from 0'] },
  { name: 'negative callback delay', args: () => ['--callback-delay', '-1'], says: ['--callback-delay', '-1', 'an integer from 0'] },
  { name: 'one consumer buffer', args: () => ['--consumer-buffers', '1'], says: ['--consumer-buffers', ' 1 ', 'from 2'] },
  { name: 'unknown built-in design', args: () => ['--design', 'spare-swop'], says: ['--design', '"spare-swop"', 'spare-swap'] },
  { name: 'design file that does not exist', args: () => ['--design', './test/fixtures/no-such-design.mjs'], says: ['--design', 'no-such-design.mjs', 'existing ES module'] },
  { name: 'design module that exports nothing', args: () => ['--design', './test/fixtures/exports-nothing.mjs'], says: ['--design', 'exports-nothing.mjs', 'default export is a design'] },
  { name: 'unknown flag', args: () => ['--cpu', '2'], says: ["'--cpu'", 'did you mean --cpus'] },
  { name: 'dump directory that cannot be created', args: () => ['--dump', join(cfgFile('a-file', 'x'), 'sub')], says: ['--dump', 'a-file', 'a directory that can be created'] },
  { name: 'missing config file', args: () => ['--config', join(dir, 'missing.json')], says: ['--config', 'missing.json', 'existing JSON file'] },
  { name: 'malformed JSON', args: () => ['--config', cfgFile('bad.json', '{ "cpus": 2,, }')], says: ['--config', 'bad.json', 'a JSON object'] },
  { name: 'config that is not an object', args: () => ['--config', cfgFile('array.json', '[1, 2]')], says: ['--config', 'array.json', 'a JSON object'] },
  { name: 'unknown config field', args: () => ['--config', cfgFile('typo.json', '{ "bufferRecord": 64 }')], says: ['bufferRecord', 'a known field', 'did you mean "bufferRecords"'] },
  { name: 'unknown nested workload field', args: () => ['--config', cfgFile('threds.json', '{ "workload": { "threds": 4 } }')], says: ['workload.threds', 'did you mean "threads"'] },
  { name: 'workload rate out of range', args: () => ['--config', cfgFile('rate.json', '{ "workload": { "migrationRate": 2 } }')], says: ['workload.migrationRate', ' 2 ', 'a number from 0 to 1'] },
  { name: 'unknown consumer kind', args: () => ['--config', cfgFile('kind.json', '{ "consumers": [ { "kind": "cpu_all", "target": 0, "mode": "ring", "size": 64 } ] }')], says: ['consumers.0.kind', '"cpu_all"', '"cpu-all"', 'did you mean "cpu-all"'] },
  { name: 'consumer of a CPU that does not exist', args: () => ['--cpus', '2', '--config', cfgFile('target.json', '{ "consumers": [ { "kind": "cpu-all", "target": 9, "mode": "ring", "size": 64 } ] }')], says: ['consumers.0.target', ' 9 ', 'from 0 to 1'] },
  { name: 'consumer size zero', args: () => ['--config', cfgFile('size.json', '{ "consumers": [ { "kind": "cpu-all", "target": 0, "mode": "continuous", "size": 0 } ] }')], says: ['consumers.0.size', ' 0 ', 'an integer from 4'] },
  { name: 'config field of the wrong type', args: () => ['--config', cfgFile('type.json', '{ "cpus": "2" }')], says: ['cpus', '"2"', 'an integer from 1 to 256'] },
];

describe.concurrent('bad input: exit 2, one line naming the field, no worker started', () => {
  for (const bad of BAD) {
    it(bad.name, async () => {
      const log = join(scratch(), 'spawn.log');
      const r = await runCli(['run', ...bad.args()], { env: { BTSIM_TEST_SPAWN_LOG: log } });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^btsim: /);
      for (const s of bad.says) expect(lines[0]).toContain(s);
      expect(spawnLog(log).spawned).toEqual([]);
    });
  }
});

describe('the spawn log (positive control: it does see a run start workers)', () => {
  it('a valid run logs every worker it constructs, and each exit', async () => {
    const log = join(scratch(), 'spawn.log');
    const r = await runCli(['run', '--cpus', '2', '--branches', '4000', '--no-check'], { env: { BTSIM_TEST_SPAWN_LOG: log } });
    expect(r.code, r.stderr).toBe(0);
    const { spawned, exited } = spawnLog(log);
    expect(spawned.sort()).toEqual(['coordinator', 'cpus 0-1', 'sink']); // both CPUs in one worker (modelled clock), one sink (unchecked)
    expect(exited.sort()).toEqual(spawned.sort());
  });
});

describe('the library API refuses bad input before any worker', () => {
  const saved = process.env.BTSIM_TEST_SPAWN_LOG;
  afterEach(() => {
    if (saved === undefined) delete process.env.BTSIM_TEST_SPAWN_LOG;
    else process.env.BTSIM_TEST_SPAWN_LOG = saved;
  });

  it('throws a ConfigError naming the field', async () => {
    const log = join(scratch(), 'spawn.log');
    process.env.BTSIM_TEST_SPAWN_LOG = log;
    for (const [input, field] of [
      [{ cpus: 0 }, 'cpus'],
      [{ workload: { threads: 0 } }, 'workload.threads'],
      [{ bufferRecords: 64, thresholdRecords: 100 }, 'thresholdRecords'],
      [{ cpus: 256, bufferRecords: 1 << 26 }, 'memoryBudgetMiB'],
      [{ design: './test/fixtures/exports-nothing.mjs' }, 'design'],
    ] as const) {
      const err = await run(input as never).then(() => undefined, (e: unknown) => e);
      expect(err, JSON.stringify(input)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
    }
    expect(spawnLog(log).spawned).toEqual([]);
  });

  it('refuses 2.3 TB of buffers from the budget check, not from a failed allocation', async () => {
    const err = await run({ cpus: 256, bufferRecords: 1 << 26 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryBudgetError);
    expect((err as MemoryBudgetError).neededMiB).toBe(2_359_672);
    expect((err as MemoryBudgetError).budgetMiB).toBe(2_048);
    expect((err as Error).message).toContain('--memory-budget');
  });
});

describe('help and version', () => {
  it('`btsim run --help` lists every flag with its default, and no test hook', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    const flags = [...RUN_FLAGS.map((f: { flag: string }) => `--${f.flag}`), '--config', '--no-check', '--json', '--dump'];
    for (const flag of flags) {
      // The option's entry runs from its flag to the next option (descriptions wrap).
      const at = r.stdout.indexOf(`  ${flag} `);
      expect(at, flag).toBeGreaterThanOrEqual(0);
      const next = r.stdout.indexOf('\n  -', at + 1);
      const entry = r.stdout.slice(at, next < 0 ? undefined : next).replace(/\s+/g, ' ');
      expect(entry, flag).toMatch(/\(default: [^)]+\)/);
    }
    expect(r.stdout).not.toMatch(/BTSIM_TEST|inject/i);
  });

  it('`btsim --help` lists the commands; `btsim --version` prints the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^\s+run \[options\]/m);
    expect(help.stdout).toMatch(/--version/);
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown command is a usage error with a suggestion', async () => {
    const r = await runCli(['rnu']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("btsim: unknown command 'rnu' (did you mean run?)");
  });
});

// util-linux `script` gives the command a pseudo-terminal, so the TTY case can be tested.
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('progress bar', () => {
  const onTty = (args: string) =>
    execFileSync('script', ['-qec', `"${process.execPath}" "${CLI}" run --cpus 2 --branches 6000000 --no-check ${args}`, '/dev/null'], {
      cwd: ROOT, encoding: 'utf8', timeout: 60_000,
    });

  it.skipIf(!hasScript)('a run longer than a second on a terminal shows throughput and ETA; --json shows none', () => {
    const plain = onTty('');
    expect(plain).toMatch(/\d[\d,]*\/s \| ETA \d+s/);
    expect(plain).toMatch(/unchecked \(--no-check\)/); // the run's last line
    const json = onTty('--json');
    expect(json).not.toContain('ETA');
    expect(json).toContain('"schema": "btsim.run/2"');
  });
});
