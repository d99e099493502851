/**
 * Run one scenario with real threads: a worker per simulated CPU, the coordinator, and the
 * consumers' side (checker and dump), all on shared memory. The main thread only starts,
 * watches and stops them (control plane), then assembles the result.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { resolveConfig, type ConfigInput, type SimConfig } from '../model/config.js';
import { ConfigError, RunAbortedError } from '../model/errors.js';
import { G_STOP, makeLayout, type Layout } from '../mem/layout.js';
import { consumerRegions } from '../consumers/consumer-memory.js';
import { CPU_STAT_BRANCHES, CPU_STAT_STRIDE, type CpuResult, type PendingLoss } from '../frontend/cpu-core.js';
import type { CoordinatorResult } from '../backend/coordinator.js';
import type { CheckResult } from '../oracle/checker.js';
import type { RingFinal } from '../consumers/sink.js';
import { loadDesign } from '../designs/load-design.js';
import { connect } from './control-plane.js';
import type { SharedState, WorkerData } from './shared-state.js';
import { sumLost, violationCount, zeroViolations, type ConsumerReport, type CpuReport, type RunResult } from './result.js';

export interface RunProgress {
  branches: number;
  total: number;
  elapsedMs: number;
}

export interface RunOptions {
  /** Write each consumer's stream and description here (DESIGN.md §8). */
  dumpDir?: string;
  /** Called about five times a second while the run goes. */
  onProgress?: (p: RunProgress) => void;
  /** Abort the run: workers stop, the partial result is returned with complete: false. */
  signal?: AbortSignal;
}

interface CpuApi { run(): CpuResult }
interface CoordApi { init(): Promise<void>; run(): Promise<void>; finish(p: PendingLoss[][]): CoordinatorResult }
interface SinkApi { run(): Promise<void>; finish(r: (RingFinal | null)[]): (CheckResult | null)[] }

const WORKERS = new URL('../../workers/', import.meta.url);

/** Bytes the run would allocate for buffers, to check against the budget before allocating. */
export function memoryNeeded(cfg: SimConfig): { layout: Layout; consBytes: number; total: number } {
  const layout = makeLayout(cfg.cpus, cfg.spares, cfg.bufferRecords, cfg.consumers.length, cfg.consumerBuffers, cfg.workload.threads);
  const consBytes = consumerRegions(cfg).bytes;
  return { layout, consBytes, total: layout.bufsBytes + consBytes + layout.ctlWords * 4 };
}

export async function run(input: ConfigInput | SimConfig, opts: RunOptions = {}): Promise<RunResult> {
  const cfg = resolveConfig(input);
  const { layout, consBytes, total } = memoryNeeded(cfg);
  const budget = cfg.memoryBudgetMiB * 1024 * 1024;
  if (total > budget) {
    throw new ConfigError('memoryBudgetMiB', cfg.memoryBudgetMiB, `at least ${Math.ceil(total / 1024 / 1024)} MiB for these buffers (raise it with --memory-budget)`);
  }
  // A design that does not load is bad input: say so before any worker starts.
  const design = await loadDesign(cfg.design);
  design.validate?.(cfg);
  if (opts.dumpDir) mkdirSync(opts.dumpDir, { recursive: true });

  const state: SharedState = {
    cfg,
    layout,
    ctl: new SharedArrayBuffer(layout.ctlWords * 4),
    bufs: new SharedArrayBuffer(layout.bufsBytes),
    cons: new SharedArrayBuffer(Math.max(8, consBytes)),
    stats: new SharedArrayBuffer(Math.max(8, cfg.cpus * CPU_STAT_STRIDE * 8)),
  };
  const ctl = new Int32Array(state.ctl);
  const stats = new Float64Array(state.stats);
  const workers: Worker[] = [];
  let failure: RunAbortedError | undefined;
  let rejectFailure: (e: RunAbortedError) => void = () => {};
  const failed = new Promise<never>((_, rej) => { rejectFailure = rej; });
  failed.catch(() => {});
  const spawn = (file: string, actor: string, data: WorkerData): Worker => {
    const w = new Worker(new URL(file, WORKERS), { workerData: data });
    w.on('error', (e) => {
      failure ??= new RunAbortedError(`${actor} failed: ${e.message}`, actor);
      Atomics.store(ctl, G_STOP, 1);
      rejectFailure(failure);
    });
    workers.push(w);
    return w;
  };

  const t0 = Date.now();
  const coordW = spawn('coordinator.js', 'coordinator', { state, design: cfg.design });
  const sinkW = spawn('sink.js', 'sink', { state, dumpDir: opts.dumpDir });
  const coord = connect<CoordApi>(coordW);
  const sink = connect<SinkApi>(sinkW);
  let progressTimer: NodeJS.Timeout | undefined;
  const onAbort = () => Atomics.store(ctl, G_STOP, 1);
  opts.signal?.addEventListener('abort', onAbort);
  try {
    await Promise.race([coord.init(), failed]);
    const sinkRun = sink.run();
    const coordRun = coord.run();
    const cpuWorkers = Array.from({ length: cfg.cpus }, (_, c) => spawn('cpu.js', `cpu${c}`, { state, cpu: c }));
    const totalBranches = cfg.branches * cfg.cpus;
    if (opts.onProgress) {
      progressTimer = setInterval(() => {
        let b = 0;
        for (let c = 0; c < cfg.cpus; c++) b += stats[c * CPU_STAT_STRIDE + CPU_STAT_BRANCHES]!;
        opts.onProgress!({ branches: b, total: totalBranches, elapsedMs: Date.now() - t0 });
      }, 200);
    }
    const cpuResults = await Promise.race([Promise.all(cpuWorkers.map((w) => connect<CpuApi>(w).run())), failed]);
    const coordResult = await Promise.race([coord.finish(cpuResults.map((r) => r.pendingLosses)), failed]);
    await Promise.race([coordRun, failed]);
    const rings = cfg.consumers.map((s, k) =>
      s.mode === 'ring'
        ? { entries: coordResult.consumers[k]!.entries, overwritten: coordResult.consumers[k]!.overwritten, lostTotal: sumLost(coordResult.consumers[k]!.lost) }
        : null,
    );
    const checks = await Promise.race([sink.finish(rings), failed]);
    await Promise.race([sinkRun, failed]);
    const wallMs = Date.now() - t0;
    const complete = !opts.signal?.aborted && cpuResults.every((r) => !r.stopped);
    const result = assemble(cfg, cpuResults, coordResult, checks, wallMs, complete);
    if (opts.dumpDir) writeDescriptions(opts.dumpDir, result);
    return result;
  } catch (e) {
    Atomics.store(ctl, G_STOP, 1);
    throw e;
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function assemble(
  cfg: SimConfig,
  cpus: CpuResult[],
  coord: CoordinatorResult,
  checks: (CheckResult | null)[],
  wallMs: number,
  complete: boolean,
): RunResult {
  const cpuReports: CpuReport[] = cpus.map((r) => ({
    id: r.id,
    format: cfg.format[r.id]!,
    branches: r.branches,
    hwRecords: r.hwRecords,
    annotations: r.annotations,
    overflows: r.overflows,
    swaps: coord.swaps[r.id]!,
    lost: r.lost,
    stallNs: r.stallNs,
  }));
  const consumers: ConsumerReport[] = cfg.consumers.map((spec, k) => {
    const c = coord.consumers[k]!;
    const chk = checks[k];
    const expected = chk ? chk.expected : null;
    const violations = chk ? chk.violations : zeroViolations();
    const identity = chk
      ? expected === c.delivered + c.overwritten + sumLost(c.lost) && chk.matched === c.delivered
      : null;
    return {
      id: spec.id, kind: spec.kind, target: spec.target, mode: spec.mode, size: spec.size,
      expected, delivered: c.delivered, overwritten: c.overwritten, lost: c.lost, violations, identity,
    };
  });
  const branches = cpus.reduce((a, r) => a + r.branches, 0);
  const lost: Record<string, number> = {};
  for (const r of cpus) for (const [k, v] of Object.entries(r.lost)) lost[k] = (lost[k] ?? 0) + v;
  const ok = complete && consumers.every((c) => c.identity !== false && violationCount(c.violations) === 0);
  return {
    schema: 'btsim.run/1',
    seed: cfg.seed,
    design: cfg.design,
    config: cfg,
    cpus: cpuReports,
    consumers,
    coordinator: {
      overflowsServiced: coord.serviced.reduce((a, b) => a + b, 0),
      serviceP50Ns: coord.serviceP50Ns,
      serviceP99Ns: coord.serviceP99Ns,
      hwRecordsDrained: coord.hwRecordsDrained,
    },
    totals: {
      branches,
      wallMs,
      branchesPerSec: wallMs > 0 ? Math.round((branches / wallMs) * 1000) : 0,
      lost,
      stallNs: cpus.reduce((a, r) => a + r.stallNs, 0),
    },
    complete,
    ok,
  };
}

function writeDescriptions(dir: string, result: RunResult): void {
  for (const c of result.consumers) {
    writeFileSync(join(dir, `${c.id}.json`), JSON.stringify({ format: 'btsim.stream/1', recordBytes: 24, seed: result.seed, design: result.design, ...c }, null, 2) + '\n');
  }
}
