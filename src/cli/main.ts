#!/usr/bin/env node
/**
 * The `btsim` command. Exit codes: 0 the accounting held, 1 a violation or a failed run,
 * 2 bad input (nothing was started), 130 interrupted. Each command lives in its own
 * `*-command.ts` file with a `register` function; this file only wires them up.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, BtsimError, DesignError, RunAbortedError } from '../model/errors.js';
import { registerRun } from './run-command.js';
import { registerDesigns } from './designs-command.js';
import { registerCompare } from './compare-command.js';
import { registerStress } from './stress-command.js';
import { registerSweep } from './sweep-command.js';
import { registerMerge } from './merge-command.js';
import { registerReport } from './report-command.js';
import { registerScript } from './script-command.js';
import { guardOutputStreams, isSystemError, systemErrorLine } from './broken-output.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** A command-line usage error (unknown flag, missing argument): exit 2 like bad input. */
export class UsageError extends BtsimError {
  override name = 'UsageError';
}

/**
 * One line on stderr and the exit code. The process then ends by running out of work, not
 * by process.exit: a worker thread that outlived its run would keep it alive, and the fault
 * tests would see that. The unref'd timer only keeps a user's shell from hanging on it.
 */
function fail(e: unknown): void {
  const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ');
  if (e instanceof ConfigError || e instanceof UsageError) {
    process.stderr.write(`btsim: ${oneLine(e.message)}\n`);
    process.exitCode = 2;
  } else if (e instanceof RunAbortedError || e instanceof DesignError) {
    process.stderr.write(`btsim: ${oneLine(e.message)}\n`);
    process.exitCode = 1;
  } else if (isSystemError(e)) {
    // A disk that filled up or a file that went away under us: the system's word, not a bug.
    process.stderr.write(`btsim: ${systemErrorLine(e)}\n`);
    process.exitCode = 1;
  } else {
    // Not a BtsimError: a bug. The stack is for the bug report.
    process.stderr.write(`btsim: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
  setTimeout(() => process.exit(), 5_000).unref();
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
  registerStress(program);
  registerSweep(program);
  registerMerge(program);
  registerReport(program);
  registerScript(program);
  // Every command: errors come back to us (exit 2, one line), with "did you mean".
  for (const c of [program, ...program.commands]) {
    c.exitOverride().configureOutput({ outputError: () => {} }).showSuggestionAfterError(true);
  }
  return program;
}

async function main(argv: string[]): Promise<void> {
  guardOutputStreams();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') {
        process.exitCode = 0;
        return;
      }
      if (e.code === 'commander.help') {
        // `btsim help` (0), or `btsim` alone: the help went to stderr and nothing ran (usage, 2).
        process.exitCode = e.exitCode === 0 ? 0 : 2;
        return;
      }
      // "unknown option '--cpu'\n(Did you mean --cpus?)": one line.
      fail(new UsageError(e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').replace('(Did you mean', '(did you mean')));
      return;
    }
    fail(e);
  }
}

await main(process.argv);
