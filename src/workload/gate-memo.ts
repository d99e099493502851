/**
 * The process-wide memo of gate outcomes: what each gated thread's timeslice does, shared by
 * every Schedule of one configuration in this process.
 *
 * Why it exists: where a gated thread blocks is found by generating its timeslice
 * (Schedule.gateOutcome), and every Schedule of a run needs the same answers: each CPU's
 * workload and each of the sink's oracle streams (one per consumer, all in one thread).
 * Without the memo each of them would generate every gated timeslice again.
 *
 * Key: the resolved config's content, `JSON.stringify(cfg)` (gateMemoKey). Outcomes are a pure
 * function of (config, seed), and content, not object identity, is what makes two configs
 * give the same outcomes: a config resolved again or posted to a worker is a new object with
 * the same content and shares the entry; a config changed after use has a new key and never
 * sees another's outcomes. Inside an entry: epoch * cpus + cpu.
 *
 * Lifetime: the process. The last MEMO_CONFIGS configs installed are kept, the oldest dropped
 * first (a sweep or compare runs configs one after the other in one process). A run's main
 * thread fills its entry in gateTable(), serialises it for the workers and forgets it; each
 * worker installs that table (installOutcomes) before it builds any Schedule.
 */
import type { SimConfig } from '../model/config.js';
import type { ResumeState } from './epoch-schedule.js';

/** What a gated thread does in one timeslice on one CPU. */
export interface GateOutcome {
  /** Records of its gated consumer's view in the timeslice. */
  records: number;
  /** GATE_NONE, GATE_BODY or GATE_TAIL (events.ts). */
  block: number;
  /** Events of the timeslice left to the idle task after it blocked. */
  idleAfter: number;
  /** Where it resumes after blocking in the body. */
  resume: ResumeState;
}

/** Gate outcomes by (epoch * cpus + cpu), per config content. */
export type GateOutcomes = Map<number, GateOutcome>;

const outcomes = new Map<string, GateOutcomes>();
const MEMO_CONFIGS = 4;

/** The memo's key for `cfg`: its content. */
export function gateMemoKey(cfg: SimConfig): string {
  return JSON.stringify(cfg);
}

/** The outcomes of `cfg`'s content, an empty entry when there is none yet. */
export function outcomesFor(cfg: SimConfig): GateOutcomes {
  return outcomes.get(gateMemoKey(cfg)) ?? installOutcomes(cfg, new Map());
}

/** Make `memo` the outcomes of `cfg`'s content (replacing any), evicting the oldest entries. */
export function installOutcomes(cfg: SimConfig, memo: GateOutcomes): GateOutcomes {
  const key = gateMemoKey(cfg);
  outcomes.delete(key);
  outcomes.set(key, memo);
  while (outcomes.size > MEMO_CONFIGS) outcomes.delete(outcomes.keys().next().value!);
  return memo;
}

/** Drop the outcomes of `cfg`'s content (the main thread, once the workers have the table). */
export function forgetOutcomes(cfg: SimConfig): void {
  outcomes.delete(gateMemoKey(cfg));
}
