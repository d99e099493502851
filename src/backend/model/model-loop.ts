/**
 * The coordinator under the modelled clock: a conservative discrete-event loop. (The rule is
 * in src/mem/clock-words.ts.) It turns the CPUs' timed requests into events (requests.ts),
 * runs overflow handlers, flushes and deferred work as processes with modelled clocks, parks
 * the CPUs' waits (waits.ts), and answers each request at the modelled time its CPU resumes.
 *
 * A process is a protocol step (a generator) that runs at its clock and yields only where
 * modelled time passes: `spend` (filter and splay, a fixed cost) or `copy` (shared
 * bandwidth). Every shared-memory operation between two such points happens at one modelled
 * instant, in event order; so the coordinator's DS words, free pool and consumers are always
 * in the state of the event being processed, and an answer may read them directly.
 *
 * The loop's steps (due, fire, lowered, finished, sleepsUntil, mustSleep) are public so the
 * explorer can run the same loop as an actor (src/explore/model-actor.ts).
 */
import { FLUSH_ACK, G_COORD_SLEEP, G_DOORBELL, G_HEARTBEAT, G_STOP, PMI_ACK, cpuWord } from '../../mem/layout.js';
import { ClockWords } from '../../mem/clock-words.js';
import type { Costs } from '../../model/costs.js';
import type { Step } from '../../designs/design.js';
import { BtsimError, DesignError } from '../../model/errors.js';
import { EventQueue, type ModelEvent } from './event-queue.js';
import { Bandwidth } from './bandwidth.js';
import { WorkQueue } from './work-queue.js';
import { Requests, type RequestHandlers } from './requests.js';
import { Waits } from './waits.js';
import { Processes } from './processes.js';
import type { ModelHost } from './model-host.js';

/** How the loop is driven: by its own host loop (run), or as an actor of the explorer. */
export interface ModelLoopOptions {
  /** Index of released[0] in ctl (layout.ts). */
  relBase: number;
  /** Driven by the explorer: notifies are kept for the actor to perform as operations, so it can wake the waiter. */
  notifiesAsOps: boolean;
  /** CPUs stepped on one worker thread (their worker's bell is rung with each answer). */
  cpusPerWorker: number;
}

export class ModelLoop implements RequestHandlers {
  readonly queue = new EventQueue();
  readonly work: WorkQueue;
  readonly bandwidth: Bandwidth;
  private readonly clock: ClockWords;
  private readonly ctl: Int32Array;
  private readonly cpus: number;
  private readonly requests: Requests;
  private readonly waits: Waits;
  private readonly processes: Processes;
  /** A flush waiting for its CPU's deferred work to finish. */
  private readonly flushAfterWork: (((t: number) => void) | null)[];
  /** The single servicing agent (costs.handler "single"): busy, and the handlers queued for it. */
  private agentBusy = false;
  private readonly agentQueue: (() => void)[] = [];
  /** Modelled time of the event being processed. */
  t = 0;
  /** Threshold crossing of each CPU's pending overflow (for the service latency), -1: none. */
  readonly crossAt: number[];
  readonly handlerNs: number[] = [];
  private finishing = false;
  private ended: () => void = () => {};
  readonly done = new Promise<void>((r) => { this.ended = r; });
  private failure: unknown;
  private readonly pendingNotifies: number[] | null;

  notify(index: number): void {
    if (this.pendingNotifies) this.pendingNotifies.push(index);
    else Atomics.notify(this.ctl, index);
  }

  constructor(
    private readonly host: ModelHost,
    private readonly costs: Costs,
    seed: number,
    cpus: number,
    copiers: number,
    ctl: Int32Array,
    clockSab: SharedArrayBuffer,
    opts: ModelLoopOptions,
  ) {
    this.pendingNotifies = opts.notifiesAsOps ? [] : null;
    this.cpus = cpus;
    this.ctl = ctl;
    this.clock = new ClockWords(clockSab);
    this.requests = new Requests(cpus, ctl, this.clock, this.queue, this, opts.cpusPerWorker);
    const answer = this.requests.answer.bind(this.requests);
    this.waits = new Waits(cpus, ctl, opts.relBase, this.queue, answer);
    this.flushAfterWork = new Array<((t: number) => void) | null>(cpus).fill(null);
    this.crossAt = new Array<number>(cpus).fill(-1);
    this.bandwidth = new Bandwidth(costs.copyGBps, this.queue);
    this.processes = new Processes(host, this.queue, this.bandwidth, ctl, this);
    this.work = new WorkQueue(cpus, copiers, costs, seed, this.queue, (cpu, t) => {
      const f = this.flushAfterWork[cpu];
      if (f) {
        this.flushAfterWork[cpu] = null;
        f(t);
      }
    });
  }

  /** A copy failed on the host (a copier crashed): the loop stops with it. */
  fail(e: unknown): void {
    this.failure ??= e;
  }

  // ---- processes -------------------------------------------------------------------

  /** Run `gen` as a process from `t` (now, or later); `finished` gets its end time. */
  process(t: number, cpu: number, gen: Step<unknown>, finished: (end: number) => void, worker = -1): void {
    this.processes.run(t, cpu, gen, finished, worker);
  }

  /** schedule_work(): `work` runs on a kworker once its latency is over and its CPU's earlier items are done. */
  defer(cpu: number, work: () => Step): void {
    this.work.add(this.host.now, cpu, (t, finished, worker) => this.process(t, cpu, work(), (end) => {
      this.host.span(worker, `deferred work cpu${cpu}`, t, end);
      finished(end);
    }, worker));
  }

  // ---- what each request starts (RequestHandlers) ---------------------------------------

  overflow(cpu: number, req: number, hs: number, crossed: number): void {
    // (-1: no crossing behind this interrupt, e.g. leaving circular mode: no latency sample.)
    this.crossAt[cpu] = crossed;
    const run = (start: number): void => {
      this.process(start, cpu, this.host.handlerSteps(cpu, req), (end) => {
        this.handlerNs.push(end - start);
        this.host.span(-1, `service cpu${cpu} overflow`, start, end, { design: this.host.designName });
        if (this.costs.handler === 'single') this.agentDone(end);
        // A held CPU is answered when the design acknowledges it (ackHeld).
        if (this.host.takeHeld(cpu)) this.held.add(cpu);
        else this.requests.answer(cpu, end + this.costs.irqExitNs, PMI_ACK, req);
      });
    };
    if (this.costs.handler === 'per-cpu') return run(hs);
    if (!this.agentBusy) {
      this.agentBusy = true;
      return run(hs);
    }
    this.agentQueue.push(() => run(this.t));
  }

  private agentDone(end: number): void {
    const next = this.agentQueue.shift();
    if (!next) {
      this.agentBusy = false;
      return;
    }
    // The next handler starts when this one ends (its request came earlier or at once).
    this.queue.at(end, -1, next);
  }

  /**
   * The design acknowledges an interrupt it held (ds.ack), at the current step's time. Only an
   * interrupt it holds: an answer to a CPU that waits for nothing, or for something else,
   * would free a CPU that is not waiting and lose its SAFE (the machine would stop for ever).
   */
  ackHeld(cpu: number): void {
    if (!this.held.delete(cpu)) throw new BtsimError(`ctx.ds.ack: cpu ${cpu}'s interrupt is not held (ctx.holdCpu in its onOverflow) or was acknowledged already`);
    this.requests.answer(cpu, this.host.now + this.costs.irqExitNs, PMI_ACK, this.requests.seen[cpu]!.pmi);
  }
  /** CPUs whose interrupt the design holds and has not acknowledged yet. */
  private readonly held = new Set<number>();

  flush(cpu: number, req: number, t: number): void {
    const go = (start: number): void => this.process(start, cpu, this.host.flushSteps(cpu), (end) => this.requests.answer(cpu, end, FLUSH_ACK, req));
    // Earlier buffers of this CPU reach the consumers first: after its deferred work.
    if (this.work.pending(cpu)) this.flushAfterWork[cpu] = go;
    else go(t);
  }

  waitFor(cpu: number, req: number, kind: number, t: number, until: number, tid: number, epoch: number): void {
    this.waits.waitFor(cpu, req, kind, t, until, tid, epoch);
  }

  /** The design programmed `cpu`'s DS area with tracing on (install, enable) at the current step. */
  enabled(cpu: number): void {
    this.requests.onAt[cpu] = this.host.now;
    this.waits.enabled(cpu, this.host.now);
  }

  /** `tid`'s records up to `epoch` reached its consumers (a flush), at the current step. */
  releasedThread(tid: number, epoch: number): void {
    this.waits.released(tid, epoch, this.host.now);
  }

  // ---- the loop --------------------------------------------------------------------

  /** Process events until every CPU has finished, the run stopped, or finish() found nothing left. */
  async run(): Promise<void> {
    try {
      await this.loop();
    } finally {
      this.ended();
    }
  }

  private async loop(): Promise<void> {
    const ctl = this.ctl;
    let lastYield = Date.now();
    for (;;) {
      Atomics.add(ctl, G_HEARTBEAT, 1);
      if (this.failure) throw this.failure;
      if (Atomics.load(ctl, G_STOP) !== 0) return;
      const bell = Atomics.load(ctl, G_DOORBELL);
      this.poll();
      let h = this.horizon();
      let did = 0;
      for (let e = this.due(h); e && did < 4096; e = this.due(h)) {
        const r = this.fire(e);
        if (r) await r;
        did++;
        h = this.lowered(h);
      }
      if (Date.now() - lastYield >= 4) {
        // The control plane (finish, stats) and copier completions come through the event loop.
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
      if (did > 0) continue;
      if (this.finished(h) && this.finishing) return;
      // Wait for a request, or for every CPU's SAFE to pass the earliest event (Dekker with
      // CpuCore.publish). A horizon that moved but is still short of it is no reason to run.
      const wake = this.sleepsUntil();
      Atomics.store(ctl, G_COORD_SLEEP, 1);
      if (this.mustSleep(wake)) Atomics.wait(ctl, G_DOORBELL, bell, this.finishing ? 1 : 20);
      Atomics.store(ctl, G_COORD_SLEEP, 0);
    }
  }

  /** Turn new requests into events; true if there were any. */
  poll(): boolean {
    return this.requests.poll();
  }

  /** Events before this time can be processed: no CPU can still ask for anything earlier. */
  horizon(): number {
    return this.requests.horizon();
  }

  /** The earliest event, if it is before the horizon `h`. */
  due(h: number): ModelEvent | undefined {
    const e = this.queue.peek();
    return e && e.t < h ? e : undefined;
  }

  /** Process event `e` (the one due()); a promise when it waits for a host copier. */
  fire(e: ModelEvent): void | Promise<void> {
    this.queue.pop();
    this.t = e.t;
    return e.fire();
  }

  /** An answer lets a CPU run again from its time: the horizon `h` may come down to it. */
  lowered(h: number): number {
    if (!this.requests.unblocked) return h;
    this.requests.unblocked = false;
    return Math.min(h, this.horizon());
  }

  /** Nothing is left to process under horizon `h`; throws if CPUs still wait (deadlock). */
  finished(h: number): boolean {
    if (this.queue.size !== 0 || h !== Infinity) return false;
    if (this.requests.blocked.some((b) => b)) throw this.deadlock();
    return true;
  }

  /** Before sleeping: tell the CPUs the earliest event's time (clock-words.ts: T_WAKE); returns it. */
  sleepsUntil(): number {
    const wake = this.queue.peek()?.t ?? Infinity;
    this.clock.setWake(this.cpus, wake);
    return wake;
  }

  /** After G_COORD_SLEEP = 1: no new request, and the horizon has not passed `wake`. */
  mustSleep(wake: number): boolean {
    return !this.poll() && !(this.horizon() > wake);
  }

  /** Notifies kept for the explorer's actor to perform (notifiesAsOps). */
  takeNotifies(): number[] {
    return this.pendingNotifies!.splice(0);
  }

  /** Called by finish(): the loop ends once everything left is done. */
  finish(): Promise<void> {
    this.finishing = true;
    Atomics.add(this.ctl, G_DOORBELL, 1);
    Atomics.notify(this.ctl, G_DOORBELL);
    return this.done;
  }

  /** Every CPU waits and nothing is left that could answer: name what each waits for. */
  private deadlock(): DesignError {
    const why: string[] = [];
    for (let c = 0; c < this.cpus; c++) {
      if (!this.requests.blocked[c]) continue;
      const enableTid = this.waits.parkedForEnable(c);
      if (enableTid !== undefined) why.push(`cpu${c}: thread ${enableTid} waits at its return to user mode for tracing to come back on (notify-resume), and the design never turns it back on`);
      else if (this.requests.seen[c]!.pmi > Atomics.load(this.ctl, cpuWord(c, PMI_ACK))) why.push(`cpu${c}: the design held its interrupt (holdCpu) and never acknowledged it`);
      else why.push(`cpu${c}: waits for thread ${this.waits.releaseAwaited(c) ?? '?'} to be released by the CPU it ran on`);
    }
    return new DesignError(this.host.designName, `to keep the simulated machine going (modelled time ${(this.t / 1e6).toFixed(3)} ms): ${why.join('; ')}`);
  }
}
