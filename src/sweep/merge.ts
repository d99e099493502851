/**
 * `btsim merge OUT IN...`: join sweep files (the shards of one sweep) into one. Points are
 * deduplicated by key (the first file that has a point wins, OUT's own points first when it
 * exists) and written in comparePoints() order, so the result does not depend on the order
 * of the shards. All files must belong to one sweep (the same shared settings and grid).
 *
 * Host figures (`result.host`: wall time, branches per second) are dropped from results of
 * the modelled clock. Everything else in such a result is a function of the config, seed
 * and costs, so the same sweep merges to the same bytes however it was spread over machines
 * and processes; the host figures would only tell how busy each machine happened to be, and
 * those of points run on different machines mean nothing side by side. Results of the host
 * clock keep them: their loss and stall are the host's anyway, and the stall share is taken
 * over their wall time. `keepHost` keeps them all (one machine, one file: its speed means
 * something).
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ConfigError } from '../model/errors.js';
import { buildGrid, comparePoints, pointKey } from './grid.js';
import { gridSize, sweepMismatch, type SweepGrid } from './identity.js';
import { readSweepFile, type SweepLine } from './ndjson.js';
import { checkOutputFile } from '../io/output-paths.js';

export interface MergeOptions {
  keepHost?: boolean;
}

export interface MergeSummary {
  points: number;
  duplicates: number;
  /** Files whose last line was torn (skipped). */
  torn: string[];
  /** The sweep's grid size, when the lines name their grid (files of older btsim versions do not). */
  gridSize?: number;
  /** Points of the grid in none of the files. */
  missing?: number;
}

/** The sweep the first line belongs to: its shared settings, and the first grid seen. */
interface Reference {
  base: Record<string, unknown>;
  baseFrom: string;
  grid?: SweepGrid;
  gridFrom: string;
}

function checkSameSweep(ref: Reference, l: SweepLine, path: string): void {
  const labels = (from: string) => ({ there: `in ${basename(path)}`, here: `in ${basename(from)}` });
  const why = sweepMismatch({ base: l.base }, { base: ref.base }, labels(ref.baseFrom)) ??
    sweepMismatch({ grid: l.grid }, { grid: ref.grid }, labels(ref.gridFrom));
  if (why) throw new ConfigError('IN', path, `shards of one sweep, but its points belong to a sweep with ${why}`);
}

export function mergeSweepFiles(out: string, inputs: string[], opts: MergeOptions = {}): MergeSummary {
  if (inputs.length === 0) throw new ConfigError('IN', '', 'at least one sweep file to merge');
  // OUT is replaced by renaming a file written beside it: a regular file, or none yet.
  checkOutputFile('OUT', out, { regularOnly: true });
  const outAbs = resolve(out);
  const sources = existsSync(out) && !inputs.some((i) => resolve(i) === outAbs) ? [out, ...inputs] : inputs;
  const byKey = new Map<string, SweepLine>();
  const torn: string[] = [];
  let duplicates = 0;
  let ref: Reference | undefined;
  for (const path of sources) {
    const f = readSweepFile(path, path === out ? 'OUT' : 'IN');
    if (f.tornTail) torn.push(path);
    for (const l of f.lines) {
      ref ??= { base: l.base ?? {}, baseFrom: path, gridFrom: path };
      if (!ref.grid && l.grid) {
        ref.grid = l.grid;
        ref.gridFrom = path;
      }
      checkSameSweep(ref, l, path);
      if (byKey.has(l.key)) duplicates++;
      else byKey.set(l.key, l);
    }
  }
  const lines = [...byKey.values()].sort((a, b) => comparePoints(a, b));
  if (!opts.keepHost) for (const l of lines) if (l.result.clock === 'model') delete l.result.host;
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, lines.map((l) => JSON.stringify(l) + '\n').join(''));
  renameSync(tmp, out);
  const summary: MergeSummary = { points: lines.length, duplicates, torn };
  if (ref?.grid) {
    const g = ref.grid;
    const have = new Set(byKey.keys());
    summary.gridSize = gridSize(g);
    summary.missing = buildGrid(g.designs, g.axes, g.seeds).filter((p) => !have.has(pointKey(p))).length;
  }
  return summary;
}
