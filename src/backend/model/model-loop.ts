/**
 * The coordinator under the modelled clock: a conservative discrete-event loop (the rule is
 * in src/mem/clock-words.ts). It turns the CPUs' timed requests into events, runs overflow
 * handlers, flushes and deferred work as processes with modelled clocks, and answers each
 * request at the modelled time its CPU resumes.
 *
 * A process is a protocol step (a generator) that runs at its clock and yields only where
 * modelled time passes: `spend` (filter and splay, a fixed cost) or `copy` (shared
 * bandwidth). Every shared-memory operation between two such points happens at one modelled
 * instant, in event order; so the coordinator's DS words, free pool and consumers are always
 * in the state of the event being processed, and an answer may read them directly.
 */
import { hostBell, ANS_ON, DS_ENABLED, FLUSH_ACK, FLUSH_REQ, G_COORD_SLEEP, G_DOORBELL, G_HEARTBEAT, G_STOP, PMI_ACK, PMI_REQ, WAIT_ACK, WAIT_EPOCH, WAIT_KIND, WAIT_REQ, WAIT_TID, cpuWord } from '../../mem/layout.js';
import { ClockWords } from '../../mem/clock-words.js';
import { T_ANS, T_ARG, T_ON, T_REQ, WAIT_ENABLE, WAIT_RELEASE, WAIT_RUN } from '../../mem/layout.js';
import type { Costs } from '../../model/costs.js';
import type { Step } from '../../designs/design.js';
import { ctxOp } from '../../designs/ctx-ops.js';
import type { Op, SharedMem } from '../../mem/shared-mem.js';
import { BtsimError, DesignError } from '../../model/errors.js';
import { EV_GRANT, EV_REQUEST, EventQueue } from './event-queue.js';
import { Bandwidth } from './bandwidth.js';
import { WorkQueue } from './work-queue.js';

/** A step that takes modelled time (what processes yield besides copies). */
export interface SpendOp {
  op: 'spend';
  ns: number;
}

export function spend(ns: number): SpendOp {
  if (!Number.isFinite(ns) || ns < 0) throw new Error(`internal: a step would spend ${ns} ns`);
  return ctxOp({ op: 'spend', ns });
}

/** What the loop needs from the coordinator that owns the design, the splay and the buffers. */
export interface ModelHost {
  /** Modelled time of the step being run: the coordinator's design context reads it. */
  now: number;
  handlerSteps(cpu: number, req: number): Step;
  flushSteps(cpu: number): Step;
  /** Did the design keep the CPU in its interrupt (holdCpu)? Clears the mark. */
  takeHeld(cpu: number): boolean;
  /** Copy as a copier does (the piscina pool), resolving to the staging buffer. */
  copyOut(cpu: number, buffer: number, count: number): Promise<number> | number;
  copyBytes(cpu: number, count: number): number;
  designName: string;
  /** A span on the timeline (if there is one): track -1 the coordinator, k >= 0 kworker k. */
  span(track: number, name: string, start: number, end: number, args?: Record<string, unknown>): void;
}

interface Parked {
  kind: number;
  req: number;
  tid: number;
}

export class ModelLoop {
  readonly queue = new EventQueue();
  readonly work: WorkQueue;
  readonly bandwidth: Bandwidth;
  private readonly clock: ClockWords;
  private readonly ctl: Int32Array;
  private readonly cpus: number;
  /** A CPU with a request seen and not answered yet (its SAFE does not count). */
  private readonly blocked: boolean[];
  private readonly seen: { pmi: number; flush: number; wait: number }[];
  /** A CPU waiting for tracing to come back on (WAIT_RUN, WAIT_ENABLE). */
  private readonly parked: (Parked | null)[];
  /** CPUs waiting for a thread's release: tid -> waiters. */
  private readonly releaseWaits = new Map<number, { cpu: number; epoch: number; req: number }[]>();
  /** Released epoch + 1, per tid, as the released words say (the model's copy). */
  private readonly released = new Map<number, number>();
  /** A flush waiting for its CPU's deferred work to finish. */
  private readonly flushAfterWork: (((t: number) => void) | null)[];
  /** The single servicing agent (costs.handler "single"): busy, and the handlers queued for it. */
  private agentBusy = false;
  private readonly agentQueue: (() => void)[] = [];
  /** Modelled time of the event being processed. */
  t = 0;
  /** Threshold crossing of each CPU's pending overflow (for the service latency), -1: none. */
  readonly crossAt: number[];
  /** When tracing last came back on, per CPU (answers carry it: T_ON). */
  private readonly onAt: number[];
  readonly handlerNs: number[] = [];
  private finishing = false;
  private ended: () => void = () => {};
  readonly done = new Promise<void>((r) => { this.ended = r; });
  private failure: unknown;
  private readonly pendingNotifies: number[] | null;
  /**
   * A CPU was answered since the horizon was last computed. Only that can lower it (a CPU
   * raising its SAFE only raises it), so the loop recomputes it only then: reading every
   * CPU's SAFE after each event was half of the coordinator's time.
   */
  private unblocked = false;

  private notify(index: number): void {
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
    /** Under the explorer: notifies are performed as operations by actor(), so it can wake the waiter. */
    explore = false,
    /** CPUs stepped on one worker thread (their worker's bell is rung with each answer). */
    private readonly cpusPerWorker = 1,
  ) {
    this.pendingNotifies = explore ? [] : null;
    this.cpus = cpus;
    this.ctl = ctl;
    this.clock = new ClockWords(clockSab);
    this.blocked = new Array<boolean>(cpus).fill(false);
    this.seen = Array.from({ length: cpus }, () => ({ pmi: 0, flush: 0, wait: 0 }));
    this.parked = new Array<Parked | null>(cpus).fill(null);
    this.flushAfterWork = new Array<((t: number) => void) | null>(cpus).fill(null);
    this.crossAt = new Array<number>(cpus).fill(-1);
    this.onAt = new Array<number>(cpus).fill(0);
    this.bandwidth = new Bandwidth(costs.copyGBps, this.queue);
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
    let at = t;
    let resume: unknown;
    const step = (): void | Promise<void> => {
      for (;;) {
        this.host.now = at;
        const r = gen.next(resume);
        resume = undefined;
        if (r.done) return finished(at);
        const op = r.value as Op | SpendOp | { op: 'copy' };
        if (this.performHere(op)) {
          resume = this.performed;
          continue;
        }
        if (op.op === 'spend') {
          at += (op as SpendOp).ns;
          this.queue.at(at, cpu, step);
          return;
        }
        if (op.op === 'copy') {
          const c = op as unknown as { cpu: number; buffer: number; count: number };
          const out = this.host.copyOut(c.cpu, c.buffer, c.count);
          const from = at;
          this.bandwidth.start(at, this.host.copyBytes(c.cpu, c.count), (end) => {
            this.host.span(worker, `copy cpu${c.cpu}`, from, end, { records: c.count });
            const go = (staging: number): void | Promise<void> => {
              at = end;
              resume = staging;
              return step();
            };
            // A host copier may still be copying: the loop waits for it (modelled time does not move).
            return typeof out === 'number' ? go(out) : out.then(go);
          });
          return;
        }
        throw new BtsimError(`design ${this.host.designName}: a step yielded "${op.op}" under the modelled clock (only ctx operations may be yielded)`);
      }
    };
    if (t > this.t) this.queue.at(t, cpu, step);
    else void step();
  }

  /**
   * Under the explorer a design's shared-memory operations come out of its steps as ops (in
   * threads mode they were done already). A step runs at one modelled instant inside the
   * coordinator's actor, so they are performed here, at once. True if `op` was one of them.
   */
  private performHere(op: { op: string }): boolean {
    const o = op as Op;
    const w = this.ctl;
    switch (o.op) {
      case 'load': this.performed = Atomics.load(w, o.index); return true;
      case 'store': Atomics.store(w, o.index, o.value); this.performed = undefined; return true;
      case 'cas': this.performed = Atomics.compareExchange(w, o.index, o.expected, o.value); return true;
      case 'add': this.performed = Atomics.add(w, o.index, o.value); return true;
      case 'notify': this.notify(o.index); this.performed = undefined; return true;
      case 'yield': this.performed = undefined; return true;
      case 'wait': throw new BtsimError(`design ${this.host.designName}: a step waits on a word under the modelled clock (a step runs at one instant; use ctx.defer)`);
      default: return false;
    }
  }
  private performed: unknown;

  /** schedule_work(): `work` runs on a kworker once its latency is over and its CPU's earlier items are done. */
  defer(cpu: number, work: () => Step): void {
    this.work.add(this.host.now, cpu, (t, finished, worker) => this.process(t, cpu, work(), (end) => {
      this.host.span(worker, `deferred work cpu${cpu}`, t, end);
      finished(end);
    }, worker));
  }

  // ---- requests and answers ----------------------------------------------------------

  /** Turn new requests into events; true if there were any. Read before SAFE (see horizon()). */
  private poll(): boolean {
    const f = this.clock.f64;
    let any = false;
    for (let c = 0; c < this.cpus; c++) {
      const s = this.seen[c]!;
      const pmi = Atomics.load(this.ctl, cpuWord(c, PMI_REQ));
      const flush = Atomics.load(this.ctl, cpuWord(c, FLUSH_REQ));
      const wait = Atomics.load(this.ctl, cpuWord(c, WAIT_REQ));
      if (pmi === s.pmi && flush === s.flush && wait === s.wait) continue;
      any = true;
      this.blocked[c] = true;
      const t = f[this.clock.at(c, T_REQ)]!;
      const arg = f[this.clock.at(c, T_ARG)]!;
      if (pmi > s.pmi) {
        s.pmi = pmi;
        this.queue.push({ t, kind: EV_REQUEST, cpu: c, seq: pmi * 3, fire: () => this.overflow(c, pmi, t, arg) });
      } else if (flush > s.flush) {
        s.flush = flush;
        this.queue.push({ t, kind: EV_REQUEST, cpu: c, seq: flush * 3 + 1, fire: () => this.flush(c, flush, t) });
      } else {
        s.wait = wait;
        const kind = Atomics.load(this.ctl, cpuWord(c, WAIT_KIND));
        const tid = Atomics.load(this.ctl, cpuWord(c, WAIT_TID));
        const epoch = Atomics.load(this.ctl, cpuWord(c, WAIT_EPOCH));
        this.queue.push({ t, kind: EV_REQUEST, cpu: c, seq: wait * 3 + 2, fire: () => this.waitFor(c, wait, kind, t, arg, tid, epoch) });
      }
    }
    return any;
  }

  /** Events before this time can be processed: no CPU can still ask for anything earlier. */
  private horizon(): number {
    let h = Infinity;
    for (let c = 0; c < this.cpus; c++) if (!this.blocked[c]) h = Math.min(h, this.clock.safe(c));
    return h;
  }

  /** Answer CPU `cpu`'s request `req` (on `ackField`) at modelled time `at`. */
  private answer(cpu: number, at: number, ackField: number, req: number): void {
    if (!this.blocked[cpu]) throw new Error(`internal: an answer to cpu${cpu}, which waits for none`);
    const give = (): void => {
      Atomics.store(this.ctl, cpuWord(cpu, ANS_ON), Atomics.load(this.ctl, cpuWord(cpu, DS_ENABLED)));
      this.clock.f64[this.clock.at(cpu, T_ANS)] = at;
      this.clock.f64[this.clock.at(cpu, T_ON)] = this.onAt[cpu]!;
      this.clock.setSafe(cpu, at);
      this.blocked[cpu] = false;
      this.unblocked = true;
      Atomics.store(this.ctl, cpuWord(cpu, ackField), req);
      this.notify(cpuWord(cpu, ackField));
      if (this.cpusPerWorker > 1) {
        // Its worker sleeps on one word for all its CPUs.
        const bell = hostBell(cpu, this.cpusPerWorker);
        Atomics.add(this.ctl, bell, 1);
        this.notify(bell);
      }
    };
    if (at <= this.t) give();
    else this.queue.at(at, cpu, give);
  }

  private overflow(cpu: number, req: number, hs: number, crossed: number): void {
    // (-1: no crossing behind this interrupt, e.g. leaving circular mode: no latency sample.)
    this.crossAt[cpu] = crossed;
    const run = (start: number): void => {
      this.process(start, cpu, this.host.handlerSteps(cpu, req), (end) => {
        this.handlerNs.push(end - start);
        this.host.span(-1, `service cpu${cpu} overflow`, start, end, { design: this.host.designName });
        if (this.costs.handler === 'single') this.agentDone(end);
        // A held CPU is answered when the design acknowledges it (ackHeld).
        if (this.host.takeHeld(cpu)) this.held.add(cpu);
        else this.answer(cpu, end + this.costs.irqExitNs, PMI_ACK, req);
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
    this.answer(cpu, this.host.now + this.costs.irqExitNs, PMI_ACK, this.seen[cpu]!.pmi);
  }
  /** CPUs whose interrupt the design holds and has not acknowledged yet. */
  private readonly held = new Set<number>();

  private flush(cpu: number, req: number, t: number): void {
    const go = (start: number): void => this.process(start, cpu, this.host.flushSteps(cpu), (end) => this.answer(cpu, end, FLUSH_ACK, req));
    // Earlier buffers of this CPU reach the consumers first: after its deferred work.
    if (this.work.pending(cpu)) this.flushAfterWork[cpu] = go;
    else go(t);
  }

  private waitFor(cpu: number, req: number, kind: number, t: number, until: number, tid: number, epoch: number): void {
    if (kind === WAIT_RELEASE) {
      if ((this.released.get(tid) ?? 0) >= epoch + 1) return this.answer(cpu, t, WAIT_ACK, req);
      const list = this.releaseWaits.get(tid) ?? [];
      list.push({ cpu, epoch, req });
      this.releaseWaits.set(tid, list);
      return;
    }
    if (Atomics.load(this.ctl, cpuWord(cpu, DS_ENABLED)) === 1) return this.answer(cpu, t, WAIT_ACK, req);
    const p: Parked = { kind, req, tid };
    this.parked[cpu] = p;
    if (kind === WAIT_RUN) {
      // Leave to run with tracing off until `until`, once nothing earlier can turn it on.
      this.queue.at(until, cpu, () => {
        if (this.parked[cpu] !== p) return;
        this.parked[cpu] = null;
        this.answer(cpu, until, WAIT_ACK, req);
      }, EV_GRANT);
    } else if (kind !== WAIT_ENABLE) {
      throw new Error(`internal: cpu${cpu} asked for an unknown wait (${kind})`);
    }
  }

  /** The design programmed `cpu`'s DS area with tracing on (install, enable) at the current step. */
  enabled(cpu: number): void {
    this.onAt[cpu] = this.host.now;
    const p = this.parked[cpu];
    if (!p) return;
    this.parked[cpu] = null;
    this.answer(cpu, this.host.now, WAIT_ACK, p.req);
  }

  /** `tid`'s records up to `epoch` reached its consumers (a flush), at the current step. */
  releasedThread(tid: number, epoch: number): void {
    this.released.set(tid, epoch + 1);
    const list = this.releaseWaits.get(tid);
    if (!list) return;
    const still = list.filter((w) => w.epoch + 1 > epoch + 1);
    for (const w of list) if (w.epoch + 1 <= epoch + 1) this.answer(w.cpu, this.host.now, WAIT_ACK, w.req);
    if (still.length) this.releaseWaits.set(tid, still);
    else this.releaseWaits.delete(tid);
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
      for (let e = this.queue.peek(); e && e.t < h && did < 4096; e = this.queue.peek()) {
        this.queue.pop();
        this.t = e.t;
        const r = e.fire();
        if (r) await r;
        did++;
        // An answer lets a CPU run again from its time: the horizon may come down to it.
        if (this.unblocked) {
          this.unblocked = false;
          h = Math.min(h, this.horizon());
        }
      }
      if (Date.now() - lastYield >= 4) {
        // The control plane (finish, stats) and copier completions come through the event loop.
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
      if (did > 0) continue;
      if (this.queue.size === 0 && h === Infinity) {
        if (this.blocked.some((b) => b)) throw this.deadlock();
        if (this.finishing) return;
      }
      // Wait for a request, or for every CPU's SAFE to pass the earliest event (Dekker with
      // CpuCore.publish). A horizon that moved but is still short of it is no reason to run.
      const wake = this.queue.peek()?.t ?? Infinity;
      this.clock.setWake(this.cpus, wake);
      Atomics.store(ctl, G_COORD_SLEEP, 1);
      if (!this.poll() && !(this.horizon() > wake)) Atomics.wait(ctl, G_DOORBELL, bell, this.finishing ? 1 : 20);
      Atomics.store(ctl, G_COORD_SLEEP, 0);
    }
  }

  /**
   * The same loop as an actor under the explorer (no host copier, so nothing to wait for on
   * the host): it may be interleaved with the CPUs at each operation it performs, and must
   * reach the same figures whatever the interleaving.
   */
  *actor(mem: SharedMem): Step {
    for (;;) {
      const bell = yield* mem.load(G_DOORBELL);
      this.poll();
      let h = this.horizon();
      let did = 0;
      for (let e = this.queue.peek(); e && e.t < h; e = this.queue.peek()) {
        this.queue.pop();
        this.t = e.t;
        if (e.fire()) throw new Error('internal: a step waited for the host under the explorer');
        did++;
        if (this.unblocked) {
          this.unblocked = false;
          h = Math.min(h, this.horizon());
        }
      }
      for (const i of this.pendingNotifies!.splice(0)) yield* mem.notify(i);
      if (did > 0) continue;
      if (this.queue.size === 0 && h === Infinity) {
        if (this.blocked.some((b) => b)) throw this.deadlock();
        return;
      }
      const wake = this.queue.peek()?.t ?? Infinity;
      this.clock.setWake(this.cpus, wake);
      yield* mem.store(G_COORD_SLEEP, 1);
      if (!this.poll() && !(this.horizon() > wake)) yield* mem.wait(G_DOORBELL, bell, Infinity);
      yield* mem.store(G_COORD_SLEEP, 0);
    }
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
      if (!this.blocked[c]) continue;
      const p = this.parked[c];
      const waitsFor = [...this.releaseWaits].find(([, ws]) => ws.some((w) => w.cpu === c))?.[0];
      if (p?.kind === WAIT_ENABLE) why.push(`cpu${c}: thread ${p.tid} waits at its return to user mode for tracing to come back on (notify-resume), and the design never turns it back on`);
      else if (this.seen[c]!.pmi > Atomics.load(this.ctl, cpuWord(c, PMI_ACK))) why.push(`cpu${c}: the design held its interrupt (holdCpu) and never acknowledged it`);
      else why.push(`cpu${c}: waits for thread ${waitsFor ?? '?'} to be released by the CPU it ran on`);
    }
    return new DesignError(this.host.designName, `to keep the simulated machine going (modelled time ${(this.t / 1e6).toFixed(3)} ms): ${why.join('; ')}`);
  }
}
