/** `btsim sweep`: run a grid of scenarios, one JSON line per point, resumable and shardable. */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { ConfigError } from '../model/errors.js';
import { parseDesigns, parseSeeds, parseShard } from '../sweep/grid.js';
import { parseParams } from '../sweep/params.js';
import { planSweep, sweep, sweepBase, type SweepProgress, type SweepSpec } from '../sweep/sweep.js';
import { flagsToInput, readConfigFile, renameField } from './options.js';
import { addRunFlags } from './run-command.js';
import { table } from './table.js';
import { checkDesignFile } from '../io/input-files.js';
import { catchInterrupt } from './interrupt.js';

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function strictCount(raw: unknown, flag: string): number {
  const s = String(raw).trim();
  if (!/^\d+$/.test(s) || Number(s) < 1 || !Number.isSafeInteger(Number(s))) throw new ConfigError(flag, String(raw), 'a positive integer');
  return Number(s);
}

/** How many points one machine usefully runs at once is bounded by its cores: 256 is past any. */
const MAX_JOBS = 256;

function parseJobs(raw: unknown): number {
  const s = String(raw).trim();
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!(n >= 1 && n <= MAX_JOBS)) throw new ConfigError('--jobs', String(raw), `an integer from 1 to ${MAX_JOBS} (points run at once, each in a process of its own)`);
  return n;
}

/** Flags to a sweep spec; every error names the flag the user typed. */
export function sweepSpecFromFlags(opts: Record<string, unknown>): { spec: SweepSpec; rename: (e: ConfigError) => ConfigError } {
  if (opts.designs !== undefined && opts.design !== undefined) throw new ConfigError('--designs', String(opts.designs), 'either --designs or --design, not both');
  if (opts.seeds !== undefined && opts.seed !== undefined) throw new ConfigError('--seeds', String(opts.seeds), 'either --seeds or --seed, not both');
  const file = opts.config ? readConfigFile(String(opts.config)) : {};
  const { input, fromFlag } = flagsToInput(opts, file);
  const rename = (e: ConfigError) => renameField(e, fromFlag);
  const axes = parseParams((opts.param as string[] | undefined) ?? []);
  const designs = opts.designs !== undefined ? parseDesigns(String(opts.designs))
    : opts.design !== undefined ? parseDesigns(String(opts.design))
    : [typeof input.design === 'string' ? input.design : 'spare-swap'];
  const designFlag = opts.designs !== undefined ? '--designs' : opts.design !== undefined ? '--design' : 'design';
  for (const d of designs) checkDesignFile(designFlag, d);
  let seeds: number[];
  if (opts.seeds !== undefined) seeds = parseSeeds(String(opts.seeds));
  else if (opts.seed !== undefined) {
    try {
      seeds = parseSeeds(String(opts.seed));
    } catch (e) {
      throw e instanceof ConfigError ? new ConfigError('--seed', e.value, e.accepted) : e;
    }
  } else if (input.seed !== undefined) {
    if (typeof input.seed !== 'number') throw new ConfigError('seed', input.seed, 'an integer from 0 to 4294967295');
    seeds = [input.seed];
  } else seeds = [1];
  const spec: SweepSpec = {
    base: sweepBase(input, axes),
    axes,
    designs,
    seeds,
    out: String(opts.out),
    shard: opts.shard !== undefined ? parseShard(String(opts.shard)) : undefined,
    maxPoints: opts.maxPoints !== undefined ? strictCount(opts.maxPoints, '--max-points') : undefined,
    jobs: opts.jobs !== undefined ? parseJobs(opts.jobs) : undefined,
  };
  return { spec, rename };
}

/** A bar on stderr (TTY only, after a second): points done, the current point's share, ETA. */
class SweepBar {
  private bar: cliProgress.SingleBar | undefined;
  private readonly t0 = Date.now();
  update(p: SweepProgress): void {
    if (!process.stderr.isTTY || p.total === 0) return;
    const elapsed = Date.now() - this.t0;
    if (!this.bar) {
      if (elapsed < 1000) return;
      this.bar = new cliProgress.SingleBar({
        format: 'sweep [{bar}] {percentage}% | {points}/{total_points} points | elapsed {elapsed} | ETA {eta_text}',
        hideCursor: true,
        clearOnComplete: true,
        stream: process.stderr,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(1000, 0, { points: 0, total_points: p.total, elapsed: '0s', eta_text: '-' });
    }
    const f = Math.min(1, (p.done + p.current) / p.total);
    const eta = f > 0 ? (elapsed * (1 - f)) / f : NaN;
    this.bar.update(Math.round(f * 1000), {
      points: p.done,
      total_points: p.total,
      elapsed: fmtSecs(elapsed),
      eta_text: Number.isFinite(eta) ? fmtSecs(eta) : '-',
    });
  }
  stop(): void {
    this.bar?.stop();
  }
}

function fmtSecs(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

async function sweepCommand(opts: Record<string, unknown>): Promise<void> {
  const { spec, rename } = sweepSpecFromFlags(opts);
  const shardText = spec.shard ? `shard ${spec.shard.index}/${spec.shard.count}` : 'no shard';
  if (opts.dryRun) {
    const plan = await planSweep(spec, rename);
    const shardOf = (i: number) => (spec.shard ? `${(i % spec.shard.count) + 1}/${spec.shard.count}` : '-');
    process.stdout.write(table(['#', 'shard', 'point', 'status'], plan.points.map((p) => [String(p.index), shardOf(p.index), p.key, p.done ? 'done' : 'to run'])) + '\n');
    const todo = plan.points.filter((p) => !p.done).length;
    process.stdout.write(`sweep: grid ${plan.gridSize} points; ${shardText}: ${plan.points.length} points, ${plan.points.length - todo} already in ${spec.out}, ${todo} to run\n`);
    return;
  }
  const bar = new SweepBar();
  const intr = catchInterrupt();
  try {
    const s = await sweep(spec, { signal: intr.signal, renameError: rename, onProgress: (p) => bar.update(p) });
    bar.stop();
    const parts = [
      `sweep: grid ${s.gridSize} points; ${shardText}: ${s.shardSize} points, ${s.alreadyDone} already in ${spec.out}`,
      `ran ${s.ran} in ${(s.wallMs / 1000).toFixed(1)} s${spec.jobs && spec.jobs > 1 ? `, ${spec.jobs} at once` : ''} (${s.notOk} with violations, ${s.failed.length} failed)`,
      s.remaining ? `${s.remaining} left: run the same command again to go on` : 'shard complete',
    ];
    process.stdout.write(parts.join('; ') + '\n');
    for (const f of s.failed) process.stderr.write(`btsim: point ${f.key} failed: ${f.message}\n`);
    process.exitCode = intr.exitCode(s.failed.length || s.notOk ? 1 : 0);
  } finally {
    bar.stop();
    intr.dispose();
  }
}

export function registerSweep(program: Command): void {
  addRunFlags(
    program
      .command('sweep')
      .description('run a grid of scenarios (parameters x designs x seeds), one JSON line per point appended to --out; resumable, shardable')
      .requiredOption('--out <file>', 'NDJSON file the points are appended to; points already in it are skipped')
      .option('--param <name=values>', 'a swept config field and its values, e.g. cpus=1,2,4 or workload.syscallRate=4,8 (repeatable; [JSON array] for object fields)', collect, [])
      .option('--designs <list>', 'designs to compare: built-in names or paths to design modules, comma-separated (default: spare-swap)')
      .option('--seeds <list>', 'workload seeds, comma-separated; results are averaged over them in reports (default: 1)')
      .option('--shard <i/n>', 'run only slice I of N (1-based; point k of the grid goes to slice (k mod N)+1)')
      .option('--max-points <n>', 'run at most N new points, then stop (run again to go on)')
      .option('--jobs <n>', 'run N points at once, each in a process of its own (1-256; default 1, in this process)')
      .option('--dry-run', 'list the points of this shard and which are done, and run nothing'),
    { hide: ['design', 'seed'] },
  ).action(sweepCommand);
}
