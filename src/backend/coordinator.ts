/**
 * The coordinator (the backend): services every CPU's overflow interrupts through the
 * swap design, runs the deferred work the design queues (draining full buffers through
 * filter and splay into the consumers, copies handed to the copier pool), services
 * context-switch flushes, and finishes the run with a last drain.
 *
 * Host clock: one coordinator serves all CPUs, so simultaneous overflows queue here: a CPU's
 * stall is its wait in this queue plus its own service. Interrupts go first; deferred work
 * runs between them, as softirqs do, in order per CPU (a CPU's buffers are drained in the
 * order they were filled). A deferred item waiting for a copier blocks only its own CPU's
 * queue. Modelled clock: the same steps run as timed processes of the model loop
 * (backend/model/), which decides when each happens; handlers of different CPUs overlap.
 */
import type { SimConfig } from '../model/config.js';
import {
  DS_ABSMAX, DS_BASE, DS_CAUSE, DS_ENABLED, DS_INDEX, DS_THRESHOLD, FLUSH_ACK, FLUSH_EPOCH, FLUSH_REQ, FLUSH_TID, G_CPUS_DONE, G_DOORBELL, G_HEARTBEAT, G_KWORK_BELL, G_POOL_HEAD, G_STOP,
  MAIL_ENTRIES, MAIL_N, PMI_ACK, PMI_REQ, cpuWord, type Layout,
  DS_CIRCULAR, DS_MODE, DS_SYNC, DS_TID, DS_WRAPPED,
} from '../mem/layout.js';
import { runSync, type Op, type SharedMem } from '../mem/shared-mem.js';
import type { CircularExit, CopyOp, DesignContext, PoolOps, Step, SwapDesign } from '../designs/design.js';
import { FreePool } from './free-pool.js';
import { Splay } from './splay.js';
import { ConsumerWriter, type ConsumerCounters } from '../consumers/consumer-writer.js';
import { ContinuousWriter } from '../consumers/continuous-writer.js';
import { RingWriter } from '../consumers/ring-writer.js';
import { consumerRegions } from '../consumers/consumer-memory.js';
import { TimelineLog, type TraceEvent } from '../model/timeline.js';
import { BtsimError, DesignError } from '../model/errors.js';
import { LossCause } from '../model/constants.js';
import { ctxOp } from '../designs/ctx-ops.js';
import { recordWords } from '../model/hw-record.js';
import { CPU_STAT_CROSSED_NS, CPU_STAT_STRIDE } from '../mem/layout.js';
import type { PendingLoss } from '../model/hw-record.js';
import { ModelLoop, spend, type ModelHost } from './model/model-loop.js';
import type { DrainClock } from '../consumers/consumer-writer.js';

export interface CoordinatorResult {
  consumers: ConsumerCounters[];
  /** Overflow interrupts serviced and buffers swapped, per CPU. */
  serviced: number[];
  swaps: number[];
  flushes: number;
  copies: number;
  /** Overflow service latency: threshold crossing to tracing re-armed, nanoseconds. */
  serviceP50Ns: number;
  serviceP99Ns: number;
  /** Time spent inside onOverflow (the interrupt itself), nanoseconds. */
  interruptP50Ns: number;
  interruptP99Ns: number;
  hwRecordsDrained: number;
  /** Modelled clock only: copy durations and work-queue waits (queued to running), ns. */
  copyP50Ns?: number;
  copyP99Ns?: number;
  workQueueP50Ns?: number;
  workQueueP99Ns?: number;
  /** With a timeline: the coordinator's track and one per copier thread. */
  timeline?: { events: TraceEvent[]; dropped: number }[];
}

/** Runs a copy on the copier pool; resolves when the records are in the staging buffer. */
export type Copier = (from: number, to: number, count: number, recordWords: number) => Promise<{ thread: number; startNs: number; endNs: number } | void>;

interface Deferred {
  gen: Step<unknown>;
  /** Value to resume the generator with. */
  resume: unknown;
  /** A copy is in flight: the CPU's queue waits for it. */
  waiting: boolean;
}

/** Copier tracks in the timeline: this plus the copier's worker thread id. */
export const COPIER_TID_BASE = 1000;

export interface CoordinatorOptions {
  /** The consumers' writers (default: rings and continuous handoff buffers in `cons`). */
  writers?: ConsumerWriter[];
  /**
   * Threads mode runs deferred work on the coordinator thread between interrupts (true).
   * The explorer runs it on a separate kworker actor, concurrently with interrupts (false).
   */
  inlineDeferred?: boolean;
  /** The clock SAB: with it and `--clock model`, the coordinator runs the modelled clock (model-loop.ts). */
  clock?: SharedArrayBuffer;
}

export class Coordinator implements DesignContext, ModelHost {
  private readonly inlineDeferred: boolean;
  /** Modelled clock (null: host time). */
  private readonly model: ModelLoop | null;
  /** Modelled time of the step being run (set by the model loop). */
  now = 0;
  /** The drain being run: its modelled time and first page touches (consumer writers move both). */
  private readonly drainClock: DrainClock = { now: 0, faults: 0 };
  /** Per CPU: consumers whose views may take its records (filter and splay cost per record). */
  private readonly splayFanout: number[];
  get designName(): string {
    return this.design.name;
  }
  readonly pool: PoolOps;

  /** A CPU id a design gave, checked (the guard names the design). */
  cpuId(what: string, cpu: number): number {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cfg.cpus) throw new BtsimError(`${what}: cpu ${String(cpu)} is not a CPU id (0 to ${this.cfg.cpus - 1})`);
    return cpu;
  }

  /** A buffer id a design gave: a hardware buffer (staging buffers too, where `staging`). */
  bufferId(what: string, buffer: number, staging = false): number {
    const n = this.cfg.cpus + this.cfg.spares + (staging ? this.cfg.cpus : 0);
    if (!Number.isInteger(buffer) || buffer < 0 || buffer >= n) throw new BtsimError(`${what}: buffer ${String(buffer)} is not a buffer id (0 to ${n - 1})`);
    return buffer;
  }

  private recordCount(what: string, cpu: number, count: number): number {
    const max = this.cfg.cpuBuffers[cpu]!.records;
    if (!Number.isInteger(count) || count < 0 || count > max) throw new BtsimError(`${what}: count ${String(count)} is not a record count of cpu ${cpu}'s buffers (0 to ${max})`);
    return count;
  }
  readonly ds: DesignContext['ds'];
  readonly words: DesignContext['words'];
  /** CPUs whose interrupt the design holds past onOverflow (it acknowledges them itself). */
  private readonly held = new Set<number>();
  /** Host clock: held interrupts not acknowledged yet (ds.ack takes only these). */
  private readonly ackable = new Set<number>();

  holdCpu(cpu: number): void {
    this.held.add(cpu);
  }
  private readonly splay: Splay;
  private readonly writers: ConsumerWriter[];
  private readonly queues: { cpu: number; work: (() => Step) | null; items: Deferred[] }[];
  private readonly acked: number[];
  private readonly flushAcked: number[];
  private readonly swaps: number[];
  /** Records of each buffer already drained since it was last programmed empty. */
  private readonly drained = new Map<number, number>();
  private readonly latencyNs: number[] = [];
  private readonly interruptNs: number[] = [];
  private readonly stats: Float64Array;
  private readonly u32: Uint32Array;
  private finishing = false;
  private failure: unknown;
  flushes = 0;
  copies = 0;
  /** The coordinator's track of the timeline (tid = cpus), and one per copier thread. */
  private readonly timeline: TimelineLog | null;
  private readonly copierLogs = new Map<number, TimelineLog>();

  private copierLog(thread: number): TimelineLog {
    let l = this.copierLogs.get(thread);
    if (!l) this.copierLogs.set(thread, (l = new TimelineLog(COPIER_TID_BASE + thread, this.cfg.timelineOriginNs!)));
    return l;
  }

  constructor(
    readonly cfg: SimConfig,
    readonly mem: SharedMem,
    private readonly layout: Layout,
    bufs: SharedArrayBuffer,
    cons: SharedArrayBuffer,
    stats: SharedArrayBuffer,
    private readonly design: SwapDesign,
    private readonly copier: Copier | null,
    opts: CoordinatorOptions = {},
  ) {
    this.inlineDeferred = opts.inlineDeferred ?? true;
    const pool = new FreePool(mem, layout);
    this.pool = {
      pop: () => pool.pop(),
      push: (buffer: number) => {
        this.bufferId('ctx.pool.push', buffer);
        return pool.push(buffer);
      },
    };
    this.timeline = cfg.timelineOriginNs
      ? new TimelineLog(cfg.cpus, cfg.timelineOriginNs, undefined, cfg.clock === 'model' && opts.clock ? () => this.now / 1000 : undefined)
      : null;
    this.stats = new Float64Array(stats);
    this.u32 = new Uint32Array(bufs);
    const { regions } = consumerRegions(cfg);
    this.writers = opts.writers ?? cfg.consumers.map((spec, i) =>
      spec.mode === 'ring'
        ? new RingWriter(spec, i, cons, regions[i]!)
        : new ContinuousWriter(spec, i, cons, regions[i]!, mem, layout, cfg.consumerPolicy),
    );
    this.splay = new Splay(cfg, bufs, this.writers);
    this.splayFanout = Array.from({ length: cfg.cpus }, (_, cpu) =>
      cfg.consumers.filter((c) => c.kind.startsWith('thread') || c.target === cpu).length);
    // (Under the explorer the model loop runs deferred work itself: no kworker actor.)
    this.model = cfg.clock === 'model' && opts.clock
      ? new ModelLoop(this, cfg.costs, cfg.seed, cfg.cpus, cfg.copiers, mem.words, opts.clock, !this.inlineDeferred, this.inlineDeferred ? cfg.cpusPerWorker : 1)
      : null;
    if (this.model) {
      for (const w of this.writers) {
        if (w instanceof ContinuousWriter) w.modelled(this.drainClock, cfg.costs.callbackNs);
        else if (w instanceof RingWriter) w.clock = this.drainClock;
      }
    }
    this.queues = Array.from({ length: cfg.cpus }, (_, cpu) => ({ cpu, work: null, items: [] }));
    this.acked = new Array(cfg.cpus).fill(0);
    this.flushAcked = new Array(cfg.cpus).fill(0);
    this.swaps = new Array(cfg.cpus).fill(0);
    const self = this;
    // Every operation checks its CPU id: a design's out-of-range id must not reach another word.
    const w = (cpu: number, f: number) => cpuWord(self.cpuId('ctx.ds', cpu), f);
    this.ds = {
      *base(cpu) { return yield* mem.load(w(cpu, DS_BASE)); },
      *index(cpu) { return yield* mem.load(w(cpu, DS_INDEX)); },
      *install(cpu, buffer) {
        self.bufferId('ctx.ds.install', buffer);
        yield* self.program(cpu, buffer);
        self.swaps[cpu]!++;
      },
      *disable(cpu, cause) {
        // The cause code is 8 bits in the LOSS record. A design's are its own (16-254) or the
        // two that name what designs do; the others belong to the hardware (3), the consumers
        // (4, 5) or mean "overwritten" (255), which rings would not count as lost.
        if (!Number.isInteger(cause) || !(cause === LossCause['tracing-suspended'] || cause === LossCause['no-spare-buffer'] || (cause >= 16 && cause <= 254))) {
          throw new BtsimError(`ds.disable(cpu, cause) takes 1 (tracing-suspended), 2 (no-spare-buffer) or a cause code of its own from 16 to 254, got ${String(cause)}`);
        }
        yield* mem.store(w(cpu, DS_CAUSE), cause);
        yield* mem.store(w(cpu, DS_ENABLED), 0);
      },
      *enable(cpu, buffer) {
        self.bufferId('ctx.ds.enable', buffer);
        yield* self.program(cpu, buffer);
      },
      *circular(cpu) { return (yield* mem.load(w(cpu, DS_CIRCULAR))) === 1; },
      *installCircular(cpu, buffer) {
        self.bufferId('ctx.ds.installCircular', buffer);
        yield* self.program(cpu, buffer, true);
        self.swaps[cpu]!++;
      },
      *inKernel(cpu) { return (yield* mem.load(w(cpu, DS_MODE))) === 1; },
      *tid(cpu) { return yield* mem.load(w(cpu, DS_TID)); },
      *ack(cpu) {
        if (self.model) return self.model.ackHeld(cpu);
        // Only an interrupt the design holds (the model loop checks the same).
        if (!self.ackable.delete(self.cpuId('ctx.ds.ack', cpu))) throw new BtsimError(`ctx.ds.ack: cpu ${cpu}'s interrupt is not held (ctx.holdCpu in its onOverflow) or was acknowledged already`);
        yield* mem.store(w(cpu, PMI_ACK), self.acked[cpu]!);
      },
    };
    this.words = {
      poolHead: G_POOL_HEAD,
      poolLink: (id: number) => layout.poolBase + id,
      pmiAck: (cpu: number) => w(cpu, PMI_ACK),
    };
  }

  /** Program the DS area with an empty buffer; DS_ENABLED = 1 is the last store. */
  private *program(cpu: number, buffer: number, circular = false): Step {
    const mem = this.mem;
    const b = this.cfg.cpuBuffers[cpu]!;
    // Host clock: take the crossing time before DS_ENABLED = 1. The CPU writes it when it
    // crosses, which it cannot do on this buffer before it sees tracing on; read after, it
    // could be the fresh buffer's crossing, taken for this one's.
    const slot = cpu * CPU_STAT_STRIDE + CPU_STAT_CROSSED_NS;
    const crossed = this.model ? 0 : this.stats[slot]!;
    if (crossed > 0) this.stats[slot] = 0;
    yield* mem.store(cpuWord(cpu, DS_CIRCULAR), circular ? 1 : 0);
    yield* mem.store(cpuWord(cpu, DS_BASE), buffer);
    yield* mem.store(cpuWord(cpu, DS_INDEX), 0);
    yield* mem.store(cpuWord(cpu, DS_ABSMAX), b.records);
    yield* mem.store(cpuWord(cpu, DS_THRESHOLD), b.threshold);
    // DS_CAUSE is left alone: a CPU that still sees DS_ENABLED = 0 may read it right now.
    yield* mem.store(cpuWord(cpu, DS_ENABLED), 1);
    // A thread with a user-only tracer may wait for this in do_notify_resume (cpu-core.ts),
    // whether the design re-arms with enable() or install().
    yield* mem.notify(cpuWord(cpu, DS_ENABLED));
    this.drained.delete(buffer);
    if (this.model) {
      // Re-armed: the overflow service latency, threshold crossing to here, modelled.
      const crossed = this.model.crossAt[cpu]!;
      if (crossed >= 0) this.latencyNs.push(this.now - crossed);
      this.model.crossAt[cpu] = -1;
      this.model.enabled(cpu);
      return;
    }
    // Re-armed: the overflow service latency runs from the CPU's threshold crossing to here.
    if (crossed > 0) this.latencyNs.push(Number(process.hrtime.bigint()) - crossed);
  }

  /** Before any CPU starts: buffer c on CPU c, the spares in the free pool (staging buffers stay out). */
  init(): void {
    runSync(this.initSteps());
  }

  *initSteps(): Step {
    for (let c = 0; c < this.cfg.cpus; c++) yield* this.program(c, c);
    for (let b = this.cfg.cpus + this.cfg.spares - 1; b >= this.cfg.cpus; b--) yield* this.pool.push(b);
  }

  drain(cpu: number, buffer: number, count: number): Step {
    this.cpuId('ctx.drain', cpu);
    this.bufferId('ctx.drain', buffer, true);
    this.recordCount('ctx.drain', cpu, count);
    // A generator does nothing until it is run: a design that forgot `yield*` would drain
    // nothing, silently. Remember each drain until it starts; checkDrains() refuses leftovers.
    const token = {};
    this.unstartedDrains.add(token);
    const self = this;
    return (function* () {
      self.unstartedDrains.delete(token);
      yield* self.drainSteps(cpu, buffer, count);
    })();
  }
  private readonly unstartedDrains = new Set<object>();

  /** After a design step: every ctx.drain() it called must have been run with yield*. */
  private checkDrains(): void {
    if (this.unstartedDrains.size > 0) {
      this.unstartedDrains.clear();
      throw new DesignError(this.design.name, 'in a step that called ctx.drain() without yield*: nothing was drained');
    }
  }

  /**
   * Modelled clock: run `splay` (filter and splay of `records` hardware records of `cpu`, or
   * loss markers only) and spend its modelled time: per record and consumer, the pages of
   * consumer buffers it touches (none if the design pins them), and waits for consumers'
   * buffers (policy wait). Every splay under the modelled clock goes through here.
   */
  private *costed(cpu: number, records: number, splay: () => void): Step {
    const clk = this.drainClock;
    clk.now = this.now;
    clk.faults = 0;
    splay();
    const costs = this.cfg.costs;
    const faults = this.design.pinsConsumerBuffers ? 0 : clk.faults;
    yield spend((clk.now - this.now) + records * costs.splayNsPerRecord * this.splayFanout[cpu]! + faults * costs.pageFaultNs) as never;
  }

  private *drainSteps(cpu: number, buffer: number, count: number): Step {
    if (this.model) {
      const before = this.drained.get(buffer) ?? 0;
      yield* this.costed(cpu, Math.max(0, count - before), () => this.drainNow(cpu, buffer, count));
      return;
    }
    if (this.inlineDeferred) {
      this.drainNow(cpu, buffer, count);
      return;
    }
    // Explore mode: a copy takes time, so other actors may run between its chunks (and
    // overwrite a buffer that was given back too early).
    const chunk = Math.max(1, this.cfg.batchRecords);
    for (let at = this.drained.get(buffer) ?? 0; at < count; at = Math.min(count, at + chunk)) {
      yield { op: 'yield', index: -1 };
      this.drainNow(cpu, buffer, Math.min(count, at + chunk));
    }
  }

  /** Splay what is not drained yet of records [0, count) of `buffer`. */
  private drainNow(cpu: number, buffer: number, count: number): void {
    // A buffer may be drained in parts (a prefix while still installed, the rest later).
    const from = this.drained.get(buffer) ?? 0;
    if (count > from) {
      const t0 = this.timeline?.now() ?? 0;
      this.splay.drain(cpu, buffer, from, count);
      this.timeline?.span(`drain cpu${cpu}`, t0, this.timeline.now(), { records: count - from });
    }
    this.drained.set(buffer, Math.max(from, count));
  }

  defer(cpu: number, work: () => Step): void {
    this.cpuId('ctx.defer', cpu);
    if (typeof work !== 'function') throw new BtsimError(`ctx.defer: the work must be a generator function, got ${typeof work}`);
    if (this.model) this.model.defer(cpu, work);
    else this.queues[cpu]!.items.push({ gen: work(), resume: undefined, waiting: false });
  }

  // ---- the modelled clock's hooks (ModelHost) ----

  *handlerSteps(cpu: number, req: number): Step {
    this.acked[cpu] = req;
    yield spend(this.cfg.costs.serviceNs) as never;
    yield* this.design.onOverflow(this, cpu);
    this.checkDrains();
  }

  *flushSteps(cpu: number): Step {
    yield* this.flushWork(cpu);
    yield spend(this.cfg.costs.flushNs) as never;
    yield* this.release(cpu);
  }

  takeHeld(cpu: number): boolean {
    return this.held.delete(cpu);
  }

  copyOut(cpu: number, buffer: number, count: number): Promise<number> | number {
    const op: CopyOp = { op: 'copy', cpu, buffer, count };
    if (!this.copier) return this.copyToStaging(op);
    const staging = this.stagingBuffer(cpu);
    const already = this.drained.get(buffer) ?? 0;
    this.copies++;
    return this.copier(buffer, staging, count, recordWords(this.cfg.format[cpu]!)).then(() => {
      this.drained.set(staging, already);
      return staging;
    }, (e: unknown) => {
      this.model!.fail(e);
      return staging;
    });
  }

  copyBytes(cpu: number, count: number): number {
    return count * recordWords(this.cfg.format[cpu]!) * 4;
  }

  span(track: number, name: string, start: number, end: number, args?: Record<string, unknown>): void {
    if (!this.timeline) return;
    const log = track < 0 ? this.timeline : this.copierLog(track);
    log.span(name, start / 1000, end / 1000, args);
  }

  *copy(cpu: number, buffer: number, count: number): Step<number> {
    this.cpuId('ctx.copy', cpu);
    this.bufferId('ctx.copy', buffer);
    this.recordCount('ctx.copy', cpu, count);
    return (yield ctxOp({ op: 'copy', cpu, buffer, count } as const)) as number;
  }

  kernelRingsOnly(cpu: number, tid: number): boolean {
    return this.cfg.consumers.every((c) =>
      c.mode === 'ring'
      || c.kind === 'thread-user'
      || (c.kind.startsWith('cpu') ? c.target !== cpu : c.target !== tid));
  }

  *circularExit(cpu: number): Step<CircularExit> {
    const mem = this.mem;
    const records = this.cfg.cpuBuffers[cpu]!.records;
    const idx = yield* mem.load(cpuWord(cpu, DS_INDEX));
    const wrapped = (yield* mem.load(cpuWord(cpu, DS_WRAPPED))) === 1;
    const sync = yield* mem.load(cpuWord(cpu, DS_SYNC));
    const counts = yield* this.readMailbox(cpu);
    return { count: wrapped ? records : idx, start: wrapped ? idx : 0, syncTid: sync & 0xffff, syncKind: sync >>> 16, counts };
  }

  /** A CPU's mailbox: (cause, tid, class, count) x MAIL_N, as the CPU wrote them before its request. */
  private *readMailbox(cpu: number): Step<[number, number, number, number][]> {
    const mem = this.mem;
    const mail = this.layout.mailBase + cpu * MAIL_ENTRIES * 4;
    const n = yield* mem.load(cpuWord(cpu, MAIL_N));
    const out: [number, number, number, number][] = [];
    for (let k = 0; k < n; k++) {
      out.push([
        yield* mem.load(mail + k * 4), yield* mem.load(mail + k * 4 + 1),
        yield* mem.load(mail + k * 4 + 2), yield* mem.load(mail + k * 4 + 3),
      ]);
    }
    return out;
  }

  *drainCircular(cpu: number, buffer: number, exit: CircularExit): Step {
    const records = this.cfg.cpuBuffers[cpu]!.records;
    const splay = (): void => {
      // What the hardware overwrote (and losses announced by overwritten LOSS records) comes
      // first: it all happened before the oldest surviving record.
      for (const [cause, tid, klass, count] of exit.counts) this.splay.loss(cpu, klass, cause, tid, count);
      this.splay.emitMarkers();
      this.splay.resync(cpu, exit.syncTid, exit.syncKind);
      if (exit.start > 0) {
        this.splay.drain(cpu, buffer, exit.start, records);
        this.splay.drain(cpu, buffer, 0, exit.start);
      } else {
        this.splay.drain(cpu, buffer, 0, exit.count);
      }
    };
    if (this.model) yield* this.costed(cpu, exit.start > 0 ? records : exit.count, splay);
    else {
      if (!this.inlineDeferred) yield { op: 'yield', index: -1 };
      splay();
    }
    this.drained.set(buffer, records);
  }

  /** The staging buffer of a CPU: after the pool's spares, one per CPU, never in the pool. */
  stagingBuffer(cpu: number): number {
    return this.cfg.cpus + this.cfg.spares + cpu;
  }

  /** Step a CPU's deferred work until it is empty or waits for a copier. True if anything ran. */
  private runDeferred(cpu: number): boolean {
    const q = this.queues[cpu]!.items;
    let ran = false;
    while (q.length > 0 && !q[0]!.waiting) {
      const item = q[0]!;
      const r = item.gen.next(item.resume);
      ran = true;
      if (r.done) {
        this.checkDrains();
        q.shift();
        continue;
      }
      const op = r.value as CopyOp;
      if (op.op !== 'copy') throw new Error(`internal: deferred work yielded ${op.op} in threads mode`);
      this.startCopy(item, op);
    }
    return ran;
  }

  private startCopy(item: Deferred, op: CopyOp): void {
    item.waiting = true;
    const done = (staging: number) => {
      item.resume = staging;
      item.waiting = false;
      runSync(this.mem.add(G_DOORBELL, 1));
      runSync(this.mem.notify(G_DOORBELL));
    };
    if (!this.copier) {
      // No pool (tests without workers): copy here, synchronously.
      done(this.copyToStaging(op));
      return;
    }
    const staging = this.stagingBuffer(op.cpu);
    const already = this.drained.get(op.buffer) ?? 0;
    this.copies++;
    this.copier(op.buffer, staging, op.count, recordWords(this.cfg.format[op.cpu]!)).then((d) => {
      if (d && this.timeline) {
        const origin = this.cfg.timelineOriginNs!;
        this.copierLog(d.thread).span(`copy cpu${op.cpu}`, (d.startNs - origin) / 1000, (d.endNs - origin) / 1000, { records: op.count });
      }
      this.drained.set(staging, already);
      done(staging);
    }, (e) => {
      this.failure = e;
      this.drained.set(staging, already);
      done(staging);
    });
  }

  /**
   * Copy records [0, count) of a buffer to its CPU's staging buffer, here and now. The copy
   * carries what was already drained of the original (a flush may have drained its prefix
   * while it was installed): draining the staging buffer resumes from there.
   */
  private copyToStaging(op: CopyOp): number {
    const staging = this.stagingBuffer(op.cpu);
    const slot = this.layout.slotWords;
    this.u32.copyWithin(staging * slot, op.buffer * slot, op.buffer * slot + op.count * recordWords(this.cfg.format[op.cpu]!));
    this.drained.set(staging, this.drained.get(op.buffer) ?? 0);
    this.copies++;
    return staging;
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
    if (freq > this.flushAcked[c]! && (yield* this.serviceFlush(c))) {
      this.flushAcked[c] = freq;
      yield* mem.store(cpuWord(c, FLUSH_ACK), freq);
      yield* mem.notify(cpuWord(c, FLUSH_ACK));
      n++;
    }
    const req = yield* mem.load(cpuWord(c, PMI_REQ));
    if (req <= this.acked[c]!) return n;
    const t0 = process.hrtime.bigint();
    yield* this.design.onOverflow(this, c);
    this.checkDrains();
    this.acked[c] = req;
    if (this.held.has(c)) {
      this.held.delete(c); // the design acknowledges it later (ds.ack + notify)
      this.ackable.add(c);
    } else {
      yield* mem.store(cpuWord(c, PMI_ACK), req);
      yield* mem.notify(cpuWord(c, PMI_ACK));
    }
    const dt = Number(process.hrtime.bigint() - t0);
    this.interruptNs.push(dt);
    if (this.timeline) this.timeline.span(`service cpu${c} overflow`, this.timeline.now() - dt / 1000, this.timeline.now(), { design: this.design.name });
    return n + 1;
  }

  /**
   * A CPU switched out a thread with per-thread consumers: everything it recorded so far
   * (earlier buffers still queued, the installed buffer's published prefix, the losses in
   * its mailbox) reaches the consumers now, and the thread may run elsewhere. False (try
   * again later) while that CPU's earlier buffers wait for a copier.
   */
  private *serviceFlush(cpu: number): Step<boolean> {
    if (this.inlineDeferred) this.runDeferred(cpu);
    if (this.queues[cpu]!.items.length > 0) return false;
    yield* this.flushWork(cpu);
    yield* this.release(cpu);
    return true;
  }

  /** A flush's work: the installed buffer's published prefix and the mailbox's losses, to the consumers. */
  private *flushWork(cpu: number): Step {
    const mem = this.mem;
    const buffer = yield* mem.load(cpuWord(cpu, DS_BASE));
    const count = yield* mem.load(cpuWord(cpu, DS_INDEX));
    // A circular buffer is drained in order when the CPU leaves circular mode (drainCircular);
    // a hand-over before that carries counts only. With tracing off the buffer named in
    // DS_BASE is the design's (layout.ts): it may already be in the pool or on another CPU.
    const circular = (yield* mem.load(cpuWord(cpu, DS_CIRCULAR))) === 1;
    const off = (yield* mem.load(cpuWord(cpu, DS_ENABLED))) === 0;
    if (!circular && !off && this.model) yield* this.drainSteps(cpu, buffer, count);
    else if (!circular && !off) this.drainNow(cpu, buffer, count);
    const mail = yield* this.readMailbox(cpu);
    const markers = (): void => {
      for (const [cause, tid, klass, cnt] of mail) this.splay.loss(cpu, klass, cause, tid, cnt);
      this.splay.emitMarkers();
    };
    // Markers take consumers' room too (and may wait for a buffer): at this step's time.
    if (this.model) yield* this.costed(cpu, 0, markers);
    else markers();
  }

  /**
   * The flushed thread may run elsewhere now (tid 0: a hand-over of losses only, or not the
   * last part). A protocol step: the explorer wakes a CPU waiting for the release only on a
   * notify it performs.
   */
  private *release(cpu: number): Step {
    const mem = this.mem;
    const tid = yield* mem.load(cpuWord(cpu, FLUSH_TID));
    const epoch = yield* mem.load(cpuWord(cpu, FLUSH_EPOCH));
    if (tid > 0) {
      yield* mem.store(this.layout.relBase + tid, epoch + 1);
      yield* mem.notify(this.layout.relBase + tid);
      this.model?.releasedThread(tid, epoch);
    }
    this.flushes++;
    this.timeline?.instant(`flush cpu${cpu} (tid ${tid})`);
  }

  /** Explore mode under the modelled clock: the model loop as an actor. */
  modelActor(): Step {
    return this.model!.actor(this.mem);
  }

  /**
   * Explore mode: the coordinator as an actor. Services interrupts and flushes until every
   * CPU actor is done and nothing is left to service; sleeps on the doorbell in between.
   */
  *actor(): Step {
    const mem = this.mem;
    for (;;) {
      const bell = yield* mem.load(G_DOORBELL);
      let n = 0;
      for (let c = 0; c < this.cfg.cpus; c++) n += yield* this.serviceCpu(c);
      if (this.pendingWork()) {
        yield* mem.add(G_KWORK_BELL, 1);
        yield* mem.notify(G_KWORK_BELL);
      }
      if (n > 0) continue;
      if ((yield* mem.load(G_CPUS_DONE)) >= this.cfg.cpus) {
        // Every CPU finished; a flush cannot be outstanding (the CPU would still wait).
        this.coordinatorDone = true;
        yield* mem.add(G_KWORK_BELL, 1);
        yield* mem.notify(G_KWORK_BELL);
        return;
      }
      yield* mem.wait(G_DOORBELL, bell, Infinity);
    }
  }
  private coordinatorDone = false;

  /**
   * Explore mode: the work queue as an actor (a kworker), running deferred work in order
   * (FIFO per CPU) concurrently with the coordinator. Copies are done here, synchronously.
   */
  *kworker(): Step {
    const mem = this.mem;
    for (;;) {
      const bell = yield* mem.load(G_KWORK_BELL);
      const q = this.queues.find((x) => x.items.length > 0);
      if (!q) {
        if (this.coordinatorDone) return;
        yield* mem.wait(G_KWORK_BELL, bell, Infinity);
        continue;
      }
      const item = q.items[0]!;
      let resume: unknown = undefined;
      for (;;) {
        const r = item.gen.next(resume);
        if (r.done) break;
        const op = r.value as CopyOp | Op;
        if (op.op === 'copy') {
          resume = this.copyToStaging(op as CopyOp);
        } else {
          resume = yield op as Op;
        }
      }
      this.checkDrains();
      q.items.shift();
      // A flush may be waiting for this CPU's queue to empty.
      yield* mem.add(G_DOORBELL, 1);
      yield* mem.notify(G_DOORBELL);
    }
  }

  /** One round of deferred work over every CPU, interrupts first between CPUs. */
  private runDeferredRound(): boolean {
    let ran = false;
    for (let c = 0; c < this.cfg.cpus; c++) {
      if (this.runDeferred(c)) ran = true;
      this.servicePending();
    }
    return ran;
  }

  private pendingWork(): boolean {
    return this.queues.some((q) => q.items.length > 0);
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

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
        if (this.copier && this.pendingWork()) {
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
      if (!this.pendingWork()) break;
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
      if (Atomics.load(this.mem.words, cpuWord(c, DS_ENABLED)) === 1) this.drainNow(c, buffer, count);
      for (const p of pending[c] ?? []) this.splay.loss(c, p.klass, p.cause, p.tid, p.count);
      this.splay.emitMarkers();
    }
    for (const w of this.writers) w.flush();
    const q = quantiles(this.latencyNs);
    const qi = quantiles(this.model ? this.model.handlerNs : this.interruptNs);
    const model = this.model;
    const qc = model ? quantiles(model.bandwidth.durations) : null;
    const qw = model ? quantiles(model.work.waits) : null;
    return {
      consumers: this.writers.map((w) => w.counters()),
      serviced: this.acked.slice(), // one PMI serviced per request: acked is the count
      swaps: this.swaps.slice(),
      flushes: this.flushes,
      copies: this.copies,
      serviceP50Ns: q.p50,
      serviceP99Ns: q.p99,
      interruptP50Ns: qi.p50,
      interruptP99Ns: qi.p99,
      hwRecordsDrained: this.splay.recordsIn,
      ...(qc && qw ? { copyP50Ns: qc.p50, copyP99Ns: qc.p99, workQueueP50Ns: qw.p50, workQueueP99Ns: qw.p99 } : {}),
      ...(this.timeline ? { timeline: [this.timeline, ...this.copierLogs.values()].map((l) => ({ events: l.events, dropped: l.dropped })) } : {}),
    };
  }
}

function quantiles(xs: number[]): { p50: number; p99: number } {
  if (xs.length === 0) return { p50: 0, p99: 0 };
  const s = xs.slice().sort((a, b) => a - b);
  const at = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}
