/**
 * Schedulers of explore mode: which runnable actor performs the next shared-memory
 * operation. All are deterministic functions of their seed (and, for dfs, of the choices
 * they are replaying), so a failing execution is named by its replay string.
 *
 *  - random: uniform among runnable actors at every operation.
 *  - pct (Burckhardt et al., ASPLOS 2010; as in shuttle's pct.rs): random distinct
 *    priorities, always run the highest-priority runnable actor, and at d-1 random steps
 *    (among the k expected) drop the running actor's priority below all others. A bug of
 *    depth d is found with probability at least 1/(n * k^(d-1)) per execution.
 *  - dfs: systematic search of the schedules with at most `bound` preemptions (switching
 *    away from an actor that could have continued), one schedule per execution.
 */
import { hashKey, Rng } from '../base/prng.js';

export interface Scheduler {
  readonly name: string;
  /** Choose among `runnable` (actor ids, ascending); `current` ran the last step (-1: none). */
  pick(runnable: number[], current: number, step: number): number;
}

export class RandomScheduler implements Scheduler {
  readonly name = 'random';
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(hashKey(seed, 0x5eed));
  }

  pick(runnable: number[]): number {
    return runnable[this.rng.below(runnable.length)]!;
  }
}

export class PctScheduler implements Scheduler {
  readonly name: string;
  private readonly priority: number[];
  private readonly changes: Map<number, number>;

  constructor(seed: number, actors: number, readonly depth: number, expectedSteps: number) {
    this.name = `pct${depth}`;
    const rng = new Rng(hashKey(seed, 0x9c7, depth));
    // Initial priorities depth .. depth + n - 1, in random order.
    const order = Array.from({ length: actors }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    this.priority = new Array(actors);
    order.forEach((a, i) => (this.priority[a] = depth + i));
    // d - 1 change points among the first k steps; the j-th lowers to depth - 1 - j.
    this.changes = new Map();
    for (let j = 0; j < depth - 1; j++) this.changes.set(1 + rng.below(Math.max(1, expectedSteps)), depth - 1 - j);
  }

  pick(runnable: number[], current: number, step: number): number {
    const low = this.changes.get(step);
    if (low !== undefined && current >= 0) this.priority[current] = low;
    let best = runnable[0]!;
    for (const a of runnable) if (this.priority[a]! > this.priority[best]!) best = a;
    return best;
  }
}

interface Choice {
  /** The default first (the actor that ran before, if it can go on), then the others. */
  options: number[];
  chosen: number;
  /** The actor that ran before could have continued: choosing another preempts it. */
  curRunnable: boolean;
}

/** Bounded-preemption depth-first search; `next()` moves to the following schedule. */
export class DfsScheduler implements Scheduler {
  readonly name: string;
  private prefix: number[];
  private trace: Choice[] = [];

  constructor(readonly bound: number, prefix: number[] = []) {
    this.name = `dfs${bound}`;
    this.prefix = prefix.slice();
  }

  /** The choices of the current execution (what a replay string records). */
  get choices(): number[] {
    return this.trace.map((c) => c.chosen);
  }

  pick(runnable: number[], current: number): number {
    if (runnable.length === 1) return runnable[0]!;
    const curRunnable = runnable.includes(current);
    const dflt = curRunnable ? current : runnable[0]!;
    const options = [dflt, ...runnable.filter((a) => a !== dflt)];
    const pos = this.trace.length;
    let chosen = pos < this.prefix.length ? this.prefix[pos]! : dflt;
    if (!options.includes(chosen)) chosen = dflt; // a schedule recorded for another scenario
    this.trace.push({ options, chosen, curRunnable });
    return chosen;
  }

  /** Prepare the next schedule; false when every schedule within the bound was tried. */
  next(): boolean {
    const t = this.trace;
    const preemptsBefore: number[] = [];
    let acc = 0;
    for (const c of t) {
      preemptsBefore.push(acc);
      if (c.curRunnable && c.chosen !== c.options[0]) acc++;
    }
    for (let pos = t.length - 1; pos >= 0; pos--) {
      const c = t[pos]!;
      for (let k = c.options.indexOf(c.chosen) + 1; k < c.options.length; k++) {
        if (preemptsBefore[pos]! + (c.curRunnable ? 1 : 0) <= this.bound) {
          this.prefix = [...t.slice(0, pos).map((x) => x.chosen), c.options[k]!];
          this.trace = [];
          return true;
        }
      }
    }
    return false;
  }
}
