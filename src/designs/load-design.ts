/**
 * Resolve `--design`: a built-in name, or a path to an ES module whose default export (or
 * `design` export) is a SwapDesign.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../model/errors.js';
import type { SwapDesign } from './design.js';
import { builtinDesign } from './registry.js';
import { checkDesignFile } from '../io/input-files.js';
import { isDesignPath } from '../io/design-path.js';

export { isDesignPath } from '../io/design-path.js';

export async function loadDesign(name: string): Promise<SwapDesign> {
  if (!isDesignPath(name)) return builtinDesign(name);
  const path = resolve(name);
  if (!existsSync(path)) throw new ConfigError('design', name, 'a built-in design name or the path of an existing ES module');
  checkDesignFile('design', name);
  let mod: Record<string, unknown>;
  // A module that calls process.exit as it loads must not end the process with it.
  const exit = process.exit;
  process.exit = ((code?: number) => {
    throw new Error(`it called process.exit(${code ?? ''}) as it loaded`);
  }) as typeof process.exit;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError('design', name, `an ES module that loads (${(e as Error).message.split('\n')[0]})`);
  } finally {
    process.exit = exit;
  }
  const d = (mod.default ?? mod.design) as Partial<SwapDesign> | undefined;
  if (!d || typeof d !== 'object' || typeof d.onOverflow !== 'function' || typeof d.name !== 'string') {
    throw new ConfigError('design', name, 'a module whose default export is a design { name, description, onOverflow }');
  }
  return d as SwapDesign;
}
