/** `btsim merge OUT IN...`: join the shard files of a sweep. */
import type { Command } from 'commander';
import { mergeSweepFiles } from '../sweep/merge.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('join sweep files (the shards of one sweep) into OUT: one line per point, duplicates dropped, in a stable order (OUT\'s own points are kept if it exists)')
    .argument('<out>', 'the merged NDJSON file')
    .argument('<in...>', 'sweep files to join')
    .action((out: string, inputs: string[]) => {
      const s = mergeSweepFiles(out, inputs);
      for (const t of s.torn) process.stderr.write(`btsim: ${t}: its last line was cut short (an interrupted write) and was skipped\n`);
      process.stdout.write(`merge: ${s.points} points in ${out} (${s.duplicates} duplicates dropped)\n`);
    });
}
