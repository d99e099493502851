/**
 * Checks of output paths before any work starts.
 *
 * Output paths (`--timeline`, `--dump`, `report --html`, `sweep --out`, `merge OUT`) are
 * checked before any work: a run of several minutes must not end in ENOENT because the
 * directory of its timeline does not exist. Each check tries what the writer will do (open
 * the file for appending, create a file in the directory) and undoes it, so a sysfs
 * directory, a read-only mount or a FIFO nobody reads is found too, which permissions alone
 * would not tell (root passes every permission check).
 */
import { closeSync, constants, mkdirSync, openSync, rmSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../model/errors.js';

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'ENOENT: its directory does not exist';
    case 'ENOTDIR': return 'ENOTDIR: a part of the path is not a directory';
    case 'EACCES': case 'EPERM': return `${code}: permission denied`;
    case 'EROFS': return 'EROFS: read-only file system';
    case 'ENXIO': return 'ENXIO: a FIFO nobody reads';
    case 'EISDIR': return 'EISDIR: it is a directory';
    default: return code ?? (e as Error).message;
  }
}

/**
 * Refuse a file path that cannot be written: ConfigError naming `field`. `regularOnly`: the
 * writer appends to or replaces the file (a sweep file, a merge), so a device or a FIFO
 * will not do either.
 */
export function checkOutputFile(field: string, path: string, opts: { regularOnly?: boolean } = {}): void {
  if (path === '') throw new ConfigError(field, path, 'the path of a file to write');
  let st: Stats | undefined;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(field, path, `a file that can be written (${reason(e)})`);
  }
  if (st?.isDirectory()) throw new ConfigError(field, path, 'the path of a file to write, not a directory');
  if (st && opts.regularOnly && !st.isFile()) throw new ConfigError(field, path, 'the path of a regular file to write (not a device or a FIFO)');
  try {
    // O_NONBLOCK: a FIFO nobody reads fails at once (ENXIO) rather than waiting for a reader.
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NONBLOCK, 0o666));
  } catch (e) {
    throw new ConfigError(field, path, `a file that can be written (${reason(e)})`);
  }
  if (!st) rmSync(path, { force: true });
}

/** Create `dir` if needed and make sure files can be created in it: ConfigError naming `field`. */
export function checkOutputDir(field: string, dir: string): void {
  if (dir === '') throw new ConfigError(field, dir, 'the path of a directory to write into');
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new ConfigError(field, dir, `a directory that can be created (${reason(e)})`);
  }
  const probe = join(dir, `.btsim-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (e) {
    throw new ConfigError(field, dir, `a directory files can be written into (${reason(e)})`);
  }
  rmSync(probe, { force: true });
}
