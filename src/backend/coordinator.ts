/**
 * The coordinator: the backend's service loop. It services every CPU's overflow interrupts
 * through the swap design, runs the deferred work the design queues, services
 * context-switch flushes, and finishes the run with a last drain.
 *
 * Host clock: one coordinator serves all CPUs, so simultaneous overflows queue here: a CPU's
 * stall is its wait in this queue plus its own service. Interrupts go first; deferred work
 * runs between them, as softirqs do, in order per CPU. Modelled clock: the same steps run as
 * timed processes of the model loop (backend/model/); handlers of different CPUs overlap.
 * As in LTTng's ring buffer backend, buffer management is kept apart from this loop, a file
 * a concept (ds-area, drains, copies, deferred-queue, flush-service); this class is also
 * the design's context (DesignContext), which checks each call and hands it on.
 */
import type { SimConfig } from '../model/config.js';
import { FLUSH_ACK, FLUSH_REQ, G_DOORBELL, G_HEARTBEAT, G_POOL_HEAD, G_STOP, PMI_ACK, PMI_REQ, DS_BASE, DS_ENABLED, DS_INDEX, cpuWord, type Layout } from '../mem/layout.js';
import { runSync, type SharedMem } from '../mem/shared-mem.js';
import type { CircularExit, DesignContext, PoolOps, Step, SwapDesign } from '../designs/design.js';
import { FreePool } from './free-pool.js';
import { Splay } from './splay.js';
import { ConsumerWriter } from '../consumers/consumer-writer.js';
import { ContinuousWriter } from '../consumers/continuous-writer.js';
import { RingWriter } from '../consumers/ring-writer.js';
import { consumerRegions } from '../consumers/consumer-memory.js';
import { TimelineLog } from '../model/timeline.js';
import { BtsimError } from '../model/errors.js';
import { ctxOp } from '../designs/ctx-ops.js';
import type { PendingLoss } from '../model/hw-record.js';
import { ModelLoop } from './model/model-loop.js';
import type { ModelHost } from './model/model-host.js';
import { spend } from './model/processes.js';
import { coordinatorResult, type CoordinatorResult } from './coordinator-result.js';
import { threadsPacing, type Pacing } from './pacing.js';
import { DesignIds } from './design-ids.js';
import { Drains } from './drains.js';
import { Copies, type Copier } from './copies.js';
import { DeferredQueue } from './deferred-queue.js';
import { HeldInterrupts } from './held-interrupts.js';
import { DsArea } from './ds-area.js';
import { FlushService } from './flush-service.js';
import { readCircularExit } from './handover.js';

export interface CoordinatorOptions {
  /** The consumers' writers (default: rings and continuous handoff buffers in `cons`). */
  writers?: ConsumerWriter[];
  /** The clock SAB: with it and `--clock model`, the coordinator runs the modelled clock (model-loop.ts). */
  clock?: SharedArrayBuffer;
  /** How steps meet other actors (default: threads mode; the explorer gives its own). */
  pacing?: Pacing;
}

export class Coordinator implements DesignContext, ModelHost {
  /** Modelled clock (null: host time). */
  protected readonly model: ModelLoop | null;
  /** Modelled time of the step being run (set by the model loop). */
  now = 0;
  get designName(): string { return this.design.name; }
  readonly pool: PoolOps;
  readonly ds: DesignContext['ds'];
  readonly words: DesignContext['words'];
  private readonly ids: DesignIds;
  private readonly held = new HeldInterrupts();
  private readonly splay: Splay;
  private readonly writers: ConsumerWriter[];
  protected readonly drains: Drains;
  protected readonly copies: Copies;
  protected readonly deferred: DeferredQueue;
  private readonly flushes: FlushService;
  private readonly dsArea: DsArea;
  /** Per CPU: PMIs serviced, flushes serviced, buffers installed. */
  private readonly acked: number[];
  private readonly flushAcked: number[];
  private readonly swaps: number[];
  /** Service latencies (crossing to re-armed) and interrupt times, ns. */
  private readonly latencyNs: number[] = [];
  private readonly interruptNs: number[] = [];
  private finishing = false;
  private failure: unknown;
  /** The coordinator's track of the timeline (tid = cpus); copies.ts keeps one per copier thread. */
  private readonly timeline: TimelineLog | null;

  constructor(
    readonly cfg: SimConfig,
    readonly mem: SharedMem,
    private readonly layout: Layout,
    bufs: SharedArrayBuffer,
    cons: SharedArrayBuffer,
    stats: SharedArrayBuffer,
    private readonly design: SwapDesign,
    copier: Copier | null,
    opts: CoordinatorOptions = {},
  ) {
    const pacing = opts.pacing ?? threadsPacing;
    const ids = (this.ids = new DesignIds(cfg));
    const pool = new FreePool(mem, layout);
    this.pool = {
      pop: () => pool.pop(),
      push: (buffer: number) => {
        ids.buffer('ctx.pool.push', buffer);
        return pool.push(buffer);
      },
    };
    this.timeline = cfg.timelineOriginNs
      ? new TimelineLog(cfg.cpus, cfg.timelineOriginNs, undefined, cfg.clock === 'model' && opts.clock ? () => this.now / 1000 : undefined)
      : null;
    const { regions } = consumerRegions(cfg);
    this.writers = opts.writers ?? cfg.consumers.map((spec, i) =>
      spec.mode === 'ring'
        ? new RingWriter(spec, i, cons, regions[i]!)
        : new ContinuousWriter(spec, i, cons, regions[i]!, mem, layout, cfg.consumerPolicy),
    );
    this.splay = new Splay(cfg, bufs, this.writers);
    const modelled = cfg.clock === 'model' && !!opts.clock;
    this.drains = new Drains(cfg, this.splay, design, this.timeline, pacing, this, modelled);
    // (Stepped by the explorer, the model loop runs deferred work itself: no kworker actor.)
    this.model = modelled
      ? new ModelLoop(this, cfg.costs, cfg.seed, cfg.cpus, cfg.copiers, mem.words, opts.clock!, {
        relBase: layout.relBase,
        notifiesAsOps: !pacing.deferredInline,
        cpusPerWorker: pacing.deferredInline ? cfg.cpusPerWorker : 1,
      })
      : null;
    if (this.model) {
      for (const w of this.writers) {
        if (w instanceof ContinuousWriter) w.modelled(this.drains.clock, cfg.costs.callbackNs);
        else if (w instanceof RingWriter) w.clock = this.drains.clock;
      }
    }
    this.copies = new Copies(cfg, new Uint32Array(bufs), layout.slotWords, copier, ids, this.drains, this.timeline);
    this.deferred = new DeferredQueue(cfg.cpus, mem, this.copies, this.drains, (e) => { this.failure = e; });
    this.flushes = new FlushService(mem, layout, this.model, this.drains, this.splay, this.timeline, this.deferred, pacing);
    this.acked = new Array(cfg.cpus).fill(0);
    this.flushAcked = new Array(cfg.cpus).fill(0);
    this.swaps = new Array(cfg.cpus).fill(0);
    this.dsArea = new DsArea({
      cfg, mem, ids, stats: new Float64Array(stats), model: this.model, drains: this.drains, held: this.held,
      host: this, acked: this.acked, swaps: this.swaps, latencyNs: this.latencyNs,
    });
    this.ds = this.dsArea.ops;
    this.words = { poolHead: G_POOL_HEAD, poolLink: (id: number) => layout.poolBase + id, pmiAck: (cpu: number) => cpuWord(ids.cpu('ctx.ds', cpu), PMI_ACK) };
  }

  // ---- the design's context (DesignContext) ----

  holdCpu(cpu: number): void { this.held.hold(cpu); }

  drain(cpu: number, buffer: number, count: number): Step {
    this.ids.cpu('ctx.drain', cpu);
    this.ids.buffer('ctx.drain', buffer, true);
    this.ids.recordCount('ctx.drain', cpu, count);
    return this.drains.step(cpu, buffer, count);
  }

  defer(cpu: number, work: () => Step): void {
    this.ids.cpu('ctx.defer', cpu);
    if (typeof work !== 'function') throw new BtsimError(`ctx.defer: the work must be a generator function, got ${typeof work}`);
    if (this.model) this.model.defer(cpu, work);
    else this.deferred.push(cpu, work);
  }

  *copy(cpu: number, buffer: number, count: number): Step<number> {
    this.ids.cpu('ctx.copy', cpu);
    this.ids.buffer('ctx.copy', buffer);
    this.ids.recordCount('ctx.copy', cpu, count);
    return (yield ctxOp({ op: 'copy', cpu, buffer, count } as const)) as number;
  }

  kernelRingsOnly(cpu: number, tid: number): boolean {
    return this.cfg.consumers.every((c) =>
      c.mode === 'ring'
      || c.kind === 'thread-user'
      || (c.kind.startsWith('cpu') ? c.target !== cpu : c.target !== tid));
  }

  *circularExit(cpu: number): Step<CircularExit> {
    return yield* readCircularExit(this.mem, this.layout, cpu, this.cfg.cpuBuffers[cpu]!.records);
  }

  drainCircular(cpu: number, buffer: number, exit: CircularExit): Step {
    return this.drains.circular(cpu, buffer, exit);
  }

  // ---- the modelled clock's hooks (ModelHost) ----

  *handlerSteps(cpu: number, req: number): Step {
    this.acked[cpu] = req;
    yield spend(this.cfg.costs.serviceNs) as never;
    yield* this.design.onOverflow(this, cpu);
    this.drains.check();
  }

  *flushSteps(cpu: number): Step {
    yield* this.flushes.work(cpu);
    yield spend(this.cfg.costs.flushNs) as never;
    yield* this.flushes.release(cpu);
  }

  takeHeld(cpu: number): boolean { return this.held.take(cpu); }

  copyOut(cpu: number, buffer: number, count: number): Promise<number> | number {
    return this.copies.out(cpu, buffer, count, (e) => this.model!.fail(e));
  }

  copyBytes(cpu: number, count: number): number { return this.copies.bytes(cpu, count); }

  span(track: number, name: string, start: number, end: number, args?: Record<string, unknown>): void {
    if (!this.timeline) return;
    const log = track < 0 ? this.timeline : this.copies.log(track);
    log.span(name, start / 1000, end / 1000, args);
  }

  // ---- the service loop ----

  /** Before any CPU starts: buffer c on CPU c, the spares in the free pool (staging buffers stay out). */
  init(): void {
    runSync(this.initSteps());
  }

  *initSteps(): Step {
    for (let c = 0; c < this.cfg.cpus; c++) yield* this.dsArea.program(c, c);
    for (let b = this.cfg.cpus + this.cfg.spares - 1; b >= this.cfg.cpus; b--) yield* this.pool.push(b);
  }

  /** Service every raised PMI and context-switch flush once. Returns how many were serviced. */
  servicePending(): number {
    let n = 0;
    for (let c = 0; c < this.cfg.cpus; c++) n += runSync(this.serviceCpu(c));
    return n;
  }

  /** A CPU's pending flush and PMI, as one protocol step. */
  *serviceCpu(c: number): Step<number> {
    const mem = this.mem;
    let n = 0;
    const freq = yield* mem.load(cpuWord(c, FLUSH_REQ));
    if (freq > this.flushAcked[c]! && (yield* this.flushes.service(c))) {
      this.flushAcked[c] = freq;
      yield* mem.store(cpuWord(c, FLUSH_ACK), freq);
      yield* mem.notify(cpuWord(c, FLUSH_ACK));
      n++;
    }
    const req = yield* mem.load(cpuWord(c, PMI_REQ));
    if (req <= this.acked[c]!) return n;
    const t0 = process.hrtime.bigint();
    yield* this.design.onOverflow(this, c);
    this.drains.check();
    this.acked[c] = req;
    if (!this.held.keep(c)) { // a held one the design acknowledges later (ds.ack + notify)
      yield* mem.store(cpuWord(c, PMI_ACK), req);
      yield* mem.notify(cpuWord(c, PMI_ACK));
    }
    const dt = Number(process.hrtime.bigint() - t0);
    this.interruptNs.push(dt);
    if (this.timeline) this.timeline.span(`service cpu${c} overflow`, this.timeline.now() - dt / 1000, this.timeline.now(), { design: this.design.name });
    return n + 1;
  }

  /** One round of deferred work over every CPU, interrupts first between CPUs. */
  private runDeferredRound(): boolean {
    let ran = false;
    for (let c = 0; c < this.cfg.cpus; c++) {
      if (this.deferred.run(c)) ran = true;
      this.servicePending();
    }
    return ran;
  }

  private check(): void { if (this.failure) throw this.failure; }

  /**
   * The service loop. Yields to the event loop every few milliseconds so the control
   * plane (finish, stats) and copier completions get through; returns once `finish()`
   * was called and all work is done.
   */
  async run(): Promise<void> {
    if (this.model) return this.model.run();
    const mem = this.mem;
    let lastYield = Date.now();
    for (;;) {
      runSync(mem.add(G_HEARTBEAT, 1)); // the main thread's watchdog: this loop is alive
      this.check();
      const bell = runSync(mem.load(G_DOORBELL));
      const did = this.servicePending() + (this.runDeferredRound() ? 1 : 0);
      if (!did) {
        if (this.finishing) return;
        if (runSync(mem.load(G_STOP)) !== 0) return;
        if (this.copies.pooled && this.deferred.pending()) {
          // Waiting for a copier: its completion arrives through the event loop.
          await new Promise((r) => setTimeout(r, 0));
          lastYield = Date.now();
          continue;
        }
        runSync(mem.wait(G_DOORBELL, bell, 5));
      }
      if (Date.now() - lastYield >= 5) {
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
  }

  /**
   * After every CPU stopped: finish deferred work (waiting for copiers), drain what is left
   * in each DS area, mark the losses the CPUs counted after their last stored record, hand
   * everything to the consumers.
   */
  async finish(pending: PendingLoss[][]): Promise<CoordinatorResult> {
    if (this.model) {
      await this.model.finish();
      return this.finalize(pending);
    }
    this.finishing = true;
    for (;;) {
      this.check();
      this.servicePending();
      this.runDeferredRound();
      if (!this.deferred.pending()) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    return this.finalize(pending);
  }

  /** The last drain, once no deferred work is left (explore mode calls it directly). */
  finalize(pending: PendingLoss[][]): CoordinatorResult {
    // Every CPU has stopped: the DS words are final, read them directly (in either mode).
    for (let c = 0; c < this.cfg.cpus; c++) {
      const buffer = Atomics.load(this.mem.words, cpuWord(c, DS_BASE));
      const count = Atomics.load(this.mem.words, cpuWord(c, DS_INDEX));
      // Tracing off: the buffer is the design's, which drained it (or not: its fault, seen).
      if (Atomics.load(this.mem.words, cpuWord(c, DS_ENABLED)) === 1) this.drains.drainNow(c, buffer, count);
      for (const p of pending[c] ?? []) this.splay.loss(c, p.klass, p.cause, p.tid, p.count);
      this.splay.emitMarkers();
    }
    for (const w of this.writers) w.flush();
    return coordinatorResult({
      writers: this.writers,
      serviced: this.acked, // one PMI serviced per request: acked is the count
      swaps: this.swaps,
      flushes: this.flushes.count,
      copies: this.copies.count,
      latencyNs: this.latencyNs,
      interruptNs: this.model ? this.model.handlerNs : this.interruptNs,
      model: this.model,
      hwRecordsDrained: this.splay.recordsIn,
      timelines: this.timeline ? [this.timeline, ...this.copies.logs.values()] : null,
    });
  }
}
