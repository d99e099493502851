/**
 * `btsim merge OUT IN...`: join sweep files (the shards of one sweep) into one. Points are
 * deduplicated by key (the first file that has a point wins, OUT's own points first when it
 * exists) and written in comparePoints() order, so the result does not depend on the order
 * of the shards. All files must belong to one sweep (the same shared settings).
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../model/errors.js';
import { comparePoints } from './grid.js';
import { readSweepFile, type SweepLine } from './ndjson.js';
import { canonicalJson } from './params.js';
import { checkOutputFile } from '../io/output-paths.js';

export interface MergeSummary {
  points: number;
  duplicates: number;
  /** Files whose last line was torn (skipped). */
  torn: string[];
}

export function mergeSweepFiles(out: string, inputs: string[]): MergeSummary {
  if (inputs.length === 0) throw new ConfigError('IN', '', 'at least one sweep file to merge');
  // OUT is replaced by renaming a file written beside it: a regular file, or none yet.
  checkOutputFile('OUT', out, { regularOnly: true });
  const outAbs = resolve(out);
  const sources = existsSync(out) && !inputs.some((i) => resolve(i) === outAbs) ? [out, ...inputs] : inputs;
  const byKey = new Map<string, SweepLine>();
  const torn: string[] = [];
  let duplicates = 0;
  let base: string | undefined;
  let baseFrom = '';
  for (const path of sources) {
    const f = readSweepFile(path, path === out ? 'OUT' : 'IN');
    if (f.tornTail) torn.push(path);
    for (const l of f.lines) {
      const b = canonicalJson(l.base ?? {});
      if (base === undefined) {
        base = b;
        baseFrom = path;
      } else if (b !== base) {
        throw new ConfigError('IN', path, `shards of one sweep: its points were run with other shared settings than those of ${baseFrom}`);
      }
      if (byKey.has(l.key)) duplicates++;
      else byKey.set(l.key, l);
    }
  }
  const lines = [...byKey.values()].sort((a, b) => comparePoints(a, b));
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, lines.map((l) => JSON.stringify(l) + '\n').join(''));
  renameSync(tmp, out);
  return { points: lines.length, duplicates, torn };
}
