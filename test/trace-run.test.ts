// btsim run --workload: real programs' traces replayed through the whole data path.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDump } from '../dist/src/consumers/dump.js';
import { expectAccountingHolds, run } from './helpers.js';
import { FIXTURES, fixtureText, simpleQemuReading } from './trace-simple-reading.js';

const CLI = new URL('../dist/src/cli/main.js', import.meta.url).pathname;
const KERNEL_HALF = 0xffff_8000_0000_0000n;

describe('replaying QEMU traces', () => {
  for (const name of ['qemu-tiny.log.gz', 'qemu-loop-static.log.gz', 'qemu-loop-dynamic.log.gz']) {
    it(`${name}: the thread-user consumer expects taken branches + 2 x returning syscalls + non-returning ones`, () => {
      const simple = simpleQemuReading(fixtureText(name));
      const returning = simple.syscalls.length - simple.nonReturning;
      const out = execFileSync('node', [CLI, 'run', '--workload', `qemu:${join(FIXTURES, name)}`, '--json'], { encoding: 'utf8' });
      const r = JSON.parse(out);
      const user = r.consumers.find((c: { id: string }) => c.id === 'tid1-user');
      expect(user.expected).toBe(simple.branches + 2 * returning + simple.nonReturning);
      expect(user.delivered).toBe(user.expected);
      expect(r.ok).toBe(true);
    });
  }
});

describe('replaying perf script traces', () => {
  it('kernel-half addresses are kernel branches: never in the user-only stream, all in the kernel views', async () => {
    const text = fixtureText('perf-script-loop.txt');
    // A separate reading: on each "=>" line, the source is the last whitespace-separated
    // hex number of 6+ digits before the arrow, the target the first one after it.
    const hex = /^[0-9a-f]{6,16}$/;
    const pairs = text.split('\n').filter((l) => l.includes('=>') && !l.startsWith('#')).flatMap((l) => {
      const [left, right] = l.split('=>');
      const f = left!.trim().split(/\s+/).filter((t) => hex.test(t)).pop();
      const t = right!.trim().split(/\s+/).find((x) => hex.test(x));
      return f && t ? [[BigInt('0x' + f), BigInt('0x' + t)] as const] : [];
    });
    const userOnly = pairs.filter(([f, t]) => f < KERNEL_HALF && t < KERNEL_HALF).length;
    const kernelSide = pairs.length - userOnly;
    expect(kernelSide).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'btsim-perf-'));
    const r = await run({ traces: [`perf-script:${join(FIXTURES, 'perf-script-loop.txt')}`] }, { dumpDir: dir });
    expectAccountingHolds(r);
    const get = (id: string) => r.consumers.find((c) => c.id === id)!;
    expect(get('tid1-user').expected).toBe(userOnly);
    expect(get('tid1-all').expected).toBe(pairs.length);
    expect(get('tid1-kernel').expected).toBe(kernelSide);
    for (const rec of readDump(join(dir, 'tid1-user.bts'))) {
      expect(rec.from < KERNEL_HALF && rec.to < KERNEL_HALF).toBe(true);
    }
  });

  it('several --workload flags: one task each, on its own CPU, in its own address space', async () => {
    const r = await run({ traces: [`perf-script:${join(FIXTURES, 'perf-script-loop.txt')}`, `qemu:${join(FIXTURES, 'qemu-tiny.log.gz')}`] });
    expectAccountingHolds(r);
    expect(r.cpus).toHaveLength(2);
    expect(r.consumers.map((c) => c.id)).toEqual(expect.arrayContaining(['tid1-user', 'tid2-user', 'cpu0-all', 'cpu1-all']));
  });
});

describe('bad trace input', () => {
  it('a file that is not the format named: exit 2, one line with the line number', () => {
    const p = spawnSync('node', [CLI, 'run', '--workload', `qemu:${join(FIXTURES, 'perf-script-loop.txt')}`], { encoding: 'utf8' });
    expect(p.status).toBe(2);
    expect(p.stdout).toBe('');
    expect(p.stderr.trim().split('\n')).toHaveLength(1);
    expect(p.stderr).toMatch(/--workload .*line \d+/);
  });
  it('--branches with --workload is refused', () => {
    const p = spawnSync('node', [CLI, 'run', '--workload', `qemu:${join(FIXTURES, 'qemu-tiny.log.gz')}`, '--branches', '100'], { encoding: 'utf8' });
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/--branches/);
  });
});
