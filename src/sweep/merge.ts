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
import { readSweepFiles } from './ndjson.js';
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
  const read = readSweepFiles(sources, (p) => (p === out ? 'OUT' : 'IN'), (first) => `shards of one sweep: its points were run with other shared settings than those of ${first}`);
  const lines = read.lines.sort((a, b) => comparePoints(a, b));
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, lines.map((l) => JSON.stringify(l) + '\n').join(''));
  renameSync(tmp, out);
  return { points: lines.length, duplicates: read.duplicates, torn: read.torn };
}
