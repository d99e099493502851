/**
 * Run a sweep: every point of the grid (or of one shard of it) that the output file does
 * not hold yet, one after another or `--jobs` at once, each line appended as soon as its
 * run ends. Everything
 * is validated before the first run starts: each design loads, each point's config
 * resolves and fits the memory budget, and the file (if any) belongs to the same sweep.
 */
import { existsSync } from 'node:fs';
import { resolveConfig } from '../model/resolve-config.js';
import type { SimConfig } from '../model/config.js';
import { ConfigError, RunAbortedError } from '../model/errors.js';
import { loadDesign } from '../designs/load-design.js';
import { memoryNeeded } from '../run/memory-budget.js';
import { buildGrid, inShard, pointKey, type GridPoint, type Shard } from './grid.js';
import { appendLine, readSweepFile, repairTail, SWEEP_SCHEMA, type SweepLine } from './ndjson.js';
import { sweepMismatch, type SweepGrid, type SweepIdentity } from './identity.js';
import { deletePath, setPath, type ParamAxis } from './params.js';
import { ChildRunner, InProcessRunner, type PointRunner } from './point-runner.js';
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
  /** Points run at once, each in a process of its own when more than 1 (default 1: in this process). */
  jobs?: number;
}

export interface SweepProgress {
  /** Points of this invocation finished (run or failed). */
  done: number;
  /** Points this invocation would run. */
  total: number;
  /** Fractions of the branches executed of the points in progress, summed (at most --jobs). */
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
    const here: SweepIdentity = { base, grid: { designs: spec.designs, axes: spec.axes, seeds: spec.seeds } };
    const keys = new Set<string>();
    for (const l of file.lines) {
      const why = sweepMismatch(l, here);
      if (why) throw new ConfigError('--out', spec.out, `a file of this sweep, or a new file: its points belong to a sweep with ${why}`);
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
  const grid: SweepGrid = { designs: spec.designs, axes: spec.axes, seeds: spec.seeds };
  const jobs = Math.max(1, Math.min(spec.jobs ?? 1, todo.length));
  // A fatal error in one job (a bug, a config the plan missed) stops the others too.
  const stop = new AbortController();
  const onUserAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onUserAbort, { once: true });
  if (opts.signal?.aborted) stop.abort();
  const inFlight = new Map<number, number>();
  let done = 0;
  let next = 0;
  let fatal: unknown;
  const progress = () => {
    let current = 0;
    for (const f of inFlight.values()) current += f;
    opts.onProgress?.({ done, total: todo.length, current });
  };

  const job = async (runner: PointRunner, slot: number): Promise<void> => {
    while (!stop.signal.aborted && next < todo.length) {
      const p = todo[next++]!;
      inFlight.set(slot, 0);
      progress();
      let result;
      try {
        result = await runner.run(p.input, {
          signal: stop.signal,
          onProgress: opts.onProgress ? (f) => { inFlight.set(slot, f); progress(); } : undefined,
        });
      } catch (e) {
        inFlight.delete(slot);
        if (stop.signal.aborted) return; // interrupted: the point is not written
        if (e instanceof RunAbortedError) {
          summary.failed.push({ key: p.key, message: e.message });
          done++;
          continue;
        }
        fatal ??= e instanceof ConfigError ? renameForPoint(e, p.point, opts.renameError) : e;
        stop.abort();
        return;
      }
      inFlight.delete(slot);
      if (!result.complete || stop.signal.aborted) return; // interrupted: the point is not written
      const line: SweepLine = {
        schema: SWEEP_SCHEMA,
        key: p.key,
        design: p.point.design,
        designName: plan.designNames.get(p.point.design) ?? p.point.design,
        seed: p.point.seed,
        params: p.point.params,
        base: plan.base,
        grid,
        result,
      };
      appendLine(spec.out, line);
      summary.ran++;
      summary.remaining--;
      if (!result.ok) summary.notOk++;
      done++;
      opts.onPoint?.(line);
      progress();
    }
  };

  // One point at a time runs in this process, as it always has; --jobs N runs each job's
  // points in a process of its own, so that N runs do not share one event loop.
  const runners: PointRunner[] = jobs > 1 ? Array.from({ length: jobs }, () => new ChildRunner()) : [new InProcessRunner()];
  try {
    await Promise.all(runners.map((r, slot) => job(r, slot)));
  } finally {
    opts.signal?.removeEventListener('abort', onUserAbort);
    await Promise.all(runners.map((r) => r.close()));
  }
  if (fatal !== undefined) throw fatal;
  summary.interrupted = Boolean(opts.signal?.aborted);
  summary.wallMs = Date.now() - t0;
  return summary;
}
