// What the README and --help say is what the program does (issue 15, item 20).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_FLAGS } from '../dist/src/cli/options.js';
import { mutantsSummary, type MutantRow } from '../dist/src/cli/stress-command.js';
import { resolveConfig } from '../dist/src/model/resolve-config.js';
import { ROOT, runCli } from './cli-helpers.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('the --json error object is the README\'s', () => {
  it('a failed run prints error { actor, message }, and the README names those two fields', async () => {
    const r = await runCli(['run', '--cpus', '2', '--branches', '50000000', '--no-check', '--json'], { env: { BTSIM_TEST_FAULT_CPU: '1:30000' } });
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { error: Record<string, unknown> };
    expect(Object.keys(out.error).sort()).toEqual(['actor', 'message']);
    expect(`btsim: ${String(out.error.message)}`).toBe(r.stderr.trim());
    expect(README).toMatch(/on a failed run `error`:\s+`actor`[^`]*\([^)]*\)\s+and\s+`message`/);
  });
});

describe('--help states the defaults a run with no flags uses', () => {
  const dflt = resolveConfig({}) as unknown as Record<string, unknown>;
  it('every plain-number default is the resolved one', () => {
    const numeric = RUN_FLAGS.filter((f: { dflt?: string }) => /^\d+$/.test(f.dflt ?? ''));
    expect(numeric.length).toBeGreaterThan(8);
    for (const f of numeric) {
      // callbackDelay is absent when 0; per-CPU fields (format) resolve to one value per CPU.
      // A dotted field (costs.branchNs) is read inside its object.
      const v = f.field.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], dflt) ?? 0;
      expect(Array.isArray(v) ? [...new Set(v)] : [v], f.flag).toEqual([Number(f.dflt)]);
    }
  });

  it('--buffer-records and --threshold-records give the sizes a default run shows (4,608 and 4,096)', async () => {
    const help = (await runCli(['run', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(dflt.bufferRecords).toBe(4608);
    expect(dflt.thresholdRecords).toBe(4096);
    expect(help).toMatch(/--buffer-records <n> .*?\(default: sized from the consumers[^)]*; 4608 with the default consumers\)/);
    expect(help).toMatch(/--threshold-records <n> .*?\(default: the smallest continuous consumer's size[^)]*; 4096 with the default consumers\)/);
    expect(help).not.toMatch(/7\/8/);
  });
});

describe('compare and sweep --help list each option once', () => {
  const listed = async (cmd: string) => (await runCli([cmd, '--help'])).stdout.split('\n').map((l) => /^\s+(--[a-z-]+)/.exec(l)?.[1]).filter(Boolean);

  it('compare: --designs and --seed (it runs one seed); --design is not an option of it', async () => {
    const opts = await listed('compare');
    expect(opts).toContain('--designs');
    expect(opts).toContain('--seed');
    expect(opts).not.toContain('--design');
    expect(opts).not.toContain('--seeds');
    const r = await runCli(['compare', '--design', 'spare-swap']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("btsim: unknown option '--design' (did you mean --designs?)");
  });

  it('sweep: --designs and --seeds; --design and --seed still work as their one-value forms', async () => {
    const opts = await listed('sweep');
    expect(opts).toContain('--designs');
    expect(opts).toContain('--seeds');
    expect(opts).not.toContain('--design');
    expect(opts).not.toContain('--seed');
    const r = await runCli(['sweep', '--dry-run', '--out', '/tmp/btsim-help-never-written.ndjson', '--design', 'irq-copy', '--seed', '7']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('design="irq-copy" seed=7');
  });
});

describe('the --mutants verdict says what the rows say', () => {
  const row = (design: string, buggy: boolean, scheduler: string, found: boolean): MutantRow => ({
    design, buggy, scheduler, found, runsToFirstFailure: found ? 3 : null, executionsPerSec: 100, violation: null, replay: null,
  });

  it('a buggy design one scheduler missed: found, and the "no" row is counted, not hidden behind "every"', () => {
    const s = mutantsSummary([
      row('lost-notify', true, 'random', false), row('lost-notify', true, 'pct3', true),
      row('double-swap', true, 'random', true), row('double-swap', true, 'pct3', true),
      row('spare-swap', false, 'random', false), row('spare-swap', false, 'pct3', false),
    ], 20);
    expect(s.ok).toBe(true);
    expect(s.lines[0]).toBe('buggy designs found: 2 of 2, each by at least one scheduler (1 of 4 rows say "no": that scheduler did not find it within 20 executions)');
    expect(s.lines.join('\n')).not.toMatch(/every buggy design was found/);
  });

  it('a surviving buggy design and a failing built-in are named', () => {
    const s = mutantsSummary([row('lost-notify', true, 'random', false), row('spare-swap', false, 'random', true)], 5);
    expect(s.ok).toBe(false);
    expect(s.lines[0]).toMatch(/^buggy designs found: 0 of 1/);
    expect(s.lines[2]).toBe('NOT OK: lost-notify survived, spare-swap failed');
  });

  it('btsim stress --mutants --json: the counts agree with the rows', async () => {
    const r = await runCli(['stress', '--mutants', '--runs', '2', '--json']);
    const out = JSON.parse(r.stdout) as { ok: boolean; summary: Record<string, number>; rows: MutantRow[] };
    expect(out.summary.missedRows).toBe(out.rows.filter((x) => x.buggy && !x.found).length);
    expect(out.summary.buggyRows).toBe(out.rows.filter((x) => x.buggy).length);
    expect(r.code).toBe(out.ok ? 0 : 1);
  });
});
