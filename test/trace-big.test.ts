// Issue 18: a bigger real program than the fixtures (test/fixtures/traces/src/big.c, about 3
// million branches), compiled and traced with QEMU by the test itself when gcc and qemu-user
// are installed (.ci/run installs them), replayed streamed, and checked against the readers'
// separate count of the log.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countTrace } from '../dist/src/workload/trace/open-trace.js';

const QEMU = '/usr/bin/qemu-x86_64';
const GCC = '/usr/bin/gcc';
const have = existsSync(QEMU) && existsSync(GCC);
const CLI = new URL('../dist/src/cli/main.js', import.meta.url).pathname;
const SRC = new URL('./fixtures/traces/src/big.c', import.meta.url).pathname;

if (!have) {
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n!! ${!existsSync(QEMU) ? QEMU : GCC} not found: the bigger-program trace test is SKIPPED.\n` +
    `!! Install them (as root): apt-get update && apt-get install -y gcc qemu-user\n${bar}\n\n`);
}

const dir = mkdtempSync(join(tmpdir(), 'btsim-big-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a bigger real program, traced here with QEMU', () => {
  it.skipIf(!have)('about 3 million branches, streamed in a small heap: the thread-user stream is the readers\' count, delivered whole', async () => {
    const bin = join(dir, 'big');
    const log = join(dir, 'big.log');
    execFileSync(GCC, ['-O1', '-static', '-o', bin, SRC]);
    let t = Date.now();
    execFileSync(QEMU, ['-d', 'in_asm,exec,nochain,strace', '-D', log, bin], { env: {}, stdio: ['ignore', 'ignore', 'inherit'] });
    const traced = Date.now() - t;
    t = Date.now();
    const c = await countTrace(`qemu:${log}`);
    const counted = Date.now() - t;
    expect(c.branches).toBeGreaterThan(2_500_000);
    expect(c.nonReturningSyscalls).toBe(1);
    // The log is several times the heap the run gets: it can only pass streamed.
    const bytes = statSync(log).size;
    expect(bytes).toBeGreaterThan(3 * 128 * 1024 * 1024);
    t = Date.now();
    const p = spawnSync('node', ['--max-old-space-size=128', CLI, 'run', '--workload', `qemu:${log}`, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const ran = Date.now() - t;
    expect(p.status, p.stderr).toBe(0);
    const r = JSON.parse(p.stdout);
    const user = r.consumers.find((x: { id: string }) => x.id === 'tid1-user');
    expect(user.expected).toBe(c.branches + 2 * c.returningSyscalls + c.nonReturningSyscalls);
    expect(user.delivered).toBe(user.expected);
    expect(r.ok).toBe(true);
    process.stdout.write(`big.c: ${c.branches} branches, log ${(bytes / 1e6).toFixed(0)} MB; traced in ${traced} ms, counted in ${counted} ms, replayed in ${ran} ms\n`);
  }, 600_000);
});
