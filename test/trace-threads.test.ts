// Issue 18: a multi-threaded program's QEMU log (test/fixtures/traces/src/threads.c: two
// threads, a loop each) gives a task per thread, each with its own branches and system calls.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { QemuTraceReader } from '../dist/src/workload/trace/qemu-reader.js';
import { prepareTrace } from '../dist/src/workload/trace/open-trace.js';
import { expectAccountingHolds, run } from './helpers.js';
import { FIXTURES, fixtureText, simpleQemuReading } from './trace-simple-reading.js';

const LOG = 'qemu-threads.log.gz';
const CLI = new URL('../dist/src/cli/main.js', import.meta.url).pathname;

function readThread(path: string, vcpu: number) {
  const r = new QemuTraceReader(path, path, vcpu);
  let branches = 0;
  const syscalls: string[] = [];
  try {
    for (let e = r.next(); e !== null; e = r.next()) {
      if (e.kind === 'branch') branches++;
      else syscalls.push(e.name);
    }
  } finally {
    r.close();
  }
  return { branches, syscalls };
}

describe('a two-thread program traced with QEMU', () => {
  const text = fixtureText(LOG);
  const main = simpleQemuReading(text, 0);
  const second = simpleQemuReading(text, 1);

  it('the log holds two threads; every strace line is one thread\'s', () => {
    expect(main.threads).toEqual([0, 1]);
    expect(main.syscalls.length + second.syscalls.length).toBe(main.straceLines);
    // The second thread ends with exit, the program with exit_group.
    expect(second.syscalls.at(-1)).toBe('exit');
    expect(main.syscalls.at(-1)).toBe('exit_group');
    expect(main.syscalls).toContain('clone');
  });

  it('the reader follows each thread: its branches and system calls, as a separate reading counts them', async () => {
    const p = await prepareTrace(`qemu:${join(FIXTURES, LOG)}`);
    try {
      for (const [vcpu, simple] of [[0, main], [1, second]] as const) {
        const got = readThread(p.path, vcpu);
        expect(got.branches).toBe(simple.branches);
        expect(got.syscalls.map((n, i) => (simple.syscalls[i]!.startsWith('#') ? simple.syscalls[i] : n))).toEqual(simple.syscalls);
        expect(got.branches).toBeGreaterThan(50);
      }
    } finally {
      p.cleanup();
    }
  });

  for (const cpus of [1, 2]) {
    it(`${cpus} CPU(s): two tasks, each thread-user stream its thread's branches + 2 x returning syscalls + non-returning ones`, async () => {
      const r = await run({ traces: [`qemu:${join(FIXTURES, LOG)}`], cpus, workload: { timesliceBranches: 256 } });
      expectAccountingHolds(r);
      const get = (id: string) => r.consumers.find((c) => c.id === id)!;
      for (const [tid, s] of [[1, main], [2, second]] as const) {
        const returning = s.syscalls.length - s.nonReturning;
        expect(get(`tid${tid}-user`).expected).toBe(s.branches + 2 * returning + s.nonReturning);
        expect(get(`tid${tid}-user`).delivered).toBe(get(`tid${tid}-user`).expected);
      }
      expect(r.consumers.map((c) => c.id)).toEqual(expect.arrayContaining(['tid1-all', 'tid2-all', 'tid2-kernel']));
      expect(r.consumers.some((c) => c.id === 'tid3-user')).toBe(false);
    });
  }

  it('a vCPU that runs again after its thread\'s exit (QEMU reused the index) is refused with its line number', () => {
    const dir = mkdtempSync(join(tmpdir(), 'btsim-threads-'));
    const f = join(dir, 'reuse.log');
    writeFileSync(f, [
      'IN: a', '0x00401000:  0f 05                    syscall', '',
      'Trace 0: 0x1 [0000000000000000/0000000000401000/1040c0b3/00000200] a',
      '7 getpid() = 7',
      'Trace 1: 0x1 [0000000000000000/0000000000401000/1040c0b3/00000200] a',
      '7 exit(0)',
      'Trace 1: 0x1 [0000000000000000/0000000000401000/1040c0b3/00000200] a', '',
    ].join('\n'));
    const r = new QemuTraceReader(f, f, 1);
    expect(() => { while (r.next()) { /* read */ } }).toThrow(/line 8.*after its thread's exit/);
  });

  it('workload.syntheticThreads without --workload: exit 2, one line naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'btsim-threads-'));
    const f = join(dir, 'c.json');
    writeFileSync(f, JSON.stringify({ workload: { syntheticThreads: 2 } }));
    const p = spawnSync('node', [CLI, 'run', '--config', f], { encoding: 'utf8' });
    expect(p.status).toBe(2);
    expect(p.stderr.trim().split('\n')).toHaveLength(1);
    expect(p.stderr).toMatch(/workload\.syntheticThreads.*--workload/);
  });

  it('a strace line two threads could own is refused with its line number', () => {
    const dir = mkdtempSync(join(tmpdir(), 'btsim-threads-'));
    const f = join(dir, 'two.log');
    writeFileSync(f, [
      'IN: a', '0x00401000:  0f 05                    syscall', '',
      'Trace 0: 0x1 [0000000000000000/0000000000401000/1040c0b3/00000200] a',
      'Trace 1: 0x1 [0000000000000000/0000000000401000/1040c0b3/00000200] a',
      '7 getpid() = 7', '',
    ].join('\n'));
    const r = new QemuTraceReader(f, f, 0);
    expect(() => { while (r.next()) { /* read */ } }).toThrow(/line 6.*only one thread can own/);
  });
});
