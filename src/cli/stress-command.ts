/**
 * `btsim stress`: find bugs in swap designs, reproducibly. Explore mode by default (all
 * actors on one thread under a seeded scheduler); `--mode threads` for chaos on real
 * threads; `--replay` to run a failing execution again; `--mutants` for the kill table.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ConfigError } from '../model/errors.js';
import { BUILTIN_DESIGNS } from '../designs/registry.js';
import { loadDesign } from '../designs/load-design.js';
import { replay, stress } from '../explore/stress.js';
import type { StressResult } from '../explore/stress-options.js';
import { runIsolated } from '../explore/isolated.js';
import { strictNumber, flagsToInput, readConfigFile } from './options.js';
import { fmtNum, table } from './table.js';
import { Progress } from './progress.js';
import type { TraceStep } from '../explore/explorer.js';
import { decodeReplay } from '../explore/replay.js';
import { checkDesignFile } from '../io/input-files.js';
import { catchInterrupt, type Interrupt } from './interrupt.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/buggy/', import.meta.url));

function intFlag(v: unknown, field: string, min: number, max: number): number {
  const n = strictNumber(String(v), true);
  if (typeof n !== 'number' || n < min || n > max) throw new ConfigError(field, v, `an integer from ${min} to ${max}`);
  return n;
}

function schedulers(v: string): ('random' | 'pct' | 'dfs')[] {
  const list = v.split(',').map((x) => x.trim());
  for (const s of list) {
    if (s !== 'random' && s !== 'pct' && s !== 'dfs') throw new ConfigError('--scheduler', s, 'random, pct or dfs (a comma-separated list)');
  }
  return list as ('random' | 'pct' | 'dfs')[];
}

function formatTrace(trace: TraceStep[]): string {
  return trace
    .map((t) => `${String(t.step).padStart(7)}  ${t.actor.padEnd(11)} ${t.op.padEnd(7)} ${t.word.padEnd(22)}` +
      (t.value !== undefined ? ` ${t.value}` : '') + (t.result !== undefined ? ` -> ${String(t.result)}` : ''))
    .join('\n');
}

function report(r: StressResult, showTrace: boolean): string {
  const lines: string[] = [];
  if (r.found) {
    lines.push(`FOUND after ${r.runs} execution(s) (${r.mode}, ${r.scheduler}, ${r.design}): ${r.violation}`);
    lines.push(`replay: ${r.replay}`);
    lines.push(`  btsim stress --replay '${r.replay}' --trace   # the interleaving that led to it`);
    if (showTrace && r.trace) lines.push('', 'interleaving (last operations before the failure):', formatTrace(r.trace));
  } else {
    lines.push(`${r.interrupted ? 'INTERRUPTED: ' : ''}no violation in ${fmtNum(r.runs)} execution(s) (${r.mode}, ${r.scheduler}, ${r.design})${r.exhausted ? ', every schedule within the bound tried' : ''}; ${fmtNum(r.executionsPerSec)} executions/s`);
  }
  return lines.join('\n');
}

async function mutants(runs: number, scheds: ('random' | 'pct' | 'dfs')[], seed: number, json: boolean, signal: AbortSignal): Promise<number> {
  const buggy = readdirSync(EXAMPLES).filter((f) => f.endsWith('.mjs')).sort().map((f) => EXAMPLES + f);
  const rows: MutantRow[] = [];
  const progress = !json && process.stdout.isTTY ? new Progress('mutants', 'designs') : undefined;
  const all = [...buggy, ...BUILTIN_DESIGNS.map((d) => d.name)];
  let done = 0;
  designs: for (const design of all) {
    const name = (await loadDesign(design)).name;
    for (const scheduler of scheds) {
      const r = await stress({ design, runs, scheduler, seed, signal });
      // A row cut short says nothing about its design: the table keeps the finished ones.
      if (r.interrupted) break designs;
      rows.push({ design: name, buggy: buggy.includes(design), scheduler: r.scheduler, found: r.found, runsToFirstFailure: r.found ? r.runs : null, executionsPerSec: r.executionsPerSec, violation: r.violation, replay: r.replay });
    }
    progress?.update(++done, all.length);
  }
  progress?.stop();
  const summary = mutantsSummary(rows, runs);
  const interrupted = signal.aborted;
  if (interrupted) summary.lines.push(`INTERRUPTED: ${rows.length} of ${all.length * scheds.length} design/scheduler rows were run; the verdict is theirs`);
  if (json) {
    process.stdout.write(JSON.stringify({ runs, ok: summary.ok, summary: summary.counts, rows, ...(interrupted ? { interrupted } : {}) }, null, 2) + '\n');
  } else {
    process.stdout.write(`mutation-kill table: ${runs} executions per design and scheduler (explore mode)\n\n`);
    process.stdout.write(table(
      ['design', 'kind', 'scheduler', 'found', 'runs to first failure', 'executions/s'],
      rows.map((x) => [x.design, x.buggy ? 'buggy' : 'built-in', x.scheduler, x.found ? 'yes' : 'no', x.runsToFirstFailure === null ? '-' : x.runsToFirstFailure, x.executionsPerSec]),
    ) + '\n\n');
    process.stdout.write(summary.lines.join('\n') + '\n');
  }
  return summary.ok ? 0 : 1;
}

export interface MutantRow {
  design: string;
  buggy: boolean;
  scheduler: string;
  found: boolean;
  runsToFirstFailure: number | null;
  executionsPerSec: number;
  violation: string | null;
  replay: string | null;
}

/**
 * The verdict under the kill table, in words the rows bear out: a buggy design counts as
 * found when at least one scheduler found it, and the rows where a scheduler missed it are
 * counted, not hidden behind "every buggy design was found".
 */
export function mutantsSummary(rows: MutantRow[], runs: number): { ok: boolean; lines: string[]; counts: Record<string, number> } {
  const designs = (buggy: boolean) => [...new Set(rows.filter((x) => x.buggy === buggy).map((x) => x.design))];
  const buggy = designs(true);
  const builtin = designs(false);
  const found = buggy.filter((d) => rows.some((x) => x.design === d && x.found));
  const passed = builtin.filter((d) => rows.every((x) => x.design !== d || !x.found));
  const buggyRows = rows.filter((x) => x.buggy);
  const missedRows = buggyRows.filter((x) => !x.found).length;
  const ok = found.length === buggy.length && passed.length === builtin.length;
  const how = missedRows === 0
    ? 'by every scheduler'
    : `each by at least one scheduler (${missedRows} of ${buggyRows.length} rows say "no": that scheduler did not find it within ${runs} executions)`;
  const lines = [
    `buggy designs found: ${found.length} of ${buggy.length}, ${how}`,
    `built-in designs that passed under every scheduler: ${passed.length} of ${builtin.length}`,
    ok ? 'OK' : `NOT OK: ${[...buggy.filter((d) => !found.includes(d)).map((d) => `${d} survived`), ...builtin.filter((d) => !passed.includes(d)).map((d) => `${d} failed`)].join(', ')}`,
  ];
  return { ok, lines, counts: { buggyFound: found.length, buggy: buggy.length, missedRows, buggyRows: buggyRows.length, builtinPassed: passed.length, builtin: builtin.length } };
}

export function registerStress(program: Command): void {
  program
    .command('stress')
    .description('explore interleavings of a swap design (or chaos on real threads) and check every execution')
    .option('--design <name|path>', 'built-in design name or design module path', 'spare-swap')
    .option('--runs <n>', 'executions (explore) or runs (threads) per scheduler', '100')
    .option('--scheduler <list>', 'explore schedulers: random, pct, dfs (comma-separated)', 'random,pct')
    .option('--depth <d>', 'PCT depth (bugs of depth d)', '3')
    .option('--bound <b>', 'DFS preemption bound', '2')
    .option('--seed <n>', 'base seed', '1')
    .option('--mode <mode>', 'explore (deterministic, one thread) or threads (real workers with injected delays)', 'explore')
    .option('--duration <seconds>', 'threads mode: keep running new seeds this long')
    .option('--cpus <n>', 'scenario: simulated CPUs (explore default 2, threads default 8)')
    .option('--branches <n>', 'scenario: branches per CPU (explore default 240)')
    .option('--buffer-records <n>', 'scenario: hardware buffer records (explore default 16)')
    .option('--spares <n>', 'scenario: spare buffers (explore default 2)')
    .option('--config <file>', 'scenario: JSON config overrides')
    .option('--replay <string>', 'run the execution a replay string names, again')
    .option('--trace', 'print the interleaving of a failure')
    .option('--mutants', 'run every example in examples/buggy and every built-in design under each scheduler')
    .option('--json', 'print the result as JSON')
    .action(async (opts: Record<string, unknown>) => {
      const json = Boolean(opts.json);
      const runs = intFlag(opts.runs, '--runs', 1, 10_000_000);
      const seed = intFlag(opts.seed, '--seed', 0, 0xffff_ffff);
      const depth = intFlag(opts.depth, '--depth', 1, 50);
      const bound = intFlag(opts.bound, '--bound', 0, 50);
      const scheds = schedulers(String(opts.scheduler));
      const mode = String(opts.mode);
      if (mode !== 'explore' && mode !== 'threads') throw new ConfigError('--mode', mode, 'explore or threads');
      // Bad input is refused before anything runs.
      if (opts.replay === undefined && !opts.mutants) checkDesignFile('--design', String(opts.design));
      // An empty --replay '' is a replay string too (a bad one), not the absence of one.
      if (opts.replay !== undefined) {
        checkDesignFile('--replay', decodeReplay(String(opts.replay)).design);
        const spec = decodeReplay(String(opts.replay));
        // Explore replays run on a thread of their own, which a stuck design cannot hold.
        const r = spec.scheduler === 'chaos'
          ? await replay(String(opts.replay), { keepTrace: Boolean(opts.trace) })
          : await runIsolated({ kind: 'replay', replay: String(opts.replay), keepTrace: Boolean(opts.trace) }, { designLabel: spec.design });
        process.stdout.write(json ? JSON.stringify(r, null, 2) + '\n' : report(r, Boolean(opts.trace)) + '\n');
        process.exitCode = r.found ? 1 : 0;
        return;
      }
      // From here on, Ctrl-C or SIGTERM stops between executions and prints the summary so far.
      const intr = catchInterrupt();
      try {
        if (opts.mutants) {
          process.exitCode = intr.exitCode(await mutants(runs, scheds, seed, json, intr.signal));
          return;
        }
        await stressCommand(opts, { json, runs, seed, depth, bound, scheds, mode }, intr);
      } finally {
        intr.dispose();
      }
    });
}

async function stressCommand(
  opts: Record<string, unknown>,
  o: { json: boolean; runs: number; seed: number; depth: number; bound: number; scheds: ('random' | 'pct' | 'dfs')[]; mode: 'explore' | 'threads' },
  intr: Interrupt,
): Promise<void> {
  const { json, runs, seed, depth, bound, scheds, mode } = o;
  const base = opts.config ? readConfigFile(String(opts.config)) : {};
  // Only the scenario flags: --seed and --design here are the stress run's, not the workload's.
  const { input } = flagsToInput({ cpus: opts.cpus, branches: opts.branches, bufferRecords: opts.bufferRecords, spares: opts.spares }, base);
  const scenario = input;
  const durationMs = opts.duration !== undefined ? intFlag(opts.duration, '--duration', 1, 86_400) * 1000 : undefined;
  const results: StressResult[] = [];
  const progress = !json && process.stdout.isTTY ? new Progress('stress', 'executions') : undefined;
  for (const scheduler of mode === 'threads' ? (['random'] as const) : scheds) {
    const job = { design: String(opts.design), runs, scheduler, depth, bound, seed, scenario, mode, durationMs };
    const watch = { onProgress: progress ? (d: number, t: number) => progress.update(d, t) : undefined, signal: intr.signal };
    // Explore mode runs the design on the explorer's thread: give it one of its own, which a
    // design stuck in an endless loop cannot hold (threads mode has the run's watchdog).
    const r = mode === 'explore'
      ? await runIsolated({ kind: 'stress', opts: job }, { ...watch, designLabel: job.design })
      : await stress({ ...job, ...watch });
    results.push(r);
    if (r.found || r.interrupted) break;
  }
  progress?.stop();
  const found = results.find((r) => r.found);
  const main = found ?? results[results.length - 1]!;
  if (json) {
    const { trace, ...rest } = main;
    const out = { ...rest, ...(opts.trace ? { trace } : {}), schedulers: results.map(({ trace: _t, ...x }) => x) };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    for (const r of results) process.stdout.write(report(r, Boolean(opts.trace)) + '\n');
  }
  process.exitCode = found ? 1 : intr.exitCode(0);
}
