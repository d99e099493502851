/**
 * Files the user names as input (`--config`, a design module), checked before they are read
 * or imported: only a regular file of bounded size. Reading `/dev/zero` grows memory until
 * the process aborts, a FIFO blocks for ever, and importing a device crashes Node.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../model/errors.js';
import { isDesignPath } from './design-path.js';

/** Far above any real config or design module, far below what would strain memory. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/**
 * Refuse `path` unless it is a regular file of at most MAX_INPUT_BYTES. A path that does not
 * exist passes: the reader says so in its own words.
 */
export function checkInputFile(field: string, path: string, what: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    return;
  }
  if (!st.isFile()) throw new ConfigError(field, path, `${what}: a regular file (not a directory, a device or a FIFO)`);
  if (st.size > MAX_INPUT_BYTES) {
    throw new ConfigError(field, path, `${what} of at most ${MAX_INPUT_BYTES / 1024 / 1024} MiB (it has ${st.size} bytes)`);
  }
}

/** A design given as a module path must be a regular file too; a built-in name passes. */
export function checkDesignFile(field: string, design: string): void {
  if (isDesignPath(design)) checkInputFile(field, resolve(design), 'a design module');
}
