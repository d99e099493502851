/** What `stress()` and `replay()` take and give (the public API's types; stress.ts runs them). */
import type { ConfigInput } from '../model/config-schema.js';
import type { TraceStep } from './explorer.js';

export type SchedulerName = 'random' | 'pct' | 'dfs';

export interface StressOptions {
  /** A built-in design name or the path of a design module. */
  design: string;
  /** Executions (explore) or runs (threads); default 100. */
  runs?: number;
  scheduler?: SchedulerName;
  /** PCT depth (default 3); DFS preemption bound (default 2). */
  depth?: number;
  bound?: number;
  /** Base seed: execution i uses a seed derived from it. Default 1. */
  seed?: number;
  /** Config overrides of the explore scenario (or, in threads mode, of the run). */
  scenario?: ConfigInput;
  mode?: 'explore' | 'threads';
  /** Threads mode: keep running new seeds for this long (ms); default: `runs` runs. */
  durationMs?: number;
  /** Called after each execution with the count so far. */
  onProgress?: (done: number, total: number) => void;
  /** Stop after the execution (explore) or run (threads) in progress; the result says `interrupted`. */
  signal?: AbortSignal;
}

export interface StressResult {
  found: boolean;
  runs: number;
  replay: string | null;
  violation: string | null;
  executionsPerSec: number;
  mode: 'explore' | 'threads';
  scheduler: string;
  design: string;
  /** Explore mode: the last operations before the violation. */
  trace: TraceStep[] | null;
  /** DFS: every schedule within the bound was tried. */
  exhausted?: boolean;
  /** Stopped by the caller's signal: `runs` were done, and nothing was found in them. */
  interrupted?: boolean;
}
