/**
 * Run one scenario with real threads: a worker per simulated CPU, the coordinator, and the
 * consumers' side (checker and dump), all on shared memory. The main thread only starts,
 * watches and stops them (control plane), then assembles the result.
 *
 * Everything that can be refused is refused before the first worker starts (config and
 * output paths first, then memory budget and design). Once started, a run ends in one of three ways:
 *  - complete: every actor finished; the result is checked against the oracle;
 *  - interrupted (the caller's AbortSignal): the partial result, `complete: false`;
 *  - failed: an actor threw, exited, or made no progress for `watchdogMs` (a hung design):
 *    a RunAbortedError naming the actor and the cause, with the partial result in
 *    `.partial`.
 * Stopping sets G_STOP, gives the surviving actors STOP_GRACE_MS to hand over what they
 * have, then terminates every worker; run() settles only once all of them have exited.
 */
import { Worker } from 'node:worker_threads';
import { resolveConfig, type ConfigInput, type SimConfig } from '../model/config.js';
import { ConfigError, RunAbortedError } from '../model/errors.js';
import { FLUSH_ACK, FLUSH_REQ, G_COORD_BELL, G_DOORBELL, G_HEARTBEAT, G_SINK_BELL, G_STOP, PMI_ACK, PMI_REQ, WAIT_ACK, WAIT_REQ, cpuWord, makeLayout, type Layout } from '../mem/layout.js';
import { clockBytes } from '../mem/clock-words.js';
import { consumerRegions } from '../consumers/consumer-memory.js';
import type { ConsumerCounters } from '../consumers/writers.js';
import { CPU_STAT_BRANCHES, CPU_STAT_MIGRATION_WAIT, CPU_STAT_RESUME_WAIT, CPU_STAT_STARTED, CPU_STAT_STRIDE, type CpuResult, type PendingLoss } from '../frontend/cpu-core.js';
import type { CoordinatorResult } from '../backend/coordinator-result.js';
import { discardDump, ringFinals, writeDescriptions, writeTimeline } from './run-outputs.js';
import { prepareTraces } from '../workload/trace-setup.js';
import type { CheckResult } from '../oracle/checker.js';
import type { RingFinal } from '../consumers/sink.js';
import { loadDesign } from '../designs/load-design.js';
import { guardDesign } from '../designs/design-guard.js';
import { connect } from './control-plane.js';
import { gateTable, gateTableBytes } from '../workload/schedule.js';
import { COORD_STAT_DESIGN_CPU, COORD_STAT_IN_DESIGN, coordStat, statsBytes, type SharedState, type WorkerData } from './shared-state.js';
import { sumLost, violationCount, zeroViolations, type ConsumerReport, type CpuReport, type RunResult, type ThreadReport } from './result.js';
import type { ThreadStall } from '../workload/schedule.js';
import { logSpawn } from './test-hooks.js';
import { checkOutputDir, checkOutputFile } from '../io/output-paths.js';

export interface RunProgress {
  branches: number;
  total: number;
  elapsedMs: number;
}

export interface RunOptions {
  /** Write each consumer's stream and description here (docs/domain-model.md §8). */
  dumpDir?: string;
  /** Called about five times a second while the run goes. */
  onProgress?: (p: RunProgress) => void;
  /**
   * Abort the run: workers stop and run() resolves with the partial result
   * (`complete: false`, unchecked) within about a second.
   */
  signal?: AbortSignal;
  /** Write the run's timeline here, in the Chrome trace-event format (Perfetto opens it). */
  timelineFile?: string;
}

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

interface CpuApi { run(): CpuResult[] }
interface CoordApi { init(): Promise<void>; run(): Promise<void>; finish(p: PendingLoss[][]): Promise<CoordinatorResult> }
interface SinkApi { run(): Promise<void>; finish(r: (RingFinal | null)[]): (CheckResult | null)[]; closeDump(r: (RingFinal | null)[]): number[] | null }

const WORKERS = new URL('../../workers/', import.meta.url);
const MiB = 1024 * 1024;
/**
 * How long a stopping run waits for the surviving actors to hand over their figures before
 * it terminates them. Together with terminating and exiting this stays well inside the 2 s
 * a stop may take (issue 7).
 */
const STOP_GRACE_MS = 600;
/**
 * A CPU worker that has not begun its run is still starting up (module loading, which for
 * many workers on few cores takes a while): it is hung only if no worker has begun its run
 * for this long (or the watchdog's limit, if longer).
 */
const CPU_START_MS = 30_000;

/** Bytes the run would allocate for buffers, to check against the budget before allocating. */
export function memoryNeeded(cfg: SimConfig): { layout: Layout; consBytes: number; total: number } {
  const layout = makeLayout(cfg.cpus, cfg.spares, cfg.bufferRecords, cfg.consumers.length, cfg.consumerBuffers, cfg.workload.threads);
  const consBytes = consumerRegions(cfg).bytes;
  // The gate table is copied to the sink and every CPU worker.
  const gates = gateTableBytes(cfg) * (cfg.cpus + 2);
  return { layout, consBytes, total: layout.bufsBytes + consBytes + layout.ctlWords * 4 + gates };
}

/** Throw a MemoryBudgetError if the run's buffers do not fit its budget. Allocates nothing. */
export function checkMemoryBudget(cfg: SimConfig): { layout: Layout; consBytes: number; total: number } {
  const need = memoryNeeded(cfg);
  if (need.total > cfg.memoryBudgetMiB * MiB) {
    const { layout, consBytes } = need;
    const mib = (b: number) => `${Math.ceil(b / MiB)} MiB`;
    const detail =
      `${layout.buffers} hardware buffers (${cfg.cpus} CPUs, ${cfg.spares} spares, ${layout.buffers - cfg.cpus - cfg.spares} staging) ` +
      `x ${cfg.bufferRecords} records x 24 B = ${mib(layout.bufsBytes)}, consumer buffers ${mib(consBytes)}`;
    throw new MemoryBudgetError(Math.ceil(need.total / MiB), cfg.memoryBudgetMiB, detail);
  }
  return need;
}

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
  } catch (e) {
    // Within the budget but more than this machine will give: still bad input, still nothing started.
    if (!(e instanceof RangeError)) throw e;
    throw new ConfigError('memoryBudgetMiB', cfg.memoryBudgetMiB, `a budget this machine can allocate (allocating the buffers failed: ${e.message})`);
  }
  return new Runner(cfg, state, design.name, opts).go();
}

interface Fault {
  actor: string;
  cause: string;
  /** The whole line, when "<actor> failed: <cause>" does not read well. */
  message?: string;
}

type Phase = 'init' | 'cpus' | 'finish' | 'check';

const FAILED = Symbol('failed');

/** One started run: its workers, the watchdog, and how it stops. */
class Runner {
  private readonly ctl: Int32Array;
  private readonly stats: Float64Array;
  private readonly workers: { w: Worker; exited: Promise<void> }[] = [];
  private readonly t0 = Date.now();
  private coord!: ReturnType<typeof connect<CoordApi>>;
  private sink!: ReturnType<typeof connect<SinkApi>>;
  private finishCall: Promise<CoordinatorResult> | undefined;
  private readonly cpuRuns: Promise<void>[] = [];
  /**
   * The CPU proxies, held for the whole run: comlink releases a worker's endpoint when its
   * proxy is garbage-collected, and the worker, left with nothing to listen to, exits.
   */
  private readonly cpuApis: ReturnType<typeof connect<CpuApi>>[] = [];
  private coordInitDone = false;
  // What has been handed over so far: the partial result is built from it.
  private readonly cpuResults: (CpuResult | undefined)[];
  private coordResult: CoordinatorResult | undefined;
  // Stopping.
  private stopping: { fault?: Fault; at: number } | undefined;
  private wake: () => void = () => {};
  private readonly stopped = new Promise<void>((r) => { this.wake = r; });
  private terminating = false;
  /** A partial dump that could not be made consistent: removed once the workers are gone. */
  private discardDump: string | undefined;
  /** Records in each consumer's dump file, once the sink has closed the dump. */
  private dumped: number[] | null | undefined;
  // Watchdog.
  private phase: Phase = 'init';
  private phaseSince = Date.now();
  private lastBeat = -1;
  private beatAt = Date.now();
  private readonly cpuSeen: number[];
  private readonly cpuSeenAt: number[];
  /** CPU workers that have begun their run, and when the last one did. */
  private cpusStarted = 0;
  private lastStartAt = Date.now();
  private readonly cpuSpawnAt: number[];
  /** When each CPU last was not in an overflow interrupt (host clock: a held CPU). */
  private readonly pmiSince: number[];

  constructor(
    private readonly cfg: SimConfig,
    private readonly state: SharedState,
    private readonly designName: string,
    private readonly opts: RunOptions,
  ) {
    this.ctl = new Int32Array(state.ctl);
    this.stats = new Float64Array(state.stats);
    this.cpuResults = new Array<CpuResult | undefined>(cfg.cpus).fill(undefined);
    this.cpuSeen = new Array<number>(cfg.cpus).fill(0);
    this.cpuSeenAt = new Array<number>(cfg.cpus).fill(Date.now());
    this.cpuSpawnAt = new Array<number>(cfg.cpus).fill(Date.now());
    this.pmiSince = new Array<number>(cfg.cpus).fill(Date.now());
  }

  async go(): Promise<RunResult> {
    const signal = this.opts.signal;
    const onAbort = () => this.stop();
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) this.stop();
    const tick = Math.max(20, Math.min(250, Math.floor(this.cfg.watchdogMs / 5)));
    const watchdog = setInterval(() => this.watch(), tick);
    let progress: NodeJS.Timeout | undefined;
    if (this.opts.onProgress) progress = setInterval(() => this.progress(), 200);
    try {
      const done = await Promise.race([
        this.drive().catch((e: unknown) => {
          // A bug on this side (assembling, dumping): still stop the workers and say so.
          this.stop({ actor: 'btsim', cause: firstLine(e) });
          return undefined;
        }),
        this.stopped.then(() => undefined),
      ]);
      if (done) return done;
      if (!this.stopping) this.stop({ actor: 'btsim', cause: 'internal: the run ended without a result' });
      const partial = await this.collectPartial();
      await this.partialOutputs(partial);
      const fault = this.stopping!.fault;
      if (fault) throw new RunAbortedError(fault.message ?? `${fault.actor} failed: ${fault.cause}`, fault.actor, partial);
      return partial;
    } finally {
      clearInterval(watchdog);
      if (progress) clearInterval(progress);
      signal?.removeEventListener('abort', onAbort);
      await this.terminateAll();
      if (this.discardDump) discardDump(this.discardDump, this.cfg);
    }
  }

  /**
   * A stopped run leaves its timeline and dump, marked partial. The dump is consistent only
   * once the coordinator has handed over its final counts and the sink has written what
   * they count; otherwise it is removed (after the workers are gone), and `result.dump`
   * says why.
   */
  private async partialOutputs(result: RunResult): Promise<void> {
    const { dumpDir, timelineFile } = this.opts;
    if (timelineFile) writeTimeline(timelineFile, this.cfg, this.cpuResults, this.coordResult, false);
    if (!dumpDir) return;
    const coord = this.coordResult;
    const sinkFailed = this.stopping!.fault?.actor === 'sink' || this.sink === undefined;
    let records = this.dumped;
    if (!records && coord && !sinkFailed) {
      const deadline = Math.max(Date.now() + 300, this.stopping!.at + STOP_GRACE_MS);
      records = await until(this.sink.closeDump(ringFinals(this.cfg, coord)).then((r) => r, () => undefined), deadline);
    }
    if (records) {
      writeDescriptions(dumpDir, result, records);
      result.dump = { dir: dumpDir, written: true, complete: false };
      return;
    }
    this.discardDump = dumpDir;
    const reason = !coord ? 'the coordinator did not hand over its final counts' : sinkFailed ? 'the sink, which writes it, failed' : 'the sink did not finish writing it in time';
    result.dump = { dir: dumpDir, written: false, complete: false, reason };
  }

  /** The run as it goes when nothing fails: undefined as soon as it is stopping. */
  private async drive(): Promise<RunResult | undefined> {
    const cfg = this.cfg;
    const coordW = this.spawn('coordinator.js', 'coordinator', { state: this.state, design: cfg.design });
    const sinkW = this.spawn('sink.js', 'sink', { state: this.state, dumpDir: this.opts.dumpDir });
    if (!coordW || !sinkW) return undefined;
    this.coord = connect<CoordApi>(coordW);
    this.sink = connect<SinkApi>(sinkW);
    if ((await this.call('coordinator', this.coord.init())) === FAILED) return undefined;
    this.coordInitDone = true;
    if (this.stopping) return undefined;
    this.enter('cpus');
    const sinkRun = this.sink.run().catch((e: unknown) => this.stop({ actor: 'sink', cause: firstLine(e) }));
    const coordRun = this.coord.run().catch((e: unknown) => this.coordinatorFailed(e));
    for (let first = 0; first < cfg.cpus; first += cfg.cpusPerWorker) {
      const cpus = Array.from({ length: Math.min(cfg.cpusPerWorker, cfg.cpus - first) }, (_, k) => first + k);
      const actor = cpus.length === 1 ? `cpu${first}` : `cpus ${first}-${cpus.at(-1)}`;
      const w = this.spawn('cpu.js', actor, { state: this.state, cpus }, cpus);
      if (!w) return undefined;
      for (const c of cpus) this.cpuSeenAt[c] = this.cpuSpawnAt[c] = Date.now();
      const api = connect<CpuApi>(w);
      this.cpuApis.push(api);
      this.cpuRuns.push(
        api.run().then(
          (rs) => rs.forEach((r, k) => { this.cpuResults[cpus[k]!] = r; }),
          (e: unknown) => this.stop({ actor, cause: firstLine(e) }),
        ),
      );
    }
    await Promise.all(this.cpuRuns);
    if (this.stopping) return undefined;
    this.enter('finish');
    const cpuResults = this.cpuResults as CpuResult[];
    this.finishCall = this.coord.finish(cpuResults.map((r) => r.pendingLosses));
    const coordResult = await this.call('coordinator', this.finishCall);
    if (coordResult === FAILED || this.stopping) return undefined;
    this.coordResult = coordResult;
    await coordRun;
    if (this.stopping) return undefined;
    // The checker may regenerate the whole workload here: no watchdog (errors still stop the run).
    this.enter('check');
    const rings = ringFinals(cfg, coordResult);
    const dumped = await this.call('sink', this.sink.closeDump(rings));
    if (dumped === FAILED || this.stopping) return undefined;
    this.dumped = dumped;
    const checks = await this.call('sink', this.sink.finish(rings));
    if (checks === FAILED || this.stopping) return undefined;
    await sinkRun;
    if (this.stopping) return undefined;
    const result = assemble(cfg, cpuResults, this.seenBranches(), coordResult, checks, Date.now() - this.t0, cpuResults.every((r) => !r.stopped));
    if (this.opts.dumpDir) {
      writeDescriptions(this.opts.dumpDir, result, dumped ?? []);
      result.dump = { dir: this.opts.dumpDir, written: true, complete: true };
    }
    if (this.opts.timelineFile) writeTimeline(this.opts.timelineFile, cfg, cpuResults, coordResult, true);
    return result;
  }

  /** A control-plane call to `actor`: its rejection stops the run, blaming it (FAILED). */
  private async call<T>(actor: 'coordinator' | 'sink', p: Promise<T>): Promise<T | typeof FAILED> {
    try {
      return await p;
    } catch (e) {
      if (actor === 'coordinator') this.coordinatorFailed(e);
      else this.stop({ actor, cause: firstLine(e) });
      return FAILED;
    }
  }

  /** The coordinator threw: the guarded design's errors (workers/coordinator.ts) blame the design. */
  private coordinatorFailed(e: unknown): void {
    // (By name: the error crossed from the coordinator's thread as a plain Error.)
    if ((e as Error)?.name === 'DesignError') {
      const line = firstLine(e);
      this.stop({ actor: `design ${this.designName}`, cause: line, message: line });
    }
    else this.stop({ actor: 'coordinator', cause: firstLine(e) });
  }

  /** Start a worker; `cpus` for a CPU worker, whose thread may end once it has handed over its results. */
  private spawn(file: string, actor: string, data: WorkerData, cpus?: number[]): Worker | undefined {
    if (this.terminating || this.stopping) return undefined;
    logSpawn('spawn', actor);
    // A CPU worker allocates next to nothing per record: a small young generation keeps each
    // of many workers' heaps small (64 CPUs: 925 MB peak instead of 1,067).
    const w = new Worker(new URL(file, WORKERS), { workerData: data, ...(cpus !== undefined ? { resourceLimits: { maxYoungGenerationSizeMb: 1 } } : {}) });
    w.on('error', (e) => this.stop({ actor, cause: firstLine(e) }));
    const exited = new Promise<void>((resolve) => {
      w.once('exit', (code) => {
        logSpawn('exit', actor);
        const owed = cpus === undefined || cpus.some((c) => !this.cpuResults[c]);
        if (!this.terminating && owed) this.stop({ actor, cause: `its thread exited unexpectedly (code ${code})` });
        resolve();
      });
    });
    this.workers.push({ w, exited });
    return w;
  }

  /** Stop the run (a fault, or the caller's abort). The first reason wins. */
  private stop(fault?: Fault): void {
    if (this.stopping || this.terminating) return;
    this.stopping = { fault, at: Date.now() };
    Atomics.store(this.ctl, G_STOP, 1);
    // Waiters would see G_STOP at their next timeout anyway; waking them saves up to 50 ms.
    for (const w of [G_DOORBELL, G_SINK_BELL, G_COORD_BELL]) Atomics.notify(this.ctl, w);
    for (let c = 0; c < this.cfg.cpus; c++) {
      Atomics.notify(this.ctl, cpuWord(c, PMI_ACK));
      Atomics.notify(this.ctl, cpuWord(c, FLUSH_ACK));
      Atomics.notify(this.ctl, cpuWord(c, WAIT_ACK));
    }
    this.wake();
  }

  /**
   * The partial result: what each surviving actor hands over within STOP_GRACE_MS of the
   * stop. CPUs return their figures at their next batch boundary or wait; a coordinator
   * that neither failed nor hung drains what it holds and returns its counters. Whatever
   * did not arrive is built from the progress counters (stats) or left at zero, and the
   * result is unchecked.
   */
  private async collectPartial(): Promise<RunResult> {
    const deadline = this.stopping!.at + STOP_GRACE_MS;
    await until(Promise.allSettled(this.cpuRuns), deadline);
    const fault = this.stopping!.fault;
    const coordSuspect = fault !== undefined && (fault.actor === 'coordinator' || fault.actor.startsWith('design '));
    if (!this.coordResult && this.coordInitDone && !coordSuspect && this.phase !== 'check') {
      const pending = this.cpuResults.map((r) => r?.pendingLosses ?? []);
      // Never a second finish() while the first is running: it is not reentrant.
      const p = (this.finishCall ?? this.coord.finish(pending)).then((r) => r, () => undefined);
      this.coordResult = await until(p, deadline);
    }
    const wallMs = this.stopping!.at - this.t0;
    return assemble(this.cfg, this.cpuResults, this.seenBranches(), this.coordResult, undefined, wallMs, false);
  }

  private async terminateAll(): Promise<void> {
    this.terminating = true;
    await Promise.all(this.workers.map(async ({ w, exited }) => {
      await w.terminate();
      await exited;
    }));
  }

  private enter(phase: Phase): void {
    this.phase = phase;
    this.phaseSince = Date.now();
  }

  private seenBranches(): number[] {
    return Array.from({ length: this.cfg.cpus }, (_, c) => this.stats[c * CPU_STAT_STRIDE + CPU_STAT_BRANCHES]!);
  }

  private progress(): void {
    const b = this.seenBranches().reduce((a, x) => a + x, 0);
    this.opts.onProgress!({ branches: b, total: this.cfg.branches * this.cfg.cpus, elapsedMs: Date.now() - this.t0 });
  }

  /**
   * The watchdog. The coordinator bumps G_HEARTBEAT at each pass of its service loop and
   * each CPU publishes its branch count at each batch; an actor whose figure has not moved
   * for watchdogMs is hung (a design that never returns blocks the whole coordinator
   * thread, so its comlink calls never answer: only this can notice).
   */
  private watch(): void {
    if (this.stopping) return;
    const now = Date.now();
    const limit = this.cfg.watchdogMs;
    const beat = Atomics.load(this.ctl, G_HEARTBEAT);
    if (beat !== this.lastBeat) {
      this.lastBeat = beat;
      this.beatAt = now;
    }
    switch (this.phase) {
      case 'init':
        // Loading the design module in the coordinator thread.
        if (now - this.phaseSince > Math.max(limit, CPU_START_MS)) this.stop({ actor: 'coordinator', cause: `did not start within ${Math.max(limit, CPU_START_MS)} ms` });
        return;
      case 'cpus': {
        if (now - Math.max(this.beatAt, this.phaseSince) > limit) return this.hung(limit);
        let started = 0;
        for (let c = 0; c < this.cfg.cpus; c++) started += this.stats[c * CPU_STAT_STRIDE + CPU_STAT_STARTED]!;
        if (started > this.cpusStarted) {
          this.cpusStarted = started;
          this.lastStartAt = now;
        }
        for (let c = 0; c < this.cfg.cpus; c++) {
          if (this.cpuResults[c]) continue;
          if (this.stats[c * CPU_STAT_STRIDE + CPU_STAT_STARTED] === 0) {
            // Still loading: hung only when no worker has begun its run for a long while.
            const since = Math.max(this.lastStartAt, this.cpuSpawnAt[c]!);
            if (now - since > Math.max(limit, CPU_START_MS)) return this.stop({ actor: `cpu${c}`, cause: `did not start within ${Math.max(limit, CPU_START_MS)} ms` });
            // Its progress is watched from the moment it begins.
            this.cpuSeenAt[c] = now;
            continue;
          }
          const b = this.stats[c * CPU_STAT_STRIDE + CPU_STAT_BRANCHES]!;
          // Host clock: a CPU held in its interrupt while the coordinator is alive is waiting
          // for a design that holds it (holdCpu) and never acknowledges. (Modelled clock: the
          // model loop sees that exactly, as a machine that cannot go on.)
          const inPmi = Atomics.load(this.ctl, cpuWord(c, PMI_REQ)) > Atomics.load(this.ctl, cpuWord(c, PMI_ACK));
          if (!inPmi) this.pmiSince[c] = now;
          // (Only while the coordinator is alive: a design stuck in its code is hung() above.)
          else if (this.cfg.clock === 'host' && now - this.pmiSince[c]! > limit && now - this.beatAt < Math.min(limit, 1_000)) {
            const cause = `to acknowledge cpu${c}'s overflow interrupt within ${limit} ms (holdCpu without ds.ack? watchdog; raise --watchdog-ms if it is only slow)`;
            return this.stop({ actor: `design ${this.designName}`, cause, message: `design "${this.designName}" failed ${cause}` });
          }
          // A CPU waiting for the coordinator (in its interrupt or a flush) is not the one
          // that hangs: the heartbeat check above blames the coordinator or the design.
          const waiting = Atomics.load(this.ctl, cpuWord(c, PMI_REQ)) > Atomics.load(this.ctl, cpuWord(c, PMI_ACK))
            || Atomics.load(this.ctl, cpuWord(c, FLUSH_REQ)) > Atomics.load(this.ctl, cpuWord(c, FLUSH_ACK))
            || Atomics.load(this.ctl, cpuWord(c, WAIT_REQ)) > Atomics.load(this.ctl, cpuWord(c, WAIT_ACK));
          if (b !== this.cpuSeen[c] || waiting) {
            this.cpuSeen[c] = b;
            this.cpuSeenAt[c] = now;
          } else if (now - this.cpuSeenAt[c]! > limit) {
            const fault = this.cpuHang(c, limit, now);
            if (fault) return this.stop(fault);
          }
        }
        return;
      }
      case 'finish':
        // The coordinator's last drain: bounded by the buffers it holds (the memory budget).
        if (now - Math.max(this.beatAt, this.phaseSince) > limit) this.hung(limit);
        return;
      case 'check':
        return;
    }
  }

  /**
   * CPU `c` made no progress: say what it waits for. A CPU waiting for a thread that another
   * CPU has not released yet is not the cause when that one has held a thread at its return
   * to user mode (notify-resume) just as long, for tracing the design never turned back on:
   * blame that one; while that one has not waited as long yet, blame nobody (null).
   */
  private cpuHang(c: number, limit: number, now: number): Fault | null {
    const hint = 'watchdog; raise --watchdog-ms if it is only slow';
    const stat = (cpu: number, word: number) => this.stats[cpu * CPU_STAT_STRIDE + word]!;
    const resumeWait = (cpu: number): Fault => ({
      actor: `cpu${cpu}`,
      cause: `thread ${stat(cpu, CPU_STAT_RESUME_WAIT)} waited ${limit} ms at its return to user mode for tracing to come back on (notify-resume: the design ${this.designName} did not re-enable it; ${hint})`,
    });
    if (stat(c, CPU_STAT_RESUME_WAIT) > 0) return resumeWait(c);
    const migrating = stat(c, CPU_STAT_MIGRATION_WAIT);
    if (migrating > 0) {
      for (let d = 0; d < this.cfg.cpus; d++) {
        if (d === c || stat(d, CPU_STAT_RESUME_WAIT) === 0) continue;
        return now - this.cpuSeenAt[d]! > limit ? resumeWait(d) : null;
      }
      return { actor: `cpu${c}`, cause: `waited ${limit} ms for thread ${migrating} to be released by the CPU it ran on (${hint})` };
    }
    return { actor: `cpu${c}`, cause: `made no progress for ${limit} ms (${hint})` };
  }

  /** The coordinator thread stopped answering: blame the design if it was inside it. */
  private hung(limit: number): void {
    const where = this.stats[coordStat(this.cfg.cpus, COORD_STAT_IN_DESIGN)]!;
    const cpu = this.stats[coordStat(this.cfg.cpus, COORD_STAT_DESIGN_CPU)]!;
    const hint = 'watchdog; raise --watchdog-ms if it is only slow';
    if (where === 1 || where === 2) {
      const inWhat = where === 1 ? `onOverflow (cpu ${cpu})` : `deferred work (cpu ${cpu})`;
      const cause = `${inWhat} did not return for ${limit} ms (${hint})`;
      this.stop({ actor: `design ${this.designName}`, cause, message: `design "${this.designName}" hung: ${cause}` });
    } else {
      this.stop({ actor: 'coordinator', cause: `made no progress for ${limit} ms (${hint})`, message: `coordinator hung: no progress for ${limit} ms (${hint})` });
    }
  }
}

/** `p`, or undefined once `deadline` (epoch ms) has passed. */
async function until<T>(p: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), Math.max(0, deadline - Date.now())); });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** An error's message, on one line (user code may throw anything). */
function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.trim() || (e instanceof Error ? e.name : 'unknown error');
}

const NO_COUNTERS: ConsumerCounters = { delivered: 0, overwritten: 0, entries: 0, lost: {} };

/**
 * The result from what was handed over. A missing CpuResult (the worker died or did not
 * answer in time) reports the branches from the progress counters and zeros elsewhere; a
 * missing coordinator result, zero consumer and coordinator figures; missing checks,
 * unchecked consumers (expected and identity null).
 */
function assemble(
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
    const identity = chk
      ? expected === c.delivered + c.overwritten + sumLost(c.lost) && chk.matched === c.delivered
      : null;
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
