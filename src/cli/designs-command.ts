/** `btsim designs`: the built-in swap designs, one line each. */
import type { Command } from 'commander';
import { BUILTIN_DESIGNS } from '../designs/registry.js';

export function registerDesigns(program: Command): void {
  program.command('designs').description('list the built-in swap designs').action(() => {
    for (const d of BUILTIN_DESIGNS) process.stdout.write(`${d.name.padEnd(16)} ${d.description}\n`);
  });
}
