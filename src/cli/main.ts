#!/usr/bin/env node
/**
 * The `btsim` command. Exit codes: 0 the accounting held, 1 a violation or a failed run,
 * 2 bad input (nothing was started), 130 interrupted.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, BtsimError, RunAbortedError } from '../model/errors.js';
import { resolveConfig } from '../model/config.js';
import { run, type RunProgress } from '../run/run.js';
import { BUILTIN_DESIGNS } from '../designs/registry.js';
import { flagsToInput, readConfigFile, renameField, RUN_FLAGS } from './options.js';
import { formatRun } from './run-report.js';
import { Progress } from './progress.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

class UsageError extends BtsimError {}

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

function addRunFlags(cmd: Command): Command {
  for (const f of RUN_FLAGS) {
    const o = new Option(`--${f.flag} <${f.kind === 'string' ? 'value' : f.kind === 'format' ? 'bits' : 'n'}>`, f.help);
    if (f.dflt) o.default(undefined, f.dflt);
    cmd.addOption(o);
  }
  cmd.option('--config <file>', 'JSON config file (flags override its fields)');
  cmd.option('--no-check', 'do not check consumers against the oracle (faster; identity not verified)');
  return cmd;
}

async function runCommand(opts: Record<string, unknown>): Promise<void> {
  const base = opts.config ? readConfigFile(String(opts.config)) : {};
  const { input, fromFlag } = flagsToInput(opts, base);
  let cfg;
  try {
    cfg = resolveConfig(input);
  } catch (e) {
    throw e instanceof ConfigError ? renameField(e, fromFlag) : e;
  }
  const json = Boolean(opts.json);
  const progress = !json && process.stdout.isTTY ? new Progress('run', 'branches') : undefined;
  const ac = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    ac.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    const result = await run(cfg, {
      dumpDir: opts.dump ? String(opts.dump) : undefined,
      signal: ac.signal,
      onProgress: progress ? (p: RunProgress) => progress.update(p.branches, p.total, p.elapsedMs) : undefined,
    });
    progress?.stop();
    process.stdout.write(json ? JSON.stringify(result, null, 2) + '\n' : formatRun(result) + '\n');
    process.exitCode = interrupted ? 130 : result.ok ? 0 : 1;
  } catch (e) {
    progress?.stop();
    if (e instanceof ConfigError) throw renameField(e, fromFlag);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('btsim')
    .description('Simulate the x86 BTS multiplexing design: CPUs in worker threads, DS buffers in shared memory, exact loss accounting.')
    .version(pkg.version, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });

  addRunFlags(program.command('run').description('run one scenario (default: 4 CPUs, every consumer checked against the oracle)'))
    .option('--json', 'print the result as JSON (schema btsim.run/1)')
    .option('--dump <dir>', 'write each consumer stream to DIR/<id>.bts and DIR/<id>.json')
    .action(runCommand);

  program.command('designs').description('list the built-in swap designs').action(() => {
    for (const d of BUILTIN_DESIGNS) process.stdout.write(`${d.name.padEnd(16)} ${d.description}\n`);
  });
  for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: () => {} }).showSuggestionAfterError(true);
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
      const msg = e.message.replace(/^error: /, '').split('\n')[0]!;
      fail(new UsageError(msg));
    }
    fail(e);
  }
}

await main(process.argv);
