/**
 * Which sweep a line belongs to: its shared settings (`base`) and its grid (designs, axes
 * and seeds, each in the order given). The order is part of the identity because it decides
 * which points `--shard I/N` gives to each slice: shards of "a,b" and of "b,a" would
 * overlap and leave holes. A resume and a merge accept only lines of one sweep.
 */
import type { ParamAxis } from './params.js';
import { canonicalJson } from './params.js';

export interface SweepGrid {
  designs: string[];
  axes: ParamAxis[];
  seeds: number[];
}

/** The part of a sweep line that names its sweep; `grid` is absent in files of older btsim versions. */
export interface SweepIdentity {
  base?: Record<string, unknown>;
  grid?: SweepGrid;
}

export function gridSize(g: SweepGrid): number {
  return g.axes.reduce((n, a) => n * a.values.length, g.designs.length * g.seeds.length);
}

/** The grid as named fields, so that a difference can be told like one of the shared settings. */
function gridFields(g: SweepGrid): Record<string, unknown> {
  const out: Record<string, unknown> = { '--designs': g.designs, '--seeds': g.seeds, '--param order': g.axes.map((a) => a.path) };
  for (const a of g.axes) out[`--param ${a.path}`] = a.values;
  return out;
}

/** Where each side of a difference is: "there"/"here" for a resume, file names for a merge. */
export interface DiffLabels {
  there: string;
  here: string;
}

const RESUME: DiffLabels = { there: 'there', here: 'here' };

/** The fields that differ, as "name: X there, Y here" (at most three, then "..."). */
export function describeDiff(there: Record<string, unknown>, here: Record<string, unknown>, labels: DiffLabels = RESUME): string {
  const names = [...new Set([...Object.keys(there), ...Object.keys(here)])].sort();
  const show = (v: unknown) => (v === undefined ? 'unset' : canonicalJson(v));
  const diffs = names
    .filter((n) => canonicalJson(there[n]) !== canonicalJson(here[n]))
    .map((n) => `${n}: ${show(there[n])} ${labels.there}, ${show(here[n])} ${labels.here}`);
  return diffs.slice(0, 3).join('; ') + (diffs.length > 3 ? '; ...' : '');
}

/**
 * Why a line (`there`) is not of the sweep `here`, or undefined when it is. A line without
 * a grid (an older file) is judged by its shared settings alone.
 */
export function sweepMismatch(there: SweepIdentity, here: SweepIdentity, labels: DiffLabels = RESUME): string | undefined {
  const tb = there.base ?? {};
  const hb = here.base ?? {};
  if (canonicalJson(tb) !== canonicalJson(hb)) return `other shared settings (${describeDiff(tb, hb, labels)})`;
  if (there.grid && here.grid && canonicalJson(there.grid) !== canonicalJson(here.grid)) {
    return `another grid (${describeDiff(gridFields(there.grid), gridFields(here.grid), labels)})`;
  }
  return undefined;
}
