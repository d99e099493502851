// `btsim script DUMP.bts` (issue 15, item 22): a dumped stream as text, one record per line
// as perf script prints one, pseudo-PCs and markers by name; `--json` for NDJSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeRecord, readDump } from '../dist/src/consumers/dump.js';
import { LossCause, pseudoPc, Flags } from '../dist/src/model/constants.js';
import { runCli, scratch } from './cli-helpers.js';

const P = (name: 'USER' | 'SYSCALL' | 'SWITCH_MM' | 'LOSS') => pseudoPc({ USER: 1, SYSCALL: 2, SWITCH_MM: 0x10, LOSS: 0x11 }[name]);
const EXC = (v: number) => pseudoPc(0x20 + v);

/** A stream with one record of each sort a consumer can get. */
const RECORDS: [bigint, bigint, bigint][] = [
  [0x401000n, 0x401100n, BigInt(Flags.PREDICTED)],
  [0x401105n, P('SYSCALL'), 0n],
  [P('SYSCALL'), 0x401107n, 0n],
  [0x7f12_3456_7890n, EXC(14), 0n],
  [P('USER'), 0xffff_ffff_8100_0000n, 0n],
  [0xffff_ffff_8100_0250n, P('USER'), 0n],
  [P('SWITCH_MM'), 0x2000n, 1n << 62n],
  [P('LOSS'), 1542n, (1n << 63n) | BigInt(LossCause['no-spare-buffer'])],
  [P('LOSS'), 7n, (1n << 63n) | 200n],
];

let dir = '';
let synthetic = '';
beforeAll(() => {
  dir = scratch();
  synthetic = join(dir, 'synthetic.bts');
  const b = Buffer.alloc(24 * RECORDS.length);
  RECORDS.forEach(([f, t, fl], i) => {
    b.writeBigUInt64LE(f, 24 * i);
    b.writeBigUInt64LE(t, 24 * i + 8);
    b.writeBigUInt64LE(fl, 24 * i + 16);
  });
  writeFileSync(synthetic, b);
});

describe('btsim script', () => {
  it('prints one line per record: FROM => TO, pseudo-PCs by name, markers spelled out', async () => {
    const r = await runCli(['script', synthetic]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '))).toEqual([
      '0 branch 401000 => 401100 predicted',
      '1 branch 401105 => SYSCALL',
      '2 branch SYSCALL => 401107',
      '3 branch 7f1234567890 => EXC(14)',
      '4 branch USER => ffffffff81000000',
      '5 branch ffffffff81000250 => USER',
      '6 switch_mm cr3 0x2000',
      '7 loss 1542 records lost: no-spare-buffer (cause 2)',
      '8 loss 7 records lost: design-cause-200 (cause 200)',
      '',
    ]);
  });

  it('--json: one object per record, with the raw addresses and the names', async () => {
    const r = await runCli(['script', '--json', synthetic]);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows[1]).toEqual({ index: 1, type: 'branch', from: '0x401105', to: '0x8000000000000002', predicted: false, toName: 'SYSCALL' });
    expect(rows[6]).toEqual({ index: 6, type: 'switch_mm', cr3: '0x2000' });
    expect(rows[7]).toEqual({ index: 7, type: 'loss', count: 1542, cause: 'no-spare-buffer', code: 2 });
  });

  it('a real dump: every record, each of the type readDump/decodeRecord give it', async () => {
    const out = join(dir, 'dump');
    const run = await runCli(['run', '--cpus', '2', '--branches', '60000', '--design', 'suspend-copy', '--buffer-records', '64', '--dump', out]);
    expect(run.code, run.stderr).toBe(0);
    for (const id of ['cpu0-all', 'tid1-user', 'cpu1-kernel-ring']) {
      const file = join(out, `${id}.bts`);
      const r = await runCli(['script', '--json', file]);
      expect(r.code, r.stderr).toBe(0);
      const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; count?: number });
      const want = readDump(file).map(decodeRecord);
      expect(rows.map((x) => x.type), id).toEqual(want.map((x) => x.type));
      const lost = rows.filter((x) => x.type === 'loss').reduce((a, x) => a + x.count!, 0);
      expect(lost, id).toBe(want.reduce((a, x) => a + (x.type === 'loss' ? Number(x.count) : 0), 0));
      const d = JSON.parse(readFileSync(join(out, `${id}.json`), 'utf8')) as { records: number };
      expect(rows).toHaveLength(d.records);
    }
  });

  const BAD: [string, () => string, string][] = [
    ['a file that does not exist', () => join(dir, 'none.bts'), 'ENOENT'],
    ['a directory', () => dir, 'a regular file'],
    ['a file that is not whole 24-byte records', () => {
      const f = join(dir, 'torn.bts');
      writeFileSync(f, Buffer.alloc(25));
      return f;
    }, 'a whole number of 24-byte records (it has 25 bytes)'],
  ];
  for (const [name, path, says] of BAD) {
    it(`refuses ${name}: exit 2, one line`, async () => {
      const r = await runCli(['script', path()]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('DUMP: ');
      expect(r.stderr).toContain(says);
    });
  }
});
