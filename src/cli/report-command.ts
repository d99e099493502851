/** `btsim report FILE.ndjson... [--html report.html]`: plots and a table of a sweep. */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../model/errors.js';
import { sumLost } from '../run/result.js';
import { readSweepFiles } from '../sweep/ndjson.js';
import { comparePoints } from '../sweep/grid.js';
import { renderReport } from '../report/html.js';
import { designLabels, hwAttempted, stallPerKBranch } from '../report/metrics.js';
import { table } from './table.js';
import { checkOutputFile } from '../io/output-paths.js';

function reportCommand(files: string[], opts: Record<string, unknown>): void {
  if (opts.html !== undefined) checkOutputFile('--html', String(opts.html));
  // Points of two sweeps with other shared settings would share keys, and one would hide the other.
  const { lines, torn, duplicates } = readSweepFiles(files, 'FILE', (first) => `files of one sweep: its points were run with other shared settings than those of ${first} (merge refuses them too)`);
  for (const t of torn) process.stderr.write(`btsim: ${t}: its last line was cut short (an interrupted write) and was skipped\n`);
  if (lines.length === 0) throw new ConfigError('FILE', files.join(' '), 'sweep files with at least one point');
  const title = opts.title !== undefined ? String(opts.title) : `btsim sweep: ${files.map((f) => basename(f)).join(', ')}`;
  if (opts.html !== undefined) {
    const html = renderReport(lines, { title, sources: files.map((f) => basename(f)) });
    writeFileSync(String(opts.html), html);
    process.stdout.write(`report: ${lines.length} points${duplicates ? ` (${duplicates} duplicates dropped)` : ''} -> ${String(opts.html)} (${Math.round(Buffer.byteLength(html) / 1024)} KiB, self-contained)\n`);
    return;
  }
  const labels = designLabels(lines);
  const paths = [...new Set(lines.flatMap((l) => Object.keys(l.params)))];
  process.stdout.write(table(
    ['design', 'seed', ...paths, 'hw lost', 'hw loss %', 'stall µs/1k br', 'branches/s', 'ok'],
    [...lines].sort(comparePoints).map((l) => {
      const hw = hwAttempted(l);
      return [
        labels.get(l.design) ?? l.design, l.seed,
        ...paths.map((p) => (typeof l.params[p] === 'number' ? (l.params[p] as number) : l.params[p] === undefined ? '' : JSON.stringify(l.params[p]))),
        sumLost(l.result.totals.lost), hw ? ((100 * sumLost(l.result.totals.lost)) / hw).toFixed(2) : '0.00',
        stallPerKBranch(l).toFixed(1), l.result.host ? l.result.host.branchesPerSec : '-', l.result.ok ? 'yes' : 'NO',
      ];
    }),
  ) + '\n');
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('plots and a table of sweep results: loss rate by cause, CPU stall and throughput against each swept parameter, a line per design')
    .argument('<files...>', 'NDJSON files written by btsim sweep (or btsim merge)')
    .option('--html <file>', 'write one self-contained HTML file (charting library inlined; opens without network access)')
    .option('--title <text>', 'title of the report')
    .action(reportCommand);
}
