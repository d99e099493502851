/**
 * `--param NAME=V1,V2,...`: which config field a sweep axis sets, and its values converted
 * by the field's schema (numbers strictly, booleans as true/false). NAME is a config field
 * path as in a `--config` file, nested ones with dots (`workload.syscallRate`). A value
 * list that starts with `[` is read as a JSON array of values, which is how object and
 * array fields (`consumers`, per-CPU `format`) are swept.
 */
import { z } from 'zod';
import { configSchema } from '../model/config-schema.js';
import { didYouMean } from '../base/did-you-mean.js';
import { ConfigError } from '../model/errors.js';

/** Fields that have axes of their own (`--designs`, `--seeds`). */
const OWN_AXES: Record<string, string> = { design: '--designs', seed: '--seeds' };

export interface ParamAxis {
  /** Config field path, dotted: `cpus`, `workload.syscallRate`. */
  path: string;
  values: unknown[];
}

type Leaf = 'int' | 'number' | 'boolean' | 'string' | 'union' | 'structured';

function unwrap(s: z.ZodTypeAny | undefined): z.ZodTypeAny | undefined {
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodTypeAny;
  return s;
}

/** The kind of value a config field path holds; throws a ConfigError for an unknown field. */
export function fieldKind(path: string, flag = '--param'): Leaf {
  const parts = path.split('.');
  let s: z.ZodTypeAny | undefined = configSchema;
  for (let i = 0; i < parts.length; i++) {
    s = unwrap(s);
    const p = parts[i]!;
    if (!(s instanceof z.ZodObject)) {
      throw new ConfigError(`${flag} ${path}`, path, `a config field (${parts.slice(0, i).join('.')} has no fields)`);
    }
    const shape = s.shape as Record<string, z.ZodTypeAny>;
    if (!Object.hasOwn(shape, p)) {
      const known = Object.keys(shape);
      const where = i === 0 ? 'a config field' : `a field of ${parts.slice(0, i).join('.')} (${known.join(', ')})`;
      throw new ConfigError(`${flag} ${path}`, path, where + didYouMean(p, known));
    }
    s = shape[p];
  }
  s = unwrap(s);
  if (s instanceof z.ZodNumber) return s.isInt ? 'int' : 'number';
  if (s instanceof z.ZodBoolean) return 'boolean';
  if (s instanceof z.ZodString || s instanceof z.ZodEnum) return 'string';
  if (s instanceof z.ZodUnion || s instanceof z.ZodLiteral) return 'union';
  return 'structured';
}

/** Like the run flags: "12abc", "", "NaN" and "1e400" are not numbers. */
function strictNumber(raw: string, int: boolean): number | string {
  const t = raw.trim();
  const re = int ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
  if (!re.test(t)) return raw;
  const n = Number(t);
  return Number.isFinite(n) ? n : raw;
}

function coerce(raw: string, kind: Leaf): unknown {
  switch (kind) {
    case 'int': return strictNumber(raw, true);
    case 'number': return strictNumber(raw, false);
    case 'boolean': return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'union': {
      const n = strictNumber(raw, false);
      if (typeof n === 'number') return n;
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    }
    default: return raw;
  }
}

/** Parse one `--param` flag. Values are checked against the schema later, per point. */
export function parseParam(spec: string): ParamAxis {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new ConfigError('--param', spec, 'NAME=V1,V2,... (for example cpus=1,2,4 or workload.syscallRate=4,8)');
  const path = spec.slice(0, eq).trim();
  const list = spec.slice(eq + 1).trim();
  if (!/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(path)) {
    throw new ConfigError('--param', spec, 'NAME=V1,V2,... where NAME is a config field such as cpus or workload.syscallRate');
  }
  if (OWN_AXES[path]) throw new ConfigError(`--param ${path}`, spec, `${OWN_AXES[path]} for this axis`);
  const kind = fieldKind(path);
  let values: unknown[];
  if (list.startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(list);
    } catch (e) {
      throw new ConfigError(`--param ${path}`, list, `a JSON array of values (${(e as Error).message})`);
    }
    if (!Array.isArray(v) || v.length === 0) throw new ConfigError(`--param ${path}`, list, 'a non-empty JSON array of values');
    values = v;
  } else {
    if (kind === 'structured') {
      throw new ConfigError(`--param ${path}`, list, `a JSON array of values, since ${path} is an object or array field (e.g. --param '${path}=[...,...]')`);
    }
    const parts = list.split(',').map((p) => p.trim());
    if (list === '' || parts.some((p) => p === '')) throw new ConfigError(`--param ${path}`, list, 'a comma-separated list of values, none empty');
    values = parts.map((p) => coerce(p, kind));
  }
  const seen = new Set<string>();
  for (const v of values) {
    const k = canonicalJson(v);
    if (seen.has(k)) throw new ConfigError(`--param ${path}`, v, 'values listed once each');
    seen.add(k);
  }
  return { path, values };
}

/** Parse all `--param` flags; a field may be swept once. */
export function parseParams(specs: string[]): ParamAxis[] {
  const axes = specs.map(parseParam);
  const seen = new Set<string>();
  for (const a of axes) {
    if (seen.has(a.path)) throw new ConfigError(`--param ${a.path}`, a.path, 'one --param per field (list all its values in it)');
    for (const s of seen) {
      if (a.path.startsWith(s + '.') || s.startsWith(a.path + '.')) {
        throw new ConfigError(`--param ${a.path}`, a.path, `a field that does not overlap --param ${s}`);
      }
    }
    seen.add(a.path);
  }
  return axes;
}

/** Set a dotted path in a plain object (copying the objects on the way). */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const parts = path.split('.');
  const out: Record<string, unknown> = { ...obj };
  let cur = out;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!;
    const next = cur[p];
    const copy = next && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
    cur[p] = copy;
    cur = copy;
  }
  cur[parts[parts.length - 1]!] = value;
  return out;
}

/** Remove a dotted path from a plain object (copying), dropping objects left empty. */
export function deletePath(obj: Record<string, unknown>, path: string): Record<string, unknown> {
  const parts = path.split('.');
  const out: Record<string, unknown> = { ...obj };
  if (parts.length === 1) {
    delete out[parts[0]!];
    return out;
  }
  const head = out[parts[0]!];
  if (!head || typeof head !== 'object' || Array.isArray(head)) return out;
  const inner = deletePath(head as Record<string, unknown>, parts.slice(1).join('.'));
  if (Object.keys(inner).length) out[parts[0]!] = inner;
  else delete out[parts[0]!];
  return out;
}

/** JSON with object keys sorted: the same value always gives the same text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
