// Input files that are not regular files, or too large (issue 15, item 10): `--config
// /dev/zero` grew memory until Node aborted, a FIFO hung, `--design /dev/zero` crashed Node.
// Each is refused: exit 2, one line naming the flag, nothing started.
import { execFileSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_BYTES } from '../dist/src/io/input-files.js';
import { runCli, scratch, spawnLog } from './cli-helpers.js';

let dir = '';
beforeAll(() => {
  dir = scratch();
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  writeFileSync(join(dir, 'huge.json'), '{}');
  truncateSync(join(dir, 'huge.json'), MAX_INPUT_BYTES + 1);
  writeFileSync(join(dir, 'huge.mjs'), '');
  truncateSync(join(dir, 'huge.mjs'), MAX_INPUT_BYTES + 1);
});

const CASES: [string, () => string[], string[]][] = [
  ['--config /dev/zero', () => ['run', '--config', '/dev/zero'], ['--config', '/dev/zero', 'a regular file']],
  ['--config FIFO', () => ['run', '--config', join(dir, 'fifo')], ['--config', 'fifo', 'a regular file']],
  ['--config DIRECTORY', () => ['run', '--config', dir], ['--config', 'a regular file']],
  ['--config of more than 16 MiB', () => ['run', '--config', join(dir, 'huge.json')], ['--config', 'huge.json', 'at most 16 MiB']],
  ['--design /dev/zero', () => ['run', '--design', '/dev/zero'], ['--design', '/dev/zero', 'a design module: a regular file']],
  ['--design FIFO', () => ['run', '--design', join(dir, 'fifo')], ['--design', 'fifo', 'a regular file']],
  ['--design of more than 16 MiB', () => ['run', '--design', join(dir, 'huge.mjs')], ['--design', 'huge.mjs', 'at most 16 MiB']],
  ['compare --designs with /dev/zero', () => ['compare', '--designs', 'spare-swap,/dev/zero'], ['--designs', '/dev/zero', 'a regular file']],
  ['sweep --designs with a FIFO', () => ['sweep', '--out', join(dir, 'x.ndjson'), '--designs', join(dir, 'fifo')], ['--designs', 'fifo', 'a regular file']],
  ['stress --design /dev/zero', () => ['stress', '--design', '/dev/zero'], ['--design', '/dev/zero', 'a regular file']],
  ['stress --config FIFO', () => ['stress', '--config', join(dir, 'fifo')], ['--config', 'fifo', 'a regular file']],
];

describe.concurrent('input files that are not regular files, or too large: exit 2, one line, nothing started', () => {
  for (const [name, args, says] of CASES) {
    it(name, async () => {
      const log = join(scratch(), 'spawn.log');
      const r = await runCli(args(), { env: { BTSIM_TEST_SPAWN_LOG: log } });
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines, r.stderr).toHaveLength(1);
      for (const s of says) expect(lines[0]).toContain(s);
      expect(spawnLog(log).spawned).toEqual([]);
    });
  }
});
