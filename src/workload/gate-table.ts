/**
 * A run's gate table.
 *
 * A run's gate table: every gate outcome worked out once on the main thread and serialised to
 * a Float64Array for the workers, which install it instead of generating the gated threads'
 * timeslices themselves (gate-memo.ts says why outcomes are shared).
 */
import type { SimConfig } from '../model/config.js';
import { forgetOutcomes, installOutcomes, outcomesFor, type GateOutcomes } from './gate-memo.js';
import { epochCount } from './generator.js';
import { Schedule } from './schedule.js';
import { threadGates } from './thread-gates.js';

/** Words per outcome: key, records, block, idleAfter, resume pc, pcHi, kind. */
const OUTCOME_WORDS = 7;

/** Bytes of a run's gate table (an upper bound): for the memory budget. */
export function gateTableBytes(cfg: SimConfig): number {
  const gated = threadGates(cfg).filter((g) => g).length;
  return epochCount(cfg) * Math.min(gated, cfg.cpus) * OUTCOME_WORDS * 8;
}

/**
 * Every gate outcome of a run, worked out once (by the main thread, before the workers
 * start) as a pure function of (config, seed): null when no thread is gated, or when
 * `signal` aborted meanwhile (the run then stops before it starts). Workers install it with
 * useGateTable() instead of each generating every gated thread's timeslices. It yields to
 * the event loop every few milliseconds, so that Ctrl-C is not kept waiting.
 */
export async function gateTable(cfg: SimConfig, signal?: AbortSignal): Promise<Float64Array | null> {
  if (!threadGates(cfg).some((g) => g)) return null;
  const s = new Schedule(cfg);
  const last = epochCount(cfg) - 1;
  let since = Date.now();
  while (s.epoch < last) {
    s.advance();
    if (Date.now() - since > 20) {
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) return null;
      since = Date.now();
    }
  }
  const memo = outcomesFor(cfg);
  const table = new Float64Array(memo.size * OUTCOME_WORDS);
  let k = 0;
  for (const [key, o] of memo) {
    table.set([key, o.records, o.block, o.idleAfter, o.resume.pc, o.resume.pcHi, o.resume.kind], k);
    k += OUTCOME_WORDS;
  }
  // The workers get the table; this thread has no use for the outcomes any more.
  forgetOutcomes(cfg);
  return table;
}

/** Let every Schedule of a config with `cfg`'s content read its gate outcomes from `table`. */
export function useGateTable(cfg: SimConfig, table: Float64Array): void {
  const memo: GateOutcomes = new Map();
  for (let k = 0; k < table.length; k += OUTCOME_WORDS) {
    memo.set(table[k]!, {
      records: table[k + 1]!, block: table[k + 2]!, idleAfter: table[k + 3]!,
      resume: { pc: table[k + 4]!, pcHi: table[k + 5]!, kind: table[k + 6]! },
    });
  }
  installOutcomes(cfg, memo);
}
