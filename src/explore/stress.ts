/**
 * `stress()`, the library API behind `btsim stress`, for users' own test suites.
 *
 * Used the way Rust users put loom::model in cargo test:
 *
 *   const r = await stress({ design: './my-design.mjs', runs: 200, scheduler: 'pct' });
 *   expect(r.found).toBe(false);
 *
 * explore mode runs executions of a small scenario under a deterministic scheduler and
 * stops at the first violation, with a replay string that reproduces it; threads mode
 * runs the real worker threads with seeded delays injected at shared-memory operations.
 */
import { resolveConfig } from '../model/resolve-config.js';
import type { ConfigInput } from '../model/config-schema.js';
import type { SimConfig } from '../model/config.js';
import { ConfigError } from '../model/errors.js';
import type { SwapDesign } from '../designs/design.js';
import { loadDesign } from '../designs/load-design.js';
import { guardDesign } from '../designs/design-guard.js';
import { hashKey } from '../base/prng.js';
import { execute } from './explorer.js';
import type { StressOptions, StressResult } from './stress-options.js';
import { DfsScheduler, PctScheduler, RandomScheduler, type Scheduler } from './schedulers.js';
import { decodeReplay, encodeReplay, type ReplaySpec } from './replay.js';
import { EXPLORE_DEFAULTS, exploreConsumers } from './scenario.js';

/** The explore scenario: small defaults, one consumer of each kind, user overrides on top. */
export function exploreScenario(overrides: ConfigInput = {}): SimConfig {
  const cpus = overrides.cpus ?? EXPLORE_DEFAULTS.cpus!;
  const threads = overrides.workload?.threads ?? EXPLORE_DEFAULTS.workload!.threads!;
  const merged = {
    ...EXPLORE_DEFAULTS,
    consumers: exploreConsumers(cpus, threads),
    ...overrides,
    workload: { ...EXPLORE_DEFAULTS.workload, ...(overrides.workload ?? {}) },
  };
  return resolveConfig(merged);
}

function makeScheduler(name: string, seed: number, actors: number, k: number, choices?: number[]): Scheduler {
  if (name === 'random') return new RandomScheduler(seed);
  let m = /^pct(\d+)$/.exec(name);
  if (m) return new PctScheduler(seed, actors, Number(m[1]), k);
  m = /^dfs(\d+)$/.exec(name);
  if (m) return new DfsScheduler(Number(m[1]), choices ?? []);
  throw new ConfigError('scheduler', name, 'random, pct<depth> or dfs<bound>');
}

export async function stress(opts: StressOptions): Promise<StressResult> {
  const mode = opts.mode ?? 'explore';
  const runs = opts.runs ?? 100;
  if (!Number.isInteger(runs) || runs < 1) throw new ConfigError('runs', runs, 'an integer >= 1');
  const design = guardDesign(await loadDesign(opts.design));
  if (mode === 'threads') {
    const { stressThreads } = await import('./chaos.js');
    return stressThreads(opts);
  }
  const cfg = exploreScenario(opts.scenario);
  design.validate?.(cfg);
  const schedName = opts.scheduler ?? 'pct';
  const sched = schedName === 'pct' ? `pct${opts.depth ?? 3}` : schedName === 'dfs' ? `dfs${opts.bound ?? 2}` : schedName;
  if (!/^(random|pct\d+|dfs\d+)$/.test(sched)) throw new ConfigError('scheduler', schedName, 'random, pct or dfs');
  const base = opts.seed ?? 1;
  const actors = cfg.cpus + 2;
  // PCT draws its change points among the k steps an execution takes: measure k once.
  const k = sched.startsWith('pct') ? execute(cfg, design, new RandomScheduler(base)).steps : 0;
  const t0 = performance.now();
  const dfs = sched.startsWith('dfs') ? new DfsScheduler(Number(sched.slice(3))) : null;
  let done = 0;
  let exhausted = false;
  let interrupted = false;
  let yielded = performance.now();
  for (let i = 0; i < runs; i++) {
    const seed = dfs ? base : hashKey(base, i) >>> 0;
    const scheduler = dfs ?? makeScheduler(sched, seed, actors, k);
    const ex = execute(cfg, design, scheduler);
    done++;
    opts.onProgress?.(done, runs);
    if (ex.violation) {
      const spec: ReplaySpec = { scheduler: sched, seed, design: opts.design, scenario: opts.scenario ?? {}, k: k || undefined, choices: dfs?.choices };
      return {
        found: true, runs: done, replay: encodeReplay(spec), violation: ex.violation,
        executionsPerSec: rate(done, t0), mode, scheduler: sched, design: opts.design, trace: ex.trace,
      };
    }
    if (dfs && !dfs.next()) {
      exhausted = true;
      break;
    }
    // Let timers and signals through between executions (a Ctrl-C is seen within 50 ms
    // of the execution in progress).
    if (performance.now() - yielded >= 50) {
      await new Promise((r) => setImmediate(r));
      yielded = performance.now();
    }
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
  }
  return {
    found: false, runs: done, replay: null, violation: null, executionsPerSec: rate(done, t0),
    mode, scheduler: sched, design: opts.design, trace: null, ...(dfs ? { exhausted } : {}), ...(interrupted ? { interrupted } : {}),
  };
}

/** Run the execution a replay string names, again. */
export async function replay(s: string, opts: { keepTrace?: boolean } = {}): Promise<StressResult> {
  const spec = decodeReplay(s);
  const design: SwapDesign = guardDesign(await loadDesign(spec.design));
  if (spec.scheduler === 'chaos') {
    const { replayThreads } = await import('./chaos.js');
    return replayThreads(spec);
  }
  const cfg = exploreScenario(spec.scenario);
  const scheduler = makeScheduler(spec.scheduler, spec.seed, cfg.cpus + 2, spec.k ?? 0, spec.choices);
  const t0 = performance.now();
  const ex = execute(cfg, design, scheduler, { keepTrace: opts.keepTrace });
  return {
    found: ex.violation !== null, runs: 1, replay: ex.violation ? s : null, violation: ex.violation,
    executionsPerSec: rate(1, t0), mode: 'explore', scheduler: spec.scheduler, design: spec.design, trace: ex.trace,
  };
}

function rate(n: number, t0: number): number {
  const dt = performance.now() - t0;
  return dt > 0 ? Math.round((n / dt) * 1000 * 10) / 10 : 0;
}
