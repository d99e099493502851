/**
 * Threads-mode stress (chaos): real runs with seeded delays before shared-memory operations.
 *
 * The real worker threads run, run after run with new seeds; every run is checked against
 * the oracle. Contention figures come from here. The seed of a failing run is logged as a
 * replay string; replaying it is best effort (the OS schedules the threads).
 */
import type { ConfigInput } from '../model/config-schema.js';
import type { SimConfig } from '../model/config.js';
import { resolveConfig } from '../model/resolve-config.js';
import { run } from '../run/run.js';
import type { RunResult } from '../run/result.js';
import { violationCount } from '../run/result.js';
import { hashKey } from '../base/prng.js';
import { encodeReplay, type ReplaySpec } from './replay.js';
import type { StressOptions, StressResult } from './stress-options.js';

export const CHAOS_DEFAULTS: ConfigInput = {
  cpus: 8,
  branches: 20_000,
  bufferRecords: 64,
  spares: 4,
  batchRecords: 16,
  // A chaos run takes well under a second: a design stuck for 2 s is stuck.
  watchdogMs: 2_000,
  workload: { timesliceBranches: 2_000 },
};

function chaosConfig(scenario: ConfigInput, design: string, seed: number): SimConfig {
  return resolveConfig({
    ...CHAOS_DEFAULTS,
    ...scenario,
    workload: { ...CHAOS_DEFAULTS.workload, ...(scenario.workload ?? {}) },
    design,
    // Chaos is about the host's timing: under the modelled clock the coordinator would run
    // the design's steps in modelled order, and no race of the design could show.
    clock: 'host',
    chaos: { seed, probability: 0.02, maxDelayUs: 200 },
  });
}

/** The first violation of a run, as one line, or null. */
export function runViolation(r: RunResult): string | null {
  if (!r.complete) return 'run incomplete';
  for (const c of r.consumers) {
    if (violationCount(c.violations) > 0) {
      const [name, n] = Object.entries(c.violations).find(([, v]) => v > 0)!;
      return `${c.id}: ${name} ${n}`;
    }
    if (c.identity === false) return `${c.id}: identity broken`;
  }
  return null;
}

export async function stressThreads(opts: StressOptions): Promise<StressResult> {
  const base = opts.seed ?? 1;
  const scenario = opts.scenario ?? {};
  const until = opts.durationMs !== undefined ? Date.now() + opts.durationMs : Infinity;
  const runs = opts.durationMs !== undefined ? Infinity : opts.runs ?? 10;
  const t0 = performance.now();
  let done = 0;
  while (done < runs && Date.now() < until) {
    const seed = hashKey(base, done) >>> 0;
    const r = await run(chaosConfig(scenario, opts.design, seed), { signal: opts.signal });
    // An interrupted run is not a finding: it stopped early, unchecked.
    if (opts.signal?.aborted) {
      return { found: false, runs: done, replay: null, violation: null, executionsPerSec: rate(done, t0), mode: 'threads', scheduler: 'chaos', design: opts.design, trace: null, interrupted: true };
    }
    done++;
    opts.onProgress?.(done, Number.isFinite(runs) ? runs : done);
    const v = runViolation(r);
    if (v) {
      const spec: ReplaySpec = { scheduler: 'chaos', seed, design: opts.design, scenario };
      return { found: true, runs: done, replay: encodeReplay(spec), violation: v, executionsPerSec: rate(done, t0), mode: 'threads', scheduler: 'chaos', design: opts.design, trace: null };
    }
  }
  return { found: false, runs: done, replay: null, violation: null, executionsPerSec: rate(done, t0), mode: 'threads', scheduler: 'chaos', design: opts.design, trace: null };
}

export async function replayThreads(spec: ReplaySpec): Promise<StressResult> {
  const t0 = performance.now();
  const r = await run(chaosConfig(spec.scenario, spec.design, spec.seed));
  const v = runViolation(r);
  return {
    found: v !== null, runs: 1, replay: v ? encodeReplay(spec) : null, violation: v, executionsPerSec: rate(1, t0),
    mode: 'threads', scheduler: 'chaos', design: spec.design, trace: null,
  };
}

function rate(n: number, t0: number): number {
  const dt = performance.now() - t0;
  return dt > 0 ? Math.round((n / dt) * 1000 * 100) / 100 : 0;
}
