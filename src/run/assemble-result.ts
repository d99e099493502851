/**
 * The run's result, assembled from what its actors handed over: complete and checked, or
 * partial (missing figures from the progress counters or zero, unchecked).
 */
import type { SimConfig } from '../model/config.js';
import type { ConsumerCounters } from '../consumers/consumer-writer.js';
import type { CpuResult } from '../frontend/cpu-result.js';
import type { CoordinatorResult } from '../backend/coordinator-result.js';
import type { CheckResult } from '../oracle/checker.js';
import type { ThreadStall } from '../workload/thread-gates.js';
import { identityHolds, violationCount, zeroViolations, type ConsumerReport, type CpuReport, type RunResult, type ThreadReport } from './result.js';

const NO_COUNTERS: ConsumerCounters = { delivered: 0, overwritten: 0, entries: 0, lost: {} };

/**
 * The result from what was handed over. A missing CpuResult (the worker died or did not
 * answer in time) reports the branches from the progress counters and zeros elsewhere; a
 * missing coordinator result, zero consumer and coordinator figures; missing checks,
 * unchecked consumers (expected and identity null).
 */
export function assemble(
  cfg: SimConfig,
  cpus: (CpuResult | undefined)[],
  seen: number[],
  coord: CoordinatorResult | undefined,
  checks: (CheckResult | null)[] | undefined,
  wallMs: number,
  complete: boolean,
): RunResult {
  const cpuReports: CpuReport[] = Array.from({ length: cfg.cpus }, (_, id) => {
    const r = cpus[id];
    return {
      id,
      format: cfg.format[id]!,
      branches: r ? r.branches : seen[id] ?? 0,
      hwRecords: r?.hwRecords ?? 0,
      annotations: r?.annotations ?? 0,
      overflows: r?.overflows ?? 0,
      swaps: coord?.swaps[id] ?? 0,
      lost: r?.lost ?? {},
      stallNs: r?.stallNs ?? 0,
      tracingOffNs: r?.tracingOffNs ?? {},
      modelNs: r?.modelNs ?? 0,
      circularOverwrites: r?.circularOverwrites ?? 0,
    };
  });
  const consumers: ConsumerReport[] = cfg.consumers.map((spec, k) => {
    const c = coord?.consumers[k] ?? NO_COUNTERS;
    const chk = checks?.[k] ?? null;
    const expected = chk ? chk.expected : null;
    const violations = chk ? chk.violations : zeroViolations();
    const identity = chk ? identityHolds(chk, c) : null;
    return {
      id: spec.id, kind: spec.kind, target: spec.target, mode: spec.mode, size: spec.size,
      expected, delivered: c.delivered, overwritten: c.overwritten, lost: c.lost, violations, identity,
    };
  });
  const branches = cpuReports.reduce((a, r) => a + r.branches, 0);
  const lost: Record<string, number> = {};
  for (const r of cpuReports) for (const [k, v] of Object.entries(r.lost)) lost[k] = (lost[k] ?? 0) + v;
  const ok = complete && consumers.every((c) => c.identity !== false && violationCount(c.violations) === 0);
  // Every CPU's schedule knows every gated thread; the one that got furthest knows most.
  let furthest: CpuResult | undefined;
  for (const r of cpus) if (r && (!furthest || r.branches > furthest.branches)) furthest = r;
  return {
    schema: 'btsim.run/2',
    clock: cfg.clock,
    seed: cfg.seed,
    design: cfg.design,
    config: machineConfig(cfg),
    cpus: cpuReports,
    consumers,
    coordinator: {
      overflowsServiced: coord ? coord.serviced.reduce((a, b) => a + b, 0) : 0,
      serviceP50Ns: coord?.serviceP50Ns ?? 0,
      serviceP99Ns: coord?.serviceP99Ns ?? 0,
      handlerP50Ns: cfg.clock === 'model' ? coord?.interruptP50Ns ?? 0 : 0,
      handlerP99Ns: cfg.clock === 'model' ? coord?.interruptP99Ns ?? 0 : 0,
      copyP50Ns: coord?.copyP50Ns ?? 0,
      copyP99Ns: coord?.copyP99Ns ?? 0,
      workQueueP50Ns: coord?.workQueueP50Ns ?? 0,
      workQueueP99Ns: coord?.workQueueP99Ns ?? 0,
      hwRecordsDrained: coord?.hwRecordsDrained ?? 0,
    },
    threads: threadReports(furthest?.threadStalls ?? [], cpus),
    totals: {
      branches,
      lost,
      stallNs: cpuReports.reduce((a, r) => a + r.stallNs, 0),
      modelNs: cpuReports.reduce((a, r) => Math.max(a, r.modelNs), 0),
    },
    host: { wallMs, branchesPerSec: wallMs > 0 ? Math.round((branches / wallMs) * 1000) : 0 },
    complete,
    ok,
  };
}

/**
 * The config as the result carries it: without what only this host's run set (the unpacked
 * traces' temporary paths, the timeline's hrtime origin), so that a result is the same on every
 * run and can be run again as it is (run() sets both anew from `traces` and `--timeline`).
 */
function machineConfig(cfg: SimConfig): SimConfig {
  const { traceFiles: _files, timelineOriginNs: _origin, ...rest } = cfg;
  return rest;
}

/** Gated threads (the scheduler's account) and the threads' waits for tracing (all CPUs'), by tid. */
function threadReports(stalls: ThreadStall[], cpus: (CpuResult | undefined)[]): ThreadReport[] {
  const by = new Map<number, ThreadReport>();
  for (const s of stalls) by.set(s.tid, { ...s, tracingWaits: 0, tracingWaitNs: 0 });
  for (const c of cpus) {
    for (const w of c?.tracingWaits ?? []) {
      let r = by.get(w.tid);
      if (!r) {
        r = { tid: w.tid, consumer: null, blocks: 0, blockedSlots: 0, stalledBranches: 0, ranSlots: 0, blockedAtEnd: false, tracingWaits: 0, tracingWaitNs: 0 };
        by.set(w.tid, r);
      }
      r.tracingWaits += w.waits;
      r.tracingWaitNs += w.waitNs;
    }
  }
  return [...by.values()].sort((a, b) => a.tid - b.tid);
}
