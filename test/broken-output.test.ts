// Output that cannot be written (issue 15, item 14): a reader that went away (`| head -1`)
// ends the command quietly; a full disk is one line, never a stack trace.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from './cli-helpers.js';

/** Run btsim with stdout already closed by its reader (the worst case of `| head`), or into `stdoutFd`. */
function runInto(args: string[], stdoutFd?: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'] });
    // Close the reading end before the command has written anything: each write gets EPIPE.
    if (stdoutFd === undefined) child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a closed pipe ends the command quietly (exit 141, as SIGPIPE would)', () => {
  const CASES: [string, string[]][] = [
    ['btsim designs', ['designs']],
    ['btsim sweep --dry-run', ['sweep', '--dry-run', '--out', '/tmp/btsim-never-written.ndjson', '--param', 'cpus=1,2,3', '--seeds', '1,2']],
    ['btsim stress --mutants', ['stress', '--mutants', '--runs', '1', '--scheduler', 'random']],
    ['btsim run', ['run', '--cpus', '1', '--branches', '2000']],
  ];
  for (const [name, args] of CASES) {
    it(name, async () => {
      const r = await runInto(args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(141);
    });
  }
});

describe('a full disk', () => {
  it('btsim run > /dev/full: one line naming ENOSPC, exit 1', async () => {
    const r = await runInto(['run', '--cpus', '1', '--branches', '2000'], openSync('/dev/full', 'w'));
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^btsim: cannot write the output: ENOSPC/);
  });
});
