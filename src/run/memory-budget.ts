/**
 * The run's memory budget: the bytes its buffers would take, checked against `memoryBudgetMiB`
 * before anything is allocated, so that a run too big for its budget is refused as bad input.
 */
import type { SimConfig } from '../model/config.js';
import { ConfigError } from '../model/errors.js';
import { makeLayout, type Layout } from '../mem/layout.js';
import { consumerRegions } from '../consumers/consumer-memory.js';
import { gateTableBytes } from '../workload/gate-table.js';
import { queuesBytes } from '../workload/chunk-queue.js';
import { ringKeep } from '../oracle/checker.js';
import { RECORD_BYTES } from '../model/hw-record.js';

const MiB = 1024 * 1024;

/** The run would allocate more than its memory budget: bad input, nothing was started. */
export class MemoryBudgetError extends ConfigError {
  override name = 'MemoryBudgetError';
  constructor(
    readonly neededMiB: number,
    readonly budgetMiB: number,
    detail: string,
  ) {
    super('memoryBudgetMiB', budgetMiB, `a budget of at least ${neededMiB} MiB`);
    this.message =
      `memoryBudgetMiB: this run needs ${neededMiB} MiB of buffers (${detail}) but the memory budget is ${budgetMiB} MiB; ` +
      `raise it with --memory-budget ${neededMiB} (memoryBudgetMiB in a config file) or ask for fewer CPUs, fewer spares or smaller buffers`;
  }
}

/** Bytes the run would allocate for buffers, to check against the budget before allocating. */
export function memoryNeeded(cfg: SimConfig): { layout: Layout; consBytes: number; queues: number; total: number } {
  const layout = makeLayout(cfg.cpus, cfg.spares, cfg.bufferRecords, cfg.consumers.length, cfg.consumerBuffers, cfg.workload.threads);
  const consBytes = consumerRegions(cfg).bytes;
  // The gate table is copied to the sink and every CPU worker.
  const gates = gateTableBytes(cfg) * (cfg.cpus + 2);
  // Each checked ring's tail, kept by its sink for the whole run (oracle/checker.ts ringKeep).
  const keepers = cfg.check ? cfg.consumers.reduce((n, c) => n + (c.mode === 'ring' ? ringKeep(c.size) * RECORD_BYTES : 0), 0) : 0;
  const queues = queuesBytes(cfg);
  return { layout, consBytes, queues, total: layout.bufsBytes + consBytes + layout.ctlWords * 4 + gates + queues + keepers };
}

/** Throw a MemoryBudgetError if the run's buffers do not fit its budget. Allocates nothing. */
export function checkMemoryBudget(cfg: SimConfig): { layout: Layout; consBytes: number; queues: number; total: number } {
  const need = memoryNeeded(cfg);
  if (need.total > cfg.memoryBudgetMiB * MiB) {
    const { layout, consBytes, queues } = need;
    const mib = (b: number) => `${Math.ceil(b / MiB)} MiB`;
    const detail =
      `${layout.buffers} hardware buffers (${cfg.cpus} CPUs, ${cfg.spares} spares, ${layout.buffers - cfg.cpus - cfg.spares} staging) ` +
      `x ${cfg.bufferRecords} records x 24 B = ${mib(layout.bufsBytes)}, consumer buffers ${mib(consBytes)}` +
      (queues > 0 ? `, epochs generated ahead ${mib(queues)}` : '');
    throw new MemoryBudgetError(Math.ceil(need.total / MiB), cfg.memoryBudgetMiB, detail);
  }
  return need;
}
