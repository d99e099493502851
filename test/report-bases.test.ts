// `btsim report a.ndjson b.ndjson` where b was run with other shared settings (issue 15,
// item 16): b's points share a's keys and were silently dropped as duplicates. Refused, as
// merge refuses the same pair: exit 2, one line naming b and the setting that differs.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratch } from './cli-helpers.js';

let a = '';
let b = '';
let a2 = '';
beforeAll(async () => {
  const dir = scratch();
  a = join(dir, 'a.ndjson');
  b = join(dir, 'b.ndjson');
  a2 = join(dir, 'a2.ndjson');
  const sweep = (out: string, ...args: string[]) => runCli(['sweep', '--out', out, '--cpus', '1', ...args]);
  for (const r of await Promise.all([sweep(a, '--branches', '2000'), sweep(b, '--branches', '3000'), sweep(a2, '--branches', '2000', '--seeds', '2')])) {
    expect(r.code, r.stderr).toBe(0);
  }
});

describe('report refuses files of different sweeps', () => {
  for (const html of [false, true]) {
    it(html ? 'with --html' : 'as a table', async () => {
      const args = ['report', a, b, ...(html ? ['--html', join(scratch(), 'r.html')] : [])];
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toContain(`FILE: ${JSON.stringify(b)} is not accepted`);
      expect(lines[0]).toContain('other shared settings than those of');
      expect(lines[0]).toContain('branches: 2000 there, 3000 here');
    });
  }

  it('files of one sweep (other seeds, same settings) are reported together', async () => {
    const r = await runCli(['report', a, a2]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('spare-swap'))).toHaveLength(2);
  });

  it('merge says the same of the same pair', async () => {
    const r = await runCli(['merge', join(scratch(), 'm.ndjson'), a, b]);
    expect(r.code).toBe(2);
    // (merge checks the grid too, and words the difference per file.)
    expect(r.stderr).toMatch(/^btsim: IN: .*shards of one sweep.*branches: 3000 in b\.ndjson, 2000 in a\.ndjson/);
  });
});
