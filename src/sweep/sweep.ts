/**
 * Run a sweep: every point of the grid (or of one shard of it) that the output file does
 * not hold yet, one after another, each line appended as soon as its run ends. Everything
 * is validated before the first run starts: each design loads, each point's config
 * resolves and fits the memory budget, and the file (if any) belongs to the same sweep.
 */
import { existsSync } from 'node:fs';
import { resolveConfig, type SimConfig } from '../model/config.js';
import { ConfigError, RunAbortedError } from '../model/errors.js';
import { loadDesign } from '../designs/load-design.js';
import { memoryNeeded, run } from '../run/run.js';
import { buildGrid, inShard, pointKey, type GridPoint, type Shard } from './grid.js';
import { appendLine, describeBaseDiff, readSweepFile, repairTail, SWEEP_SCHEMA, type SweepLine } from './ndjson.js';
import { canonicalJson, deletePath, setPath, type ParamAxis } from './params.js';
import { checkOutputFile } from '../io/output-paths.js';

export interface SweepSpec {
  /** Settings shared by every point (flags merged over a config file), as raw config input. */
  base: Record<string, unknown>;
  axes: ParamAxis[];
  /** Built-in names or design module paths. */
  designs: string[];
  seeds: number[];
  /** The NDJSON file the points are appended to. */
  out: string;
  shard?: Shard;
  /** Run at most this many new points, then stop (a batch job's time slice). */
  maxPoints?: number;
}

export interface SweepProgress {
  /** Points of this invocation finished (run or failed). */
  done: number;
  /** Points this invocation would run. */
  total: number;
  /** Fraction of the current point's branches executed. */
  current: number;
}

export interface SweepOptions {
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
  /** Called after each point's line was written. */
  onPoint?: (line: SweepLine) => void;
  /** Rename a ConfigError about a shared setting (to name the flag the user typed). */
  renameError?: (e: ConfigError) => ConfigError;
}

export interface PlannedPoint {
  index: number;
  point: GridPoint;
  key: string;
  /** The raw config input of the point (validated: it resolves to `cfg`). */
  input: Record<string, unknown>;
  cfg: SimConfig;
  done: boolean;
}

export interface SweepPlan {
  base: Record<string, unknown>;
  gridSize: number;
  /** This shard's points (all of them without --shard), in grid order. */
  points: PlannedPoint[];
  designNames: Map<string, string>;
}

export interface SweepSummary {
  gridSize: number;
  shardSize: number;
  alreadyDone: number;
  ran: number;
  /** Points whose run ended with a violation (written, ok: false). */
  notOk: number;
  /** Points whose run failed (nothing written; a resume retries them). */
  failed: { key: string; message: string }[];
  /** Points of this shard still missing from the file. */
  remaining: number;
  interrupted: boolean;
  wallMs: number;
}

/** The shared settings: the base input without the fields that are axes. */
export function sweepBase(input: Record<string, unknown>, axes: ParamAxis[]): Record<string, unknown> {
  let base = deletePath(deletePath(input, 'design'), 'seed');
  for (const a of axes) base = deletePath(base, a.path);
  return base;
}

export function pointInput(base: Record<string, unknown>, p: GridPoint): Record<string, unknown> {
  let input: Record<string, unknown> = { ...base, design: p.design, seed: p.seed };
  for (const [path, v] of Object.entries(p.params)) input = setPath(input, path, v);
  return input;
}

function renameForPoint(e: ConfigError, p: GridPoint, rename?: (e: ConfigError) => ConfigError): ConfigError {
  for (const path of Object.keys(p.params)) {
    if (e.field === path || e.field.startsWith(path + '.')) {
      return new ConfigError(`--param ${e.field}`, e.value, e.accepted);
    }
  }
  if (e.field === 'design') return new ConfigError('--designs', e.value, e.accepted);
  if (e.field === 'seed') return new ConfigError('--seeds', e.value, e.accepted);
  return rename ? rename(e) : e;
}

/** Validate the whole sweep and find which points the file already holds. Runs nothing. */
export async function planSweep(spec: SweepSpec, rename?: (e: ConfigError) => ConfigError): Promise<SweepPlan> {
  const base = spec.base;
  const designNames = new Map<string, string>();
  for (const d of spec.designs) {
    try {
      designNames.set(d, (await loadDesign(d)).name);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError('--designs', e.value, e.accepted);
      throw e;
    }
  }
  const grid = buildGrid(spec.designs, spec.axes, spec.seeds);
  const planned: PlannedPoint[] = [];
  grid.forEach((point, index) => {
    let cfg: SimConfig;
    const input = pointInput(base, point);
    try {
      cfg = resolveConfig(input);
      const { total } = memoryNeeded(cfg);
      if (total > cfg.memoryBudgetMiB * 1024 * 1024) {
        throw new ConfigError('memoryBudgetMiB', cfg.memoryBudgetMiB, `at least ${Math.ceil(total / 1024 / 1024)} MiB for the buffers of point ${pointKey(point)} (raise it with --memory-budget)`);
      }
    } catch (e) {
      throw e instanceof ConfigError ? renameForPoint(e, point, rename) : e;
    }
    planned.push({ index, point, key: pointKey(point), input, cfg, done: false });
  });
  if (existsSync(spec.out)) {
    const file = readSweepFile(spec.out, '--out');
    const want = canonicalJson(base);
    const keys = new Set<string>();
    for (const l of file.lines) {
      const have = canonicalJson(l.base ?? {});
      if (have !== want) {
        throw new ConfigError('--out', spec.out, `a file of this sweep, or a new file: its points were run with other shared settings (${describeBaseDiff(l.base ?? {}, base)})`);
      }
      keys.add(l.key);
    }
    for (const p of planned) p.done = keys.has(p.key);
  }
  return { base, gridSize: grid.length, points: planned.filter((p) => inShard(p.index, spec.shard)), designNames };
}

export async function sweep(spec: SweepSpec, opts: SweepOptions = {}): Promise<SweepSummary> {
  const t0 = Date.now();
  checkOutputFile('--out', spec.out, { regularOnly: true });
  const plan = await planSweep(spec, opts.renameError);
  const todoAll = plan.points.filter((p) => !p.done);
  const todo = spec.maxPoints !== undefined ? todoAll.slice(0, spec.maxPoints) : todoAll;
  const summary: SweepSummary = {
    gridSize: plan.gridSize,
    shardSize: plan.points.length,
    alreadyDone: plan.points.length - todoAll.length,
    ran: 0,
    notOk: 0,
    failed: [],
    remaining: todoAll.length,
    interrupted: false,
    wallMs: 0,
  };
  if (existsSync(spec.out)) repairTail(spec.out, readSweepFile(spec.out, '--out'));
  let done = 0;
  for (const p of todo) {
    if (opts.signal?.aborted) break;
    opts.onProgress?.({ done, total: todo.length, current: 0 });
    let result;
    try {
      result = await run(p.input, {
        signal: opts.signal,
        onProgress: opts.onProgress ? (r) => opts.onProgress!({ done, total: todo.length, current: r.total ? r.branches / r.total : 0 }) : undefined,
      });
    } catch (e) {
      if (e instanceof RunAbortedError) {
        summary.failed.push({ key: p.key, message: e.message });
        done++;
        continue;
      }
      if (e instanceof ConfigError) throw renameForPoint(e, p.point, opts.renameError);
      throw e;
    }
    if (!result.complete || opts.signal?.aborted) break; // interrupted: the point is not written
    const line: SweepLine = {
      schema: SWEEP_SCHEMA,
      key: p.key,
      design: p.point.design,
      designName: plan.designNames.get(p.point.design) ?? p.point.design,
      seed: p.point.seed,
      params: p.point.params,
      base: plan.base,
      result,
    };
    appendLine(spec.out, line);
    summary.ran++;
    summary.remaining--;
    if (!result.ok) summary.notOk++;
    done++;
    opts.onPoint?.(line);
    opts.onProgress?.({ done, total: todo.length, current: 0 });
  }
  summary.interrupted = Boolean(opts.signal?.aborted);
  summary.wallMs = Date.now() - t0;
  return summary;
}
