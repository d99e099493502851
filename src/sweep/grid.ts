/**
 * The grid of a sweep.
 *
 * The grid of a sweep: every combination of designs x parameter values x seeds, in a fixed
 * order (designs outermost, then the parameters in the order given with the last one
 * varying fastest, then seeds). A point is identified by its key, built from its values
 * alone (sorted field names, canonical JSON values), so the same point has the same key
 * whatever the order of the flags, the shard, or the machine.
 */
import { ConfigError } from '../model/errors.js';
import { canonicalJson, type ParamAxis } from './params.js';

export interface GridPoint {
  design: string;
  seed: number;
  /** Swept config fields (dotted paths) to their values, in the order the axes were given. */
  params: Record<string, unknown>;
}

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function pointKey(p: GridPoint): string {
  const parts = Object.keys(p.params).sort().map((k) => `${k}=${canonicalJson(p.params[k])}`);
  parts.push(`design=${JSON.stringify(p.design)}`, `seed=${p.seed}`);
  return parts.join(' ');
}

export function buildGrid(designs: string[], axes: ParamAxis[], seeds: number[]): GridPoint[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const a of axes) {
    const next: Record<string, unknown>[] = [];
    for (const c of combos) for (const v of a.values) next.push({ ...c, [a.path]: v });
    combos = next;
  }
  const out: GridPoint[] = [];
  for (const design of designs) for (const params of combos) for (const seed of seeds) out.push({ design, seed, params });
  return out;
}

/** `--shard I/N` (1 <= I <= N). */
export function parseShard(raw: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(raw);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index >= 1) || index > count || count > 1_000_000) {
    throw new ConfigError('--shard', raw, 'I/N with 1 <= I <= N (for example 2/3: the second of three slices)');
  }
  return { index, count };
}

/** Round-robin over the grid order: point k belongs to shard (k mod N) + 1. */
export function inShard(gridIndex: number, shard: Shard | undefined): boolean {
  return !shard || gridIndex % shard.count === shard.index - 1;
}

/** `--seeds 1,2,3`. */
export function parseSeeds(raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const seeds = parts.map((s) => (/^\d+$/.test(s) ? Number(s) : NaN));
  const bad = parts.find((_, i) => !Number.isInteger(seeds[i]) || seeds[i]! > 0xffff_ffff);
  if (bad !== undefined) throw new ConfigError('--seeds', bad, 'a comma-separated list of integers from 0 to 4294967295');
  if (new Set(seeds).size !== seeds.length) throw new ConfigError('--seeds', raw, 'seeds listed once each');
  return seeds;
}

/** `--designs a,b,./my-design.js`. */
export function parseDesigns(raw: string): string[] {
  const designs = raw.split(',').map((s) => s.trim());
  if (designs.some((d) => d === '')) throw new ConfigError('--designs', raw, 'a comma-separated list of design names or module paths, none empty');
  if (new Set(designs).size !== designs.length) throw new ConfigError('--designs', raw, 'designs listed once each');
  return designs;
}

function cmpValue(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  const x = canonicalJson(a);
  const y = canonicalJson(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A total order on points that does not depend on where they came from: parameters by
 * field name (numbers numerically), then design, then seed. `btsim merge` writes in it.
 */
export function comparePoints(a: GridPoint, b: GridPoint): number {
  const names = [...new Set([...Object.keys(a.params), ...Object.keys(b.params)])].sort();
  for (const n of names) {
    const c = cmpValue(a.params[n], b.params[n]);
    if (c) return c;
  }
  if (a.design !== b.design) return a.design < b.design ? -1 : 1;
  return a.seed - b.seed;
}
