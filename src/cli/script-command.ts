/**
 * `btsim script DUMP.bts [--json]`: print a consumer's dumped stream, one record per line
 * (as `perf script` prints a perf.data file), or NDJSON. Streams the file: a dump of any size
 * prints in bounded memory, and `| head` stops it at once (broken-output.ts).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { ConfigError } from '../model/errors.js';
import { scriptLine } from '../consumers/dump-script.js';

const RECORD_BYTES = 24;
/** Records read and printed at a time. */
const BATCH = 4096;

function checkDump(path: string): number {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ConfigError('DUMP', path, 'a .bts file written by btsim run --dump (a regular file)');
    size = st.size;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError('DUMP', path, `a .bts file written by btsim run --dump (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (size % RECORD_BYTES !== 0) {
    throw new ConfigError('DUMP', path, `a .bts file written by btsim run --dump: a whole number of 24-byte records (it has ${size} bytes)`);
  }
  return size / RECORD_BYTES;
}

async function scriptCommand(path: string, opts: Record<string, unknown>): Promise<void> {
  const records = checkDump(path);
  const json = Boolean(opts.json);
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(BATCH * RECORD_BYTES);
    for (let first = 0; first < records; first += BATCH) {
      const n = Math.min(BATCH, records - first);
      readSync(fd, buf, 0, n * RECORD_BYTES, first * RECORD_BYTES);
      const lines: string[] = [];
      for (let i = 0; i < n; i++) lines.push(scriptLine(buf, i * RECORD_BYTES, first + i, json));
      // Wait for the terminal or the pipe: output does not pile up in memory.
      if (!process.stdout.write(lines.join('\n') + '\n')) await once(process.stdout, 'drain');
    }
  } finally {
    closeSync(fd);
  }
}

export function registerScript(program: Command): void {
  program
    .command('script')
    .description('print a consumer stream dumped by run --dump (DIR/<id>.bts), one record per line as perf script does: FROM => TO with pseudo-PCs by name, switch_mm and loss markers spelled out')
    .argument('<dump>', 'a .bts file written by btsim run --dump')
    .option('--json', 'one JSON object per record (NDJSON): index, type (branch, switch_mm, loss) and its fields')
    .action(scriptCommand);
}
