/** `btsim compare`: the same seeded workload under each design, one row per design. */
import type { Command } from 'commander';
import { ConfigError, RunAbortedError } from '../model/errors.js';
import { parseDesigns } from '../sweep/grid.js';
import { resolveConfig } from '../model/resolve-config.js';
import { run } from '../run/run.js';
import type { RunResult } from '../run/result.js';
import { sumLost } from '../run/result.js';
import { BUILTIN_DESIGNS } from '../designs/registry.js';
import { loadDesign } from '../designs/load-design.js';
import { addRunFlags, configFromFlags } from './run-command.js';
import { renameField } from './options.js';
import { fmtLost, fmtNs, fmtNum, table } from './table.js';
import { Progress } from './progress.js';
import { checkDesignFile } from '../io/input-files.js';
import { catchInterrupt } from './interrupt.js';

export function formatCompare(results: RunResult[]): string {
  const c = results[0]!.config;
  const head = `btsim compare: seed ${c.seed}, ${c.cpus} CPUs x ${fmtNum(c.branches)} branches, buffer ${fmtNum(c.bufferRecords)} records, ${c.spares} spares`;
  // Under the modelled clock every column is the simulated machine's, so the table is the same
  // on every run; the host's speed is only shown under --clock host (and in --json, as host).
  const model = c.clock === 'model';
  const rows = results.map((r) => [
    r.design,
    fmtNum(sumLost(r.totals.lost)),
    fmtLost(r.totals.lost),
    fmtNs(r.totals.stallNs),
    model ? fmtNs(r.cpus.reduce((a, x) => a + Object.values(x.tracingOffNs).reduce((p, q) => p + q, 0), 0)) : fmtNum(r.host.branchesPerSec),
    fmtNs(r.coordinator.serviceP50Ns),
    fmtNs(r.coordinator.serviceP99Ns),
    'error' in r ? 'FAILED' : !r.complete ? 'incomplete' : r.ok ? 'holds' : 'BROKEN',
  ]);
  const cols = ['design', 'lost', 'lost by cause', 'CPU stall', model ? 'tracing off' : 'branches/s (host)', 'service p50', 'service p99', 'accounting'];
  return head + `, ${model ? 'modelled clock' : 'host clock'}\n\n` + table(cols, rows);
}

export function registerCompare(program: Command): void {
  addRunFlags(program.command('compare').description('run the same seeded workload under each design and compare them'), { omit: ['design'] })
    .option('--designs <list>', 'comma-separated designs: built-in names or module paths', BUILTIN_DESIGNS.map((d) => d.name).join(','))
    .option('--json', 'print an array of run results (schema btsim.run/2 each)')
    .action(async (opts: Record<string, unknown>) => {
      const { cfg, fromFlag } = configFromFlags(opts);
      const designs = parseDesigns(String(opts.designs));
      // Every design must load and accept the config before the first run starts.
      for (const d of designs) {
        checkDesignFile('--designs', d);
        try {
          (await loadDesign(d)).validate?.(resolveConfig({ ...cfg, design: d }));
        } catch (e) {
          throw e instanceof ConfigError && e.field === 'design' ? new ConfigError('--designs', d, e.accepted) : e instanceof ConfigError ? renameField(e, fromFlag) : e;
        }
      }
      const json = Boolean(opts.json);
      const progress = !json && process.stdout.isTTY ? new Progress('compare', 'designs') : undefined;
      const intr = catchInterrupt();
      const results: RunResult[] = [];
      // A design that fails does not take the others' rows with it: its partial row is shown
      // (marked FAILED), the other designs still run, and its error is the one line at the end.
      let failure: RunAbortedError | undefined;
      try {
        for (const d of designs) {
          if (intr.signal.aborted) break;
          try {
            results.push(await run({ ...cfg, design: d }, { signal: intr.signal }));
          } catch (e) {
            if (!(e instanceof RunAbortedError) || !e.partial) throw e;
            failure ??= e;
            results.push({ ...(e.partial as RunResult), error: { actor: e.actor, message: e.message } } as RunResult);
          }
          progress?.update(results.length, designs.length);
        }
      } finally {
        progress?.stop();
        intr.dispose();
      }
      process.stdout.write(json ? JSON.stringify(results, null, 2) + '\n' : formatCompare(results) + '\n');
      if (failure) throw failure;
      process.exitCode = intr.exitCode(results.every((r) => r.ok) ? 0 : 1);
    });
}
