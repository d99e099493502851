/** `btsim run`: one scenario, a table per CPU and per consumer (or JSON). */
import type { Command } from 'commander';
import { Option } from 'commander';
import { ConfigError, RunAbortedError } from '../model/errors.js';
import { resolveConfig } from '../model/resolve-config.js';
import type { SimConfig } from '../model/config.js';
import { run } from '../run/run.js';
import type { RunProgress } from '../run/run-options.js';
import { flagsToInput, readConfigFile, renameField, RUN_FLAGS } from './options.js';
import { formatRun } from './run-report.js';
import { checkDesignFile } from '../io/input-files.js';
import { catchInterrupt } from './interrupt.js';
import { Progress, wantsProgress } from './progress.js';
import type { RunResult } from '../run/result.js';

/**
 * The flags every command that runs scenarios takes (run, compare, sweep, ...). `omit`: flags
 * a command does not take (compare has --designs instead of --design); `hide`: ones it
 * accepts but does not list, a one-value form of a list flag it lists instead.
 */
export function addRunFlags(cmd: Command, opts: { omit?: string[]; hide?: string[] } = {}): Command {
  for (const f of RUN_FLAGS) {
    if (opts.omit?.includes(f.flag)) continue;
    // The default goes in the description: a commander default would be indistinguishable
    // from a flag the user typed, and flags override the config file only when typed.
    const o = new Option(`--${f.flag} <${f.kind === 'string' ? 'value' : f.kind === 'format' ? 'bits' : f.kind === 'delay' ? 'n|never' : 'n'}>`, `${f.help} (default: ${f.dflt ?? 'none'})`);
    if (opts.hide?.includes(f.flag)) o.hideHelp();
    cmd.addOption(o);
  }
  cmd.option('--config <file>', 'JSON config file (flags override its fields) (default: none)');
  cmd.addOption(
    new Option('--workload <spec>', "replay a real program's branch trace: qemu:FILE or perf-script:FILE, gzip accepted; repeat for several tasks")
      .argParser((v: string, acc: string[]) => [...acc, v])
      .default([] as string[], 'the seeded synthetic workload'),
  );
  cmd.option('--no-check', 'do not check consumers against the oracle (faster; identity not verified) (default: checked)');
  return cmd;
}

/** Flags and config file to a resolved config; errors name the flag the user typed. */
export function configFromFlags(opts: Record<string, unknown>): { cfg: SimConfig; fromFlag: Map<string, string> } {
  const base = opts.config ? readConfigFile(String(opts.config)) : {};
  const { input, fromFlag } = flagsToInput(opts, base);
  let cfg: SimConfig;
  try {
    cfg = resolveConfig(input);
  } catch (e) {
    throw e instanceof ConfigError ? renameField(e, fromFlag) : e;
  }
  checkDesignFile(fromFlag.get('design') ?? 'design', cfg.design);
  return { cfg, fromFlag };
}

async function runCommand(opts: Record<string, unknown>): Promise<void> {
  const { cfg, fromFlag } = configFromFlags(opts);
  const json = Boolean(opts.json);
  const progress = wantsProgress(json) ? new Progress('run', 'branches') : undefined;
  // Ctrl-C or SIGTERM: stop the workers and print what was done.
  const intr = catchInterrupt();
  const print = (r: RunResult, abort?: RunAbortedError) => {
    progress?.stop();
    const out = json ? JSON.stringify(abort ? { ...r, error: { actor: abort.actor, message: abort.message } } : r, null, 2) : formatRun(r);
    process.stdout.write(out + '\n');
  };
  let result: RunResult;
  try {
    result = await run(cfg, {
      // '' is a path given (and refused), not the absence of one.
      dumpDir: opts.dump !== undefined ? String(opts.dump) : undefined,
      timelineFile: opts.timeline !== undefined ? String(opts.timeline) : undefined,
      signal: intr.signal,
      onProgress: progress ? (p: RunProgress) => progress.update(p.branches, p.total, p.elapsedMs) : undefined,
    });
  } catch (e) {
    progress?.stop();
    if (e instanceof ConfigError) {
      // Errors found by run() itself name config fields; name the flags that set them.
      throw renameField(e, new Map([...fromFlag, ['memoryBudgetMiB', '--memory-budget'], ['dumpDir', '--dump'], ['timelineFile', '--timeline']]));
    }
    // A failed run still shows what it did (complete: false); main.ts prints the error line.
    if (e instanceof RunAbortedError && e.partial) print(e.partial as RunResult, e);
    throw e;
  } finally {
    intr.dispose();
  }
  print(result);
  process.exitCode = intr.exitCode(result.ok ? 0 : 1);
}

export function registerRun(program: Command): void {
  addRunFlags(program.command('run').description('run one scenario (default: 4 CPUs, all five consumer kinds, checked against the oracle)'))
    .option('--json', 'print the result as JSON (schema btsim.run/2) (default: tables)')
    .option('--dump <dir>', 'write each consumer stream to DIR/<id>.bts and DIR/<id>.json (default: none)')
    .option('--timeline <file>', 'write the run timeline (Chrome trace-event JSON, for Perfetto) (default: none)')
    .action(runCommand);
}
