/** `btsim run`: one scenario, a table per CPU and per consumer (or JSON). */
import type { Command } from 'commander';
import { Option } from 'commander';
import { ConfigError } from '../model/errors.js';
import { resolveConfig, type SimConfig } from '../model/config.js';
import { run, type RunProgress } from '../run/run.js';
import { flagsToInput, readConfigFile, renameField, RUN_FLAGS } from './options.js';
import { formatRun } from './run-report.js';
import { Progress } from './progress.js';

/** The flags every command that runs scenarios takes (run, compare, sweep, ...). */
export function addRunFlags(cmd: Command): Command {
  for (const f of RUN_FLAGS) {
    const o = new Option(`--${f.flag} <${f.kind === 'string' ? 'value' : f.kind === 'format' ? 'bits' : 'n'}>`, f.help);
    if (f.dflt) o.default(undefined, f.dflt);
    cmd.addOption(o);
  }
  cmd.option('--config <file>', 'JSON config file (flags override its fields)');
  cmd.option('--no-check', 'do not check consumers against the oracle (faster; identity not verified)');
  return cmd;
}

/** Flags and config file to a resolved config; errors name the flag the user typed. */
export function configFromFlags(opts: Record<string, unknown>): { cfg: SimConfig; fromFlag: Map<string, string> } {
  const base = opts.config ? readConfigFile(String(opts.config)) : {};
  const { input, fromFlag } = flagsToInput(opts, base);
  try {
    return { cfg: resolveConfig(input), fromFlag };
  } catch (e) {
    throw e instanceof ConfigError ? renameField(e, fromFlag) : e;
  }
}

async function runCommand(opts: Record<string, unknown>): Promise<void> {
  const { cfg, fromFlag } = configFromFlags(opts);
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

export function registerRun(program: Command): void {
  addRunFlags(program.command('run').description('run one scenario (default: 4 CPUs, all five consumer kinds, checked against the oracle)'))
    .option('--json', 'print the result as JSON (schema btsim.run/1)')
    .option('--dump <dir>', 'write each consumer stream to DIR/<id>.bts and DIR/<id>.json')
    .action(runCommand);
}
