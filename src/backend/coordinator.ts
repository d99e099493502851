/**
 * The coordinator (the backend): services every CPU's overflow interrupts through the
 * swap design, runs the deferred work the design queues (draining full buffers through
 * filter and splay into the consumers, copies handed to the copier pool), services
 * context-switch flushes, and finishes the run with a last drain.
 *
 * One coordinator serves all CPUs, so simultaneous overflows queue here: a CPU's stall
 * is its wait in this queue plus its own service. Interrupts go first; deferred work runs
 * between them, as softirqs do, in order per CPU (a CPU's buffers are drained in the order
 * they were filled). A deferred item waiting for a copier blocks only its own CPU's queue.
 */
import type { SimConfig } from '../model/config.js';
import {
  DS_ABSMAX, DS_BASE, DS_CAUSE, DS_ENABLED, DS_INDEX, DS_THRESHOLD, FLUSH_ACK, FLUSH_EPOCH, FLUSH_REQ, FLUSH_TID, G_DOORBELL, G_HEARTBEAT, G_STOP,
  HW_SLOT_BYTES, MAIL_ENTRIES, MAIL_N, PMI_ACK, PMI_REQ, cpuWord, type Layout,
} from '../mem/layout.js';
import { runSync, type SharedMem } from '../mem/shared-mem.js';
import type { CopyOp, DesignContext, Step, SwapDesign } from '../designs/design.js';
import { FreePool } from './free-pool.js';
import { Splay } from './splay.js';
import { ContinuousWriter, ConsumerWriter, RingWriter, type ConsumerCounters } from '../consumers/writers.js';
import { consumerRegions } from '../consumers/consumer-memory.js';
import { CPU_STAT_CROSSED_NS, CPU_STAT_STRIDE, type PendingLoss } from '../frontend/cpu-core.js';

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
}

/** Runs a copy on the copier pool; resolves when the records are in the staging buffer. */
export type Copier = (from: number, to: number, count: number, recordWords: number) => Promise<void>;

interface Deferred {
  gen: Step<unknown>;
  /** Value to resume the generator with. */
  resume: unknown;
  /** A copy is in flight: the CPU's queue waits for it. */
  waiting: boolean;
}

export class Coordinator implements DesignContext {
  readonly pool: FreePool;
  readonly ds: DesignContext['ds'];
  private readonly splay: Splay;
  private readonly writers: ConsumerWriter[];
  private readonly queues: { cpu: number; work: (() => Step) | null; items: Deferred[] }[];
  private readonly acked: number[];
  private readonly flushAcked: number[];
  private readonly serviced: number[];
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

  constructor(
    readonly cfg: SimConfig,
    readonly mem: SharedMem,
    private readonly layout: Layout,
    bufs: SharedArrayBuffer,
    cons: SharedArrayBuffer,
    stats: SharedArrayBuffer,
    private readonly design: SwapDesign,
    private readonly copier: Copier | null,
  ) {
    this.pool = new FreePool(mem, layout);
    this.stats = new Float64Array(stats);
    this.u32 = new Uint32Array(bufs);
    const { regions } = consumerRegions(cfg);
    this.writers = cfg.consumers.map((spec, i) =>
      spec.mode === 'ring'
        ? new RingWriter(spec, i, cons, regions[i]!)
        : new ContinuousWriter(spec, i, cons, regions[i]!, mem, layout, cfg.consumerPolicy),
    );
    this.splay = new Splay(cfg, bufs, this.writers);
    this.queues = Array.from({ length: cfg.cpus }, (_, cpu) => ({ cpu, work: null, items: [] }));
    this.acked = new Array(cfg.cpus).fill(0);
    this.flushAcked = new Array(cfg.cpus).fill(0);
    this.serviced = new Array(cfg.cpus).fill(0);
    this.swaps = new Array(cfg.cpus).fill(0);
    const self = this;
    const w = (cpu: number, f: number) => cpuWord(cpu, f);
    this.ds = {
      *base(cpu) { return yield* mem.load(w(cpu, DS_BASE)); },
      *index(cpu) { return yield* mem.load(w(cpu, DS_INDEX)); },
      *install(cpu, buffer) {
        yield* self.program(cpu, buffer);
        self.swaps[cpu]!++;
      },
      *disable(cpu, cause) {
        yield* mem.store(w(cpu, DS_CAUSE), cause);
        yield* mem.store(w(cpu, DS_ENABLED), 0);
      },
      *enable(cpu, buffer) {
        yield* self.program(cpu, buffer);
      },
    };
  }

  /** Program the DS area with an empty buffer; DS_ENABLED = 1 is the last store. */
  private *program(cpu: number, buffer: number): Step {
    const mem = this.mem;
    const b = this.cfg.cpuBuffers[cpu]!;
    yield* mem.store(cpuWord(cpu, DS_BASE), buffer);
    yield* mem.store(cpuWord(cpu, DS_INDEX), 0);
    yield* mem.store(cpuWord(cpu, DS_ABSMAX), b.records);
    yield* mem.store(cpuWord(cpu, DS_THRESHOLD), b.threshold);
    // DS_CAUSE is left alone: a CPU that still sees DS_ENABLED = 0 may read it right now.
    yield* mem.store(cpuWord(cpu, DS_ENABLED), 1);
    this.drained.delete(buffer);
    // Re-armed: the overflow service latency runs from the CPU's threshold crossing to here.
    const slot = cpu * CPU_STAT_STRIDE + CPU_STAT_CROSSED_NS;
    const crossed = this.stats[slot]!;
    if (crossed > 0) {
      this.latencyNs.push(Number(process.hrtime.bigint()) - crossed);
      this.stats[slot] = 0;
    }
  }

  /** Before any CPU starts: buffer c on CPU c, the spares in the free pool (staging buffers stay out). */
  init(): void {
    for (let c = 0; c < this.cfg.cpus; c++) runSync(this.program(c, c));
    for (let b = this.cfg.cpus + this.cfg.spares - 1; b >= this.cfg.cpus; b--) runSync(this.pool.push(b));
  }

  drain(cpu: number, buffer: number, count: number): void {
    // A buffer may be drained in parts (a prefix while still installed, the rest later).
    const from = this.drained.get(buffer) ?? 0;
    if (count > from) this.splay.drain(cpu, buffer, from, count);
    this.drained.set(buffer, Math.max(from, count));
  }

  defer(cpu: number, work: () => Step): void {
    this.queues[cpu]!.items.push({ gen: work(), resume: undefined, waiting: false });
  }

  *copy(cpu: number, buffer: number, count: number): Step<number> {
    return (yield { op: 'copy', cpu, buffer, count }) as number;
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
    const staging = this.stagingBuffer(op.cpu);
    const words = this.cfg.format[op.cpu] === 64 ? 6 : 3;
    item.waiting = true;
    this.copies++;
    const done = () => {
      this.drained.delete(staging);
      item.resume = staging;
      item.waiting = false;
      runSync(this.mem.add(G_DOORBELL, 1));
      runSync(this.mem.notify(G_DOORBELL));
    };
    if (!this.copier) {
      // No pool (explore mode, or tests): copy here, synchronously.
      this.copyWords(op.buffer, staging, op.count, words);
      done();
      return;
    }
    this.copier(op.buffer, staging, op.count, words).then(done, (e) => {
      this.failure = e;
      done();
    });
  }

  private copyWords(from: number, to: number, count: number, words: number): void {
    const slot = (this.cfg.bufferRecords * HW_SLOT_BYTES) / 4;
    this.u32.copyWithin(to * slot, from * slot, from * slot + count * words);
  }

  /** Service every raised PMI and context-switch flush once. Returns how many were serviced. */
  servicePending(): number {
    let n = 0;
    const mem = this.mem;
    for (let c = 0; c < this.cfg.cpus; c++) {
      const freq = runSync(mem.load(cpuWord(c, FLUSH_REQ)));
      if (freq > this.flushAcked[c]! && this.serviceFlush(c)) {
        this.flushAcked[c] = freq;
        runSync(mem.store(cpuWord(c, FLUSH_ACK), freq));
        runSync(mem.notify(cpuWord(c, FLUSH_ACK)));
        n++;
      }
      const req = runSync(mem.load(cpuWord(c, PMI_REQ)));
      if (req <= this.acked[c]!) continue;
      const t0 = process.hrtime.bigint();
      runSync(this.design.onOverflow(this, c));
      this.acked[c] = req;
      this.serviced[c]!++;
      runSync(mem.store(cpuWord(c, PMI_ACK), req));
      runSync(mem.notify(cpuWord(c, PMI_ACK)));
      this.interruptNs.push(Number(process.hrtime.bigint() - t0));
      n++;
    }
    return n;
  }

  /**
   * A CPU switched out a thread with per-thread consumers: everything it recorded so far
   * (earlier buffers still queued, the installed buffer's published prefix, the losses in
   * its mailbox) reaches the consumers now, and the thread may run elsewhere. False (try
   * again later) while that CPU's earlier buffers wait for a copier.
   */
  private serviceFlush(cpu: number): boolean {
    const mem = this.mem;
    this.runDeferred(cpu);
    if (this.queues[cpu]!.items.length > 0) return false;
    const buffer = runSync(mem.load(cpuWord(cpu, DS_BASE)));
    const count = runSync(mem.load(cpuWord(cpu, DS_INDEX)));
    this.drain(cpu, buffer, count);
    const mail = this.layout.mailBase + cpu * MAIL_ENTRIES * 4;
    const n = runSync(mem.load(cpuWord(cpu, MAIL_N)));
    for (let k = 0; k < n; k++) {
      const cause = runSync(mem.load(mail + k * 4));
      const tid = runSync(mem.load(mail + k * 4 + 1));
      const klass = runSync(mem.load(mail + k * 4 + 2));
      const cnt = runSync(mem.load(mail + k * 4 + 3));
      this.splay.loss(cpu, klass, cause, tid, cnt);
    }
    this.splay.emitMarkers();
    const tid = runSync(mem.load(cpuWord(cpu, FLUSH_TID)));
    const epoch = runSync(mem.load(cpuWord(cpu, FLUSH_EPOCH)));
    runSync(mem.store(this.layout.relBase + tid, epoch + 1));
    runSync(mem.notify(this.layout.relBase + tid));
    this.flushes++;
    return true;
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
    this.finishing = true;
    for (;;) {
      this.check();
      this.servicePending();
      this.runDeferredRound();
      if (!this.pendingWork()) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    for (let c = 0; c < this.cfg.cpus; c++) {
      const buffer = runSync(this.mem.load(cpuWord(c, DS_BASE)));
      const count = runSync(this.mem.load(cpuWord(c, DS_INDEX)));
      this.drain(c, buffer, count);
      for (const p of pending[c] ?? []) this.splay.loss(c, p.klass, p.cause, p.tid, p.count);
      this.splay.emitMarkers();
    }
    for (const w of this.writers) w.flush();
    const q = quantiles(this.latencyNs);
    const qi = quantiles(this.interruptNs);
    return {
      consumers: this.writers.map((w) => w.counters()),
      serviced: this.serviced.slice(),
      swaps: this.swaps.slice(),
      flushes: this.flushes,
      copies: this.copies,
      serviceP50Ns: q.p50,
      serviceP99Ns: q.p99,
      interruptP50Ns: qi.p50,
      interruptP99Ns: qi.p99,
      hwRecordsDrained: this.splay.recordsIn,
    };
  }
}

function quantiles(xs: number[]): { p50: number; p99: number } {
  if (xs.length === 0) return { p50: 0, p99: 0 };
  const s = xs.slice().sort((a, b) => a - b);
  const at = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}
