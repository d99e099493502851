/** `btsim merge OUT IN...`: join the shard files of a sweep. */
import type { Command } from 'commander';
import { mergeSweepFiles } from '../sweep/merge.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('join sweep files (the shards of one sweep) into OUT: one line per point, duplicates dropped, in a stable order (OUT\'s own points are kept if it exists); host figures of modelled-clock results are dropped, so the same sweep merges to the same bytes wherever its points ran')
    .argument('<out>', 'the merged NDJSON file')
    .argument('<in...>', 'sweep files to join')
    .option('--keep-host', 'keep every result\'s host figures (wall time, branches/s), e.g. when all points ran on one machine')
    .action((out: string, inputs: string[], opts: { keepHost?: boolean }) => {
      const s = mergeSweepFiles(out, inputs, { keepHost: opts.keepHost });
      for (const t of s.torn) process.stderr.write(`btsim: ${t}: its last line was cut short (an interrupted write) and was skipped\n`);
      const of = s.gridSize !== undefined ? ` of the grid's ${s.gridSize}` : '';
      process.stdout.write(`merge: ${s.points}${of} points in ${out} (${s.duplicates} duplicates dropped)\n`);
      if (s.missing) {
        process.stderr.write(`btsim: ${s.missing} of the grid's ${s.gridSize} points are missing from ${out}: shards not finished or not given (btsim sweep --dry-run --out ${out} with the sweep's flags lists them)\n`);
      }
    });
}
