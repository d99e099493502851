/**
 * Run one scenario with real threads: a worker per simulated CPU, the coordinator, and the
 * consumers' side (checker and dump), all on shared memory. The main thread only starts,
 * watches and stops them (control plane, runner.ts), then assembles the result.
 *
 * Everything that can be refused is refused before the first worker starts (config and
 * output paths first, then memory budget and design). Once started, a run ends in one of three ways:
 *  - complete: every actor finished; the result is checked against the oracle;
 *  - interrupted (the caller's AbortSignal): the partial result, `complete: false`;
 *  - failed: an actor threw, exited, or made no progress for `watchdogMs` (a hung design,
 *    watchdog.ts): a RunAbortedError naming the actor and the cause, with the partial result
 *    in `.partial`.
 * run() settles only once every worker has exited.
 */
import { resolveConfig } from '../model/resolve-config.js';
import type { ConfigInput } from '../model/config-schema.js';
import type { SimConfig } from '../model/config.js';
import { ConfigError } from '../model/errors.js';
import { clockBytes } from '../mem/clock-words.js';
import { prepareTraces } from '../workload/trace-setup.js';
import { gateTable } from '../workload/gate-table.js';
import { loadDesign } from '../designs/load-design.js';
import { guardDesign } from '../designs/design-guard.js';
import { checkOutputDir, checkOutputFile } from '../io/output-paths.js';
import type { SharedState } from './shared-state.js';
import { statsBytes } from '../mem/layout.js';
import type { RunResult } from './result.js';
import type { RunOptions } from './run-options.js';
import { checkMemoryBudget } from './memory-budget.js';
import { Runner } from './runner.js';
import { makeQueues } from '../workload/chunk-queue.js';

export async function run(input: ConfigInput | SimConfig, opts: RunOptions = {}): Promise<RunResult> {
  const cfg = resolveConfig(input);
  // Before any work (traces, design, buffers): a run must not end failing to write its output.
  if (opts.dumpDir !== undefined) checkOutputDir('dumpDir', opts.dumpDir);
  if (opts.timelineFile !== undefined) checkOutputFile('timelineFile', opts.timelineFile);
  // The timeline's timestamps count from here (process.hrtime is shared by all threads).
  if (opts.timelineFile) cfg.timelineOriginNs = Number(process.hrtime.bigint());
  else delete cfg.timelineOriginNs;
  // Trace runs: readable files and the run's length, before anything is allocated.
  const cleanupTraces = await prepareTraces(cfg, opts.signal);
  try {
    return await runResolved(cfg, opts);
  } finally {
    cleanupTraces();
  }
}

async function runResolved(cfg: SimConfig, opts: RunOptions): Promise<RunResult> {
  const { layout, consBytes } = checkMemoryBudget(cfg);
  // A design that does not load is bad input: say so before any worker starts.
  const design = guardDesign(await loadDesign(cfg.design));
  design.validate?.(cfg);
  let state: SharedState;
  try {
    state = {
      cfg,
      layout,
      ctl: new SharedArrayBuffer(layout.ctlWords * 4),
      bufs: new SharedArrayBuffer(layout.bufsBytes),
      cons: new SharedArrayBuffer(Math.max(8, consBytes)),
      stats: new SharedArrayBuffer(statsBytes(cfg.cpus)),
      clock: new SharedArrayBuffer(clockBytes(cfg.cpus)),
    };
    const gates = await gateTable(cfg, opts.signal);
    if (gates) state.gates = gates;
    const queues = makeQueues(cfg);
    if (queues) state.queues = queues;
  } catch (e) {
    // Within the budget but more than this machine will give: still bad input, still nothing started.
    if (!(e instanceof RangeError)) throw e;
    throw new ConfigError('memoryBudgetMiB', cfg.memoryBudgetMiB, `a budget this machine can allocate (allocating the buffers failed: ${e.message})`);
  }
  return new Runner(cfg, state, design.name, opts).go();
}
