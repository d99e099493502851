// Trace files that cannot be replayed as one task (issue 15, item 17): an empty or
// comments-only trace ran as "1 CPUs x 1 branches" and passed; a perf script file with
// samples of several threads was merged into one task. Both are refused: exit 2, one line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PerfScriptReader } from '../dist/src/workload/trace/perf-script-reader.js';
import { MixedThreadsError } from '../dist/src/workload/trace/trace-error.js';
import { ROOT, runCli, scratch, spawnLog } from './cli-helpers.js';

const PERF = join(ROOT, 'test/fixtures/traces/perf-script-loop.txt');
let dir = '';
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  dir = scratch();
});

async function refused(spec: string, says: string[]): Promise<void> {
  const log = join(scratch(), 'spawn.log');
  const r = await runCli(['run', '--workload', spec, '--no-check'], { env: { BTSIM_TEST_SPAWN_LOG: log } });
  expect(r.code, r.stdout + r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  for (const s of says) expect(lines[0]).toContain(s);
  expect(spawnLog(log).spawned).toEqual([]);
}

describe('a trace with nothing to replay is refused', () => {
  it('an empty perf script file', () => refused(`perf-script:${file('empty.txt', '')}`, ['--workload', 'empty.txt', 'at least one branch', 'empty, or only comments']));
  it('an empty QEMU log', () => refused(`qemu:${file('empty.log', '')}`, ['--workload', 'empty.log', 'at least one branch']));
  it('a perf script file of comments and blank lines only', () =>
    refused(`perf-script:${file('comments.txt', '# ========\n# captured on: today\n\n#\n')}`, ['comments.txt', 'empty, or only comments']));
  it('the perf script header alone (sideband events, no sample)', () => {
    const header = readFileSync(PERF, 'utf8').split('\n').filter((l) => !l.includes('=>')).join('\n');
    return refused(`perf-script:${file('header.txt', header)}`, ['header.txt', 'at least one branch']);
  });
});

describe('a perf script file with samples of several threads is refused (split it with perf script --tid)', () => {
  const sample = (tid: string, cpu = '[001]') => `            loop ${tid.padStart(7)} ${cpu}  5432.100002:          1    branches:           40150b _start+0x1b (/tmp/loop) =>           4028a0 __libc_start_main_impl+0x0 (/tmp/loop)`;

  it('from the CLI: one line with the line number and both threads', async () => {
    const lines = readFileSync(PERF, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('=>')) + 5;
    lines.splice(at, 0, sample('8470'));
    await refused(`perf-script:${file('two-threads.txt', lines.join('\n'))}`, [
      `line ${at + 1}: a sample of thread 8470, after samples of thread 8462`, 'perf script --tid=TID',
    ]);
  });

  it('the thread is read from the column before [CPU], before the time without one, or PID/TID', () => {
    const cases: [string, string][] = [
      ['before [CPU]', `${sample('100')}\n${sample('101')}\n`],
      ['PID/TID', `${sample('100/100')}\n${sample('100/101')}\n`],
      ['before the time', `   loop   100  5432.1: 1 branches: 40150b => 4028a0\n   loop   101  5432.2: 1 branches: 40150b => 4028a0\n`],
    ];
    for (const [name, text] of cases) {
      const reader = new PerfScriptReader(file(`t-${name.replace(/\W/g, '')}.txt`, text));
      expect(reader.next(), name).not.toBeNull();
      expect(() => reader.next(), name).toThrow(MixedThreadsError);
      reader.close();
    }
  });

  it('samples of one thread, or a file without a thread column (-F ip,addr), are one task', () => {
    for (const text of [`${'   7f1234567890 =>     7f1234567000\n'.repeat(3)}`, `${sample('100')}\n${sample('100', '[002]')}\n`]) {
      const reader = new PerfScriptReader(file('one.txt', text));
      let n = 0;
      while (reader.next()) n++;
      expect(n).toBeGreaterThanOrEqual(2);
    }
  });
});
