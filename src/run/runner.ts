/**
 * One started run: its workers, how they are driven from start to result, and how the run
 * stops (a fault, the caller's abort) and hands over its partial result.
 *
 * Stopping sets G_STOP, gives the surviving actors STOP_GRACE_MS to hand over what they
 * have, then terminates every worker; go() settles only once all of them have exited.
 */
import { Worker } from 'node:worker_threads';
import type { SimConfig } from '../model/config.js';
import { DesignError, RunAbortedError } from '../model/errors.js';
import { FLUSH_ACK, G_COORD_BELL, G_DOORBELL, G_SINK_BELL, G_STOP, PMI_ACK, WAIT_ACK, cpuWord } from '../mem/layout.js';
import type { CpuResult } from '../frontend/cpu-result.js';
import { CPU_STAT_BRANCHES, CPU_STAT_STRIDE } from '../mem/layout.js';
import type { PendingLoss } from '../model/hw-record.js';
import type { CoordinatorResult } from '../backend/coordinator-result.js';
import { sinkParts } from '../consumers/sink-parts.js';
import { sinkSet, type SinkApi, type SinkSet } from './sink-set.js';
import { discardDump, ringFinals, writeDescriptions, writeTimeline } from './run-outputs.js';
import { connect } from './control-plane.js';
import type { SharedState, WorkerData } from './shared-state.js';
import type { RunResult } from './result.js';
import { assemble } from './assemble-result.js';
import { Watchdog, type Fault } from './watchdog.js';
import { faultHooks } from './fault-seam.js';
import type { RunOptions } from './run-options.js';
import { cpuWorkerActor, cpuWorkerGroups } from '../model/cpu-workers.js';

interface CpuApi { run(): CpuResult[] }
interface CoordApi { init(): Promise<void>; run(): Promise<void>; finish(p: PendingLoss[][]): Promise<CoordinatorResult> }

const WORKERS = new URL('../../workers/', import.meta.url);
/**
 * How long a stopping run waits for the surviving actors to hand over their figures before
 * it terminates them. Together with terminating and exiting this stays well inside the 2 s
 * a stop may take (issue 7).
 */
const STOP_GRACE_MS = 600;

const FAILED = Symbol('failed');

/** One started run: its workers, the watchdog, and how it stops. */
export class Runner {
  private readonly ctl: Int32Array;
  private readonly stats: Float64Array;
  private readonly workers: { w: Worker; exited: Promise<void> }[] = [];
  private readonly t0 = Date.now();
  private coord!: ReturnType<typeof connect<CoordApi>>;
  private sink!: SinkSet;
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
  private readonly watchdog: Watchdog;

  constructor(
    private readonly cfg: SimConfig,
    private readonly state: SharedState,
    private readonly designName: string,
    private readonly opts: RunOptions,
  ) {
    this.ctl = new Int32Array(state.ctl);
    this.stats = new Float64Array(state.stats);
    this.cpuResults = new Array<CpuResult | undefined>(cfg.cpus).fill(undefined);
    this.watchdog = new Watchdog(cfg, this.ctl, this.stats, designName, this.cpuResults, (f) => this.stop(f), state.queues);
  }

  async go(): Promise<RunResult> {
    const signal = this.opts.signal;
    const onAbort = () => this.stop();
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) this.stop();
    const tick = Math.max(20, Math.min(250, Math.floor(this.cfg.watchdogMs / 5)));
    const watching = setInterval(() => { if (!this.stopping) this.watchdog.watch(); }, tick);
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
      clearInterval(watching);
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
    const parts = sinkParts(cfg);
    const sinkWs = parts.map((sinkConsumers, s) => this.spawn('sink.js', s === 0 ? 'sink' : `sink ${s + 1}`, { state: this.state, dumpDir: this.opts.dumpDir, sinkConsumers }));
    if (!coordW || sinkWs.some((w) => !w)) return undefined;
    this.coord = connect<CoordApi>(coordW);
    this.sink = sinkSet(sinkWs.map((w) => connect<SinkApi>(w!)), parts, cfg.consumers.length);
    // The CPU workers load their modules while the coordinator loads the design; they start
    // executing only once it is ready (run() below).
    const cpuWorkers: { cpus: number[]; actor: string; api: ReturnType<typeof connect<CpuApi>> }[] = [];
    for (const cpus of cpuWorkerGroups(cfg)) {
      const actor = cpuWorkerActor(cpus);
      const w = this.spawn('cpu.js', actor, { state: this.state, cpus }, cpus);
      if (!w) return undefined;
      const api = connect<CpuApi>(w);
      this.cpuApis.push(api);
      cpuWorkers.push({ cpus, actor, api });
    }
    if ((await this.call('coordinator', this.coord.init())) === FAILED) return undefined;
    this.coordInitDone = true;
    if (this.stopping) return undefined;
    this.watchdog.enter('cpus');
    const sinkRun = this.sink.run().catch((e: unknown) => this.stop({ actor: 'sink', cause: firstLine(e) }));
    const coordRun = this.coord.run().catch((e: unknown) => this.coordinatorFailed(e));
    for (const { cpus, actor, api } of cpuWorkers) {
      this.watchdog.spawned(cpus);
      this.cpuRuns.push(
        api.run().then(
          (rs) => rs.forEach((r, k) => { this.cpuResults[cpus[k]!] = r; }),
          (e: unknown) => this.stop({ actor, cause: firstLine(e) }),
        ),
      );
    }
    await Promise.all(this.cpuRuns);
    if (this.stopping) return undefined;
    this.watchdog.enter('finish');
    const cpuResults = this.cpuResults as CpuResult[];
    this.finishCall = this.coord.finish(cpuResults.map((r) => r.pendingLosses));
    const coordResult = await this.call('coordinator', this.finishCall);
    if (coordResult === FAILED || this.stopping) return undefined;
    this.coordResult = coordResult;
    await coordRun;
    if (this.stopping) return undefined;
    // The checker may regenerate the whole workload here: no watchdog (errors still stop the run).
    this.watchdog.enter('check');
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
    // (The control plane rebuilds the class of an error from another thread: error-transport.ts.)
    if (e instanceof DesignError) {
      const line = firstLine(e);
      this.stop({ actor: `design ${this.designName}`, cause: line, message: line });
    }
    else this.stop({ actor: 'coordinator', cause: firstLine(e) });
  }

  /** Start a worker; `cpus` for a CPU worker, whose thread may end once it has handed over its results. */
  private spawn(file: string, actor: string, data: WorkerData, cpus?: number[]): Worker | undefined {
    if (this.terminating || this.stopping) return undefined;
    const hooks = faultHooks();
    hooks?.workerEvent?.('spawn', actor);
    // A CPU worker allocates next to nothing per record: a small young generation keeps each
    // of many workers' heaps small (64 CPUs: 925 MB peak instead of 1,067).
    const w = new Worker(new URL(file, WORKERS), { workerData: data, ...(cpus !== undefined ? { resourceLimits: { maxYoungGenerationSizeMb: 1 } } : {}) });
    w.on('error', (e) => this.stop({ actor, cause: firstLine(e) }));
    const exited = new Promise<void>((resolve) => {
      w.once('exit', (code) => {
        hooks?.workerEvent?.('exit', actor);
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
    if (!this.coordResult && this.coordInitDone && !coordSuspect && this.watchdog.phase !== 'check') {
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


  private seenBranches(): number[] {
    return Array.from({ length: this.cfg.cpus }, (_, c) => this.stats[c * CPU_STAT_STRIDE + CPU_STAT_BRANCHES]!);
  }

  private progress(): void {
    const b = this.seenBranches().reduce((a, x) => a + x, 0);
    this.opts.onProgress!({ branches: b, total: this.cfg.branches * this.cfg.cpus, elapsedMs: Date.now() - this.t0 });
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
