/**
 * The coordinator (the backend): services every CPU's overflow interrupts through the
 * swap design, runs the deferred work the design queues (draining full buffers through
 * filter and splay into the consumers), and finishes the run with a last drain.
 *
 * One coordinator serves all CPUs, so simultaneous overflows queue here: a CPU's stall
 * is its wait in this queue plus its own service. Interrupts go first; deferred work runs
 * one item at a time between them, as softirqs do.
 */
import type { SimConfig } from '../model/config.js';
import {
  DS_ABSMAX, DS_BASE, DS_CAUSE, DS_ENABLED, DS_INDEX, DS_THRESHOLD, FLUSH_ACK, FLUSH_EPOCH, FLUSH_REQ, FLUSH_TID, G_DOORBELL, G_STOP,
  MAIL_ENTRIES, MAIL_N, PMI_ACK, PMI_REQ, cpuWord, type Layout,
} from '../mem/layout.js';
import { runSync, type SharedMem } from '../mem/shared-mem.js';
import type { DesignContext, Step, SwapDesign } from '../designs/design.js';
import { FreePool } from './free-pool.js';
import { Splay } from './splay.js';
import { ContinuousWriter, ConsumerWriter, RingWriter, type ConsumerCounters } from '../consumers/writers.js';
import { consumerRegions } from '../consumers/consumer-memory.js';
import type { PendingLoss } from '../frontend/cpu-core.js';

export interface CoordinatorResult {
  consumers: ConsumerCounters[];
  /** Overflow interrupts serviced and buffers swapped, per CPU. */
  serviced: number[];
  swaps: number[];
  /** Service time of each overflow (coordinator side), nanoseconds: p50 and p99. */
  serviceP50Ns: number;
  serviceP99Ns: number;
  hwRecordsDrained: number;
}

export class Coordinator implements DesignContext {
  readonly pool: FreePool;
  readonly ds: DesignContext['ds'];
  private readonly splay: Splay;
  private readonly writers: ConsumerWriter[];
  private readonly deferred: { cpu: number; work: () => Step }[] = [];
  private readonly acked: number[];
  private readonly flushAcked: number[];
  private readonly serviced: number[];
  private readonly swaps: number[];
  /** Records of each buffer already drained since it was last programmed empty. */
  private readonly drained = new Map<number, number>();
  private readonly serviceNs: number[] = [];
  private finishing = false;

  constructor(
    readonly cfg: SimConfig,
    readonly mem: SharedMem,
    private readonly layout: Layout,
    bufs: SharedArrayBuffer,
    cons: SharedArrayBuffer,
    private readonly design: SwapDesign,
  ) {
    this.pool = new FreePool(mem, layout);
    const { regions } = consumerRegions(cfg);
    this.writers = cfg.consumers.map((spec, i) =>
      spec.mode === 'ring'
        ? new RingWriter(spec, i, cons, regions[i]!)
        : new ContinuousWriter(spec, i, cons, regions[i]!, mem, layout, cfg.consumerPolicy),
    );
    this.splay = new Splay(cfg, bufs, this.writers);
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
    yield* mem.store(cpuWord(cpu, DS_BASE), buffer);
    yield* mem.store(cpuWord(cpu, DS_INDEX), 0);
    yield* mem.store(cpuWord(cpu, DS_ABSMAX), this.cfg.cpuBuffers[cpu]!.records);
    yield* mem.store(cpuWord(cpu, DS_THRESHOLD), this.cfg.cpuBuffers[cpu]!.threshold);
    yield* mem.store(cpuWord(cpu, DS_CAUSE), 0);
    yield* mem.store(cpuWord(cpu, DS_ENABLED), 1);
    this.drained.delete(buffer);
  }

  /** Before any CPU starts: buffer c on CPU c, the rest in the free pool. */
  init(): void {
    for (let c = 0; c < this.cfg.cpus; c++) runSync(this.program(c, c));
    for (let b = this.layout.buffers - 1; b >= this.cfg.cpus; b--) runSync(this.pool.push(b));
  }

  drain(cpu: number, buffer: number, count: number): void {
    // A buffer may be drained in parts (a prefix while still installed, the rest later).
    const from = this.drained.get(buffer) ?? 0;
    if (count > from) this.splay.drain(cpu, buffer, from, count);
    this.drained.set(buffer, Math.max(from, count));
  }

  defer(cpu: number, work: () => Step): void {
    this.deferred.push({ cpu, work });
  }

  /** Service every raised PMI and context-switch flush once. Returns how many were serviced. */
  servicePending(): number {
    let n = 0;
    const mem = this.mem;
    for (let c = 0; c < this.cfg.cpus; c++) {
      const freq = runSync(mem.load(cpuWord(c, FLUSH_REQ)));
      if (freq > this.flushAcked[c]!) {
        this.serviceFlush(c);
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
      this.serviceNs.push(Number(process.hrtime.bigint() - t0));
      n++;
    }
    return n;
  }

  /**
   * A CPU switched out a thread with per-thread consumers: everything it recorded so far
   * (earlier buffers still queued, the installed buffer's published prefix, the losses in
   * its mailbox) reaches the consumers now, and the thread may run elsewhere.
   */
  private serviceFlush(cpu: number): void {
    const mem = this.mem;
    while (this.runDeferredOne()) { /* FIFO: earlier buffers first */ }
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
  }
  flushes = 0;

  private runDeferredOne(): boolean {
    const item = this.deferred.shift();
    if (!item) return false;
    runSync(item.work());
    return true;
  }

  /**
   * The service loop. Yields to the event loop every few milliseconds so the control
   * plane (finish, stats) gets through; returns once `finish()` was called and all
   * work is done.
   */
  async run(): Promise<void> {
    const mem = this.mem;
    let lastYield = Date.now();
    for (;;) {
      const bell = runSync(mem.load(G_DOORBELL));
      const did = this.servicePending();
      if (!did && !this.runDeferredOne()) {
        if (this.finishing) return;
        if (runSync(mem.load(G_STOP)) !== 0) return;
        runSync(mem.wait(G_DOORBELL, bell, 5));
      }
      if (Date.now() - lastYield >= 5) {
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
  }

  /**
   * After every CPU stopped: finish deferred work, drain what is left in each DS area,
   * mark the losses the CPUs counted after their last stored record, hand everything to
   * the consumers.
   */
  finish(pending: PendingLoss[][]): CoordinatorResult {
    this.finishing = true;
    this.servicePending();
    while (this.runDeferredOne()) this.servicePending();
    for (let c = 0; c < this.cfg.cpus; c++) {
      const buffer = runSync(this.mem.load(cpuWord(c, DS_BASE)));
      const count = runSync(this.mem.load(cpuWord(c, DS_INDEX)));
      this.drain(c, buffer, count);
      for (const p of pending[c] ?? []) this.splay.loss(c, p.klass, p.cause, p.tid, p.count);
      this.splay.emitMarkers();
    }
    for (const w of this.writers) w.flush();
    const sorted = this.serviceNs.slice().sort((a, b) => a - b);
    const q = (f: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]! : 0);
    return {
      consumers: this.writers.map((w) => w.counters()),
      serviced: this.serviced.slice(),
      swaps: this.swaps.slice(),
      serviceP50Ns: q(0.5),
      serviceP99Ns: q(0.99),
      hwRecordsDrained: this.splay.recordsIn,
    };
  }
}
