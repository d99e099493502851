// A gzip-compressed trace is unpacked into a temporary file (issue 15, item 11): one that
// unpacked to 1.35 GB left its 1.3 GB copy behind on SIGTERM, and Ctrl-C took 13 s (the
// unpacking and the measuring ran to the end first). Now: capped, stopped within 2 s by
// SIGINT or SIGTERM whether it is unpacking or measuring, and no temporary file left.
import { createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prepareTrace } from '../dist/src/workload/trace/open-trace.js';
import { ConfigError } from '../dist/src/model/errors.js';
import type { RunResult } from '../dist/src/run/result.js';
import { ROOT, runCli, scratch } from './cli-helpers.js';

const LINE = '  7f1234567890 =>     7f1234567000\n';
const CHUNK = Buffer.from(LINE.repeat(Math.floor((1 << 20) / LINE.length)));
const CHUNKS = 200;
/** What the big trace unpacks to (about 200 MiB). */
const UNPACKED = CHUNK.length * CHUNKS;
const STOP_BOUND_MS = 2_000;

let big = '';
beforeAll(async () => {
  big = join(scratch(), 'big.perf.gz');
  const gz = createGzip({ level: 6 });
  const done = once(gz.pipe(createWriteStream(big)), 'finish');
  for (let i = 0; i < CHUNKS; i++) if (!gz.write(CHUNK)) await once(gz, 'drain');
  gz.end();
  await done;
});

const temps = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith('btsim-trace-'));

describe('the unpacked size is capped', () => {
  const saved = process.env.TMPDIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  });

  it('past the cap: a ConfigError naming --workload, and the partial copy is removed', async () => {
    const tmp = scratch();
    process.env.TMPDIR = tmp;
    const e = await prepareTrace(`qemu:${join(ROOT, 'test/fixtures/traces/qemu-tiny.log.gz')}`, { maxUnpackedBytes: 1000 }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(/^--workload: .*qemu-tiny\.log\.gz.* a compressed trace that unpacks to at most 1000 bytes/);
    expect(temps(tmp)).toEqual([]);
  });

  it('an AbortSignal stops the unpacking and removes the partial copy', async () => {
    const tmp = scratch();
    process.env.TMPDIR = tmp;
    const ac = new AbortController();
    const p = prepareTrace(`perf-script:${big}`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await expect(p).rejects.toThrow(/abort/i);
    expect(temps(tmp)).toEqual([]);
  });
});

/**
 * Run btsim on the big trace with its own TMPDIR, and send `sig` once `when` says so (it is
 * polled every 20 ms with the temporary file's size, or -1 before there is one).
 */
async function interrupt(sig: NodeJS.Signals, when: (size: number) => boolean) {
  const tmp = scratch();
  let sentAt = 0;
  let sizeAtSignal = -1;
  const r = await runCli(['run', '--workload', `perf-script:${big}`, '--no-check', '--json'], {
    env: { TMPDIR: tmp },
    onStart: (child) => {
      const poll = setInterval(() => {
        const dirs = temps(tmp);
        const f = dirs.length ? join(tmp, dirs[0]!, 'trace') : '';
        const size = f && existsSync(f) ? statSync(f).size : -1;
        if (when(size)) {
          clearInterval(poll);
          sizeAtSignal = size;
          sentAt = Date.now();
          child.kill(sig);
        }
      }, 20);
      child.on('exit', () => clearInterval(poll));
    },
  });
  return { r, stopMs: r.exitAt - sentAt, left: temps(tmp), sizeAtSignal };
}

describe('SIGINT and SIGTERM stop a trace run that is still preparing, within 2 s, leaving no temporary file', () => {
  it('SIGINT while unpacking: exit 130, the (empty) partial result', async () => {
    const { r, stopMs, left, sizeAtSignal } = await interrupt('SIGINT', (size) => size > 0);
    console.log(`SIGINT while unpacking (${sizeAtSignal} of ${UNPACKED} bytes): ${stopMs} ms to exit`);
    expect(r.code, r.stderr).toBe(130);
    expect((JSON.parse(r.stdout) as RunResult).complete).toBe(false);
    expect(stopMs).toBeLessThan(STOP_BOUND_MS);
    expect(left).toEqual([]);
  });

  it('SIGTERM while measuring the unpacked trace: exit 143', async () => {
    const { r, stopMs, left, sizeAtSignal } = await interrupt('SIGTERM', (size) => size === UNPACKED);
    console.log(`SIGTERM while measuring: ${stopMs} ms to exit`);
    expect(sizeAtSignal).toBe(UNPACKED);
    expect(r.code, r.stderr).toBe(143);
    expect((JSON.parse(r.stdout) as RunResult).complete).toBe(false);
    expect(stopMs).toBeLessThan(STOP_BOUND_MS);
    expect(left).toEqual([]);
  });
});
