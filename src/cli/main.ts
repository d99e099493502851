#!/usr/bin/env node
/**
 * The `btsim` command. Exit codes: 0 the accounting held, 1 a violation or a failed run,
 * 2 bad input (nothing was started), 130 interrupted. Each command lives in its own
 * `*-command.ts` file with a `register` function; this file only wires them up.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, BtsimError, RunAbortedError } from '../model/errors.js';
import { registerRun } from './run-command.js';
import { registerDesigns } from './designs-command.js';
import { registerCompare } from './compare-command.js';
import { registerSweep } from './sweep-command.js';
import { registerMerge } from './merge-command.js';
import { registerReport } from './report-command.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** A command-line usage error (unknown flag, missing argument): exit 2 like bad input. */
export class UsageError extends BtsimError {
  override name = 'UsageError';
}

function fail(e: unknown): never {
  if (e instanceof ConfigError || e instanceof UsageError) {
    process.stderr.write(`btsim: ${e.message}\n`);
    process.exit(2);
  }
  if (e instanceof RunAbortedError) {
    process.stderr.write(`btsim: ${e.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`btsim: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('btsim')
    .description('Simulate the x86 BTS multiplexing design: CPUs in worker threads, DS buffers in shared memory, exact loss accounting.')
    .version(pkg.version, '-V, --version');
  registerRun(program);
  registerDesigns(program);
  registerCompare(program);
  registerSweep(program);
  registerMerge(program);
  registerReport(program);
  // Every command: errors come back to us (exit 2, one line), with "did you mean".
  for (const c of [program, ...program.commands]) {
    c.exitOverride().configureOutput({ writeErr: () => {} }).showSuggestionAfterError(true);
  }
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
        process.exit(0);
      }
      fail(new UsageError(e.message.replace(/^error: /, '').split('\n')[0]!));
    }
    fail(e);
  }
}

await main(process.argv);
