/**
 * Sweep files: one JSON line per point (schema btsim.sweep/1), the run result plus the
 * point's parameters and the sweep it belongs to. Lines are appended with one write each; a
 * process killed in the middle of a write can leave a torn last line without a newline,
 * which a resuming sweep cuts off (and `merge`/`report` skip, saying so).
 */
import { appendFileSync, existsSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { ConfigError } from '../model/errors.js';
import type { HostFigures, RunResult } from '../run/result.js';
import { pointKey, type GridPoint } from './grid.js';
import { canonicalJson } from './params.js';
import type { SweepGrid } from './identity.js';

export const SWEEP_SCHEMA = 'btsim.sweep/1';

export interface SweepLine extends GridPoint {
  schema: typeof SWEEP_SCHEMA;
  /** pointKey(): the swept values, design and seed. */
  key: string;
  /** The design's own name (for a design module, `design` is its path as given). */
  designName: string;
  /** The settings every point of the sweep shares (flags and config file, minus the axes). */
  base: Record<string, unknown>;
  /** The whole grid the point was run as part of (absent in files of btsim before `--jobs`). */
  grid?: SweepGrid;
  result: SweepResult;
}

/**
 * A run result as a sweep file holds it. `btsim merge` drops `host` from modelled-clock
 * results (merge.ts says why), so a reader must do without it.
 */
export type SweepResult = Omit<RunResult, 'host'> & { host?: HostFigures };

export interface SweepFile {
  lines: SweepLine[];
  /** A last line without a newline that is not valid JSON: a write that was cut short. */
  tornTail: boolean;
  /** Byte length of the file up to the torn tail (where appending should go on). */
  goodBytes: number;
}

function checkGrid(g: unknown): boolean {
  if (g === undefined) return true;
  if (!g || typeof g !== 'object') return false;
  const o = g as Record<string, unknown>;
  return Array.isArray(o.designs) && Array.isArray(o.seeds) && Array.isArray(o.axes) &&
    o.axes.every((a: unknown) => !!a && typeof a === 'object' && typeof (a as Record<string, unknown>).path === 'string' && Array.isArray((a as Record<string, unknown>).values));
}

function checkLine(v: unknown): v is SweepLine {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return o.schema === SWEEP_SCHEMA && checkGrid(o.grid) && typeof o.design === 'string' && typeof o.seed === 'number' &&
    !!o.params && typeof o.params === 'object' && !Array.isArray(o.params) &&
    !!o.result && typeof o.result === 'object' && !!(o.result as Record<string, unknown>).totals;
}

/** Read a sweep file. `label` names it in errors (`--out`, or the argument). */
export function readSweepFile(path: string, label: string): SweepFile {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new ConfigError(label, path, 'an existing NDJSON file written by btsim sweep');
  }
  const text = readFileSync(path, 'utf8');
  const rows = text.split('\n');
  const lines: SweepLine[] = [];
  let tornTail = false;
  let offset = 0;
  let goodBytes = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const last = i === rows.length - 1;
    const rowBytes = Buffer.byteLength(row) + (last ? 0 : 1);
    if (row.trim() === '') {
      offset += rowBytes;
      if (!last) goodBytes = offset;
      continue;
    }
    let v: unknown;
    try {
      v = JSON.parse(row);
    } catch {
      if (last) {
        tornTail = true;
        break;
      }
      throw new ConfigError(`${label} ${path}:${i + 1}`, row.slice(0, 40), `a JSON line written by btsim sweep (schema ${SWEEP_SCHEMA})`);
    }
    if (!checkLine(v)) {
      throw new ConfigError(`${label} ${path}:${i + 1}`, row.slice(0, 40), `a JSON line written by btsim sweep (schema ${SWEEP_SCHEMA})`);
    }
    v.key = pointKey(v);
    lines.push(v);
    offset += rowBytes;
    goodBytes = offset;
  }
  // A complete last line that lacks only its newline is kept; appending adds the newline.
  return { lines, tornTail, goodBytes };
}

/** Cut a torn last line off, so the next append starts on a line of its own. */
export function repairTail(path: string, file: SweepFile): void {
  if (file.tornTail) truncateSync(path, file.goodBytes);
  else if (existsSync(path)) {
    const text = readFileSync(path);
    if (text.length && text[text.length - 1] !== 0x0a) appendFileSync(path, '\n');
  }
}

export function appendLine(path: string, line: SweepLine): void {
  appendFileSync(path, JSON.stringify(line) + '\n');
}

/**
 * Read several sweep files as one set of points: the first line of each key wins. They must
 * be files of one sweep (the same shared settings): two points of one key run with other
 * settings are not duplicates, and neither a merge nor a report may drop one for the other.
 * `label` names the argument a file was given as, in errors; `refused` is the message of the
 * file whose settings differ, given the file whose settings came first.
 */
export function readSweepFiles(
  paths: string[],
  label: string | ((path: string) => string),
  refused: (first: string) => string,
): { lines: SweepLine[]; torn: string[]; duplicates: number } {
  const byKey = new Map<string, SweepLine>();
  const torn: string[] = [];
  let duplicates = 0;
  let base: string | undefined;
  let baseFrom = '';
  for (const p of paths) {
    const name = typeof label === 'string' ? label : label(p);
    const f = readSweepFile(p, name);
    if (f.tornTail) torn.push(p);
    for (const l of f.lines) {
      const b = canonicalJson(l.base ?? {});
      if (base === undefined) {
        base = b;
        baseFrom = p;
      } else if (b !== base) {
        throw new ConfigError(name, p, `${refused(baseFrom)} (${describeBaseDiff(JSON.parse(base) as Record<string, unknown>, l.base ?? {})})`);
      }
      if (byKey.has(l.key)) duplicates++;
      else byKey.set(l.key, l);
    }
  }
  return { lines: [...byKey.values()], torn, duplicates };
}

/** The shared settings that differ, as "name: A there, B here" (at most three). */
export function describeBaseDiff(there: Record<string, unknown>, here: Record<string, unknown>): string {
  const names = [...new Set([...Object.keys(there), ...Object.keys(here)])].sort();
  const diffs = names
    .filter((n) => canonicalJson(there[n]) !== canonicalJson(here[n]))
    .map((n) => `${n}: ${there[n] === undefined ? 'unset' : canonicalJson(there[n])} there, ${here[n] === undefined ? 'unset' : canonicalJson(here[n])} here`);
  return diffs.slice(0, 3).join('; ') + (diffs.length > 3 ? '; ...' : '');
}
