/**
 * The context-switch flush. Everything a CPU recorded for a thread so far reaches the
 * consumers, and the thread may then run elsewhere.
 *
 * The handshake (FLUSH_REQ, the mailbox, released[tid], FLUSH_ACK) is written once, in
 * src/mem/layout.ts ("Context-switch flush").
 */
import { DS_BASE, DS_CIRCULAR, DS_ENABLED, DS_INDEX, FLUSH_EPOCH, FLUSH_TID, cpuWord, type Layout } from '../mem/layout.js';
import type { SharedMem } from '../mem/shared-mem.js';
import type { Step } from '../designs/design.js';
import type { TimelineLog } from '../model/timeline.js';
import type { ModelLoop } from './model/model-loop.js';
import type { DeferredQueue } from './deferred-queue.js';
import type { Drains } from './drains.js';
import type { Pacing } from './pacing.js';
import type { Splay } from './splay.js';
import { readMailbox } from './handover.js';

export class FlushService {
  /** Flushes done. */
  count = 0;

  constructor(
    private readonly mem: SharedMem,
    private readonly layout: Layout,
    /** Modelled clock (null: host time). */
    private readonly model: ModelLoop | null,
    private readonly drains: Drains,
    private readonly splay: Splay,
    private readonly timeline: TimelineLog | null,
    private readonly deferred: DeferredQueue,
    private readonly pacing: Pacing,
  ) {}

  /**
   * Host clock: a CPU switched out a thread with per-thread consumers: everything it recorded
   * so far (earlier buffers still queued, the installed buffer's published prefix, the losses
   * in its mailbox) reaches the consumers now, and the thread may run elsewhere. False (try
   * again later) while that CPU's earlier buffers wait for a copier.
   */
  *service(cpu: number): Step<boolean> {
    if (this.pacing.deferredInline) this.deferred.run(cpu);
    if (this.deferred.has(cpu)) return false;
    yield* this.work(cpu);
    yield* this.release(cpu);
    return true;
  }

  /** A flush's work: the installed buffer's published prefix and the mailbox's losses, to the consumers. */
  *work(cpu: number): Step {
    const mem = this.mem;
    const buffer = yield* mem.load(cpuWord(cpu, DS_BASE));
    const count = yield* mem.load(cpuWord(cpu, DS_INDEX));
    // A circular buffer is drained in order when the CPU leaves circular mode (drainCircular);
    // a hand-over before that carries counts only. With tracing off the buffer named in
    // DS_BASE is the design's (layout.ts): it may already be in the pool or on another CPU.
    const circular = (yield* mem.load(cpuWord(cpu, DS_CIRCULAR))) === 1;
    const off = (yield* mem.load(cpuWord(cpu, DS_ENABLED))) === 0;
    if (!circular && !off && this.model) yield* this.drains.steps(cpu, buffer, count);
    else if (!circular && !off) this.drains.drainNow(cpu, buffer, count);
    const mail = yield* readMailbox(mem, this.layout, cpu);
    const markers = (): void => {
      for (const [cause, tid, klass, cnt] of mail) this.splay.loss(cpu, klass, cause, tid, cnt);
      this.splay.emitMarkers();
    };
    // Markers take consumers' room too (and may wait for a buffer): at this step's time.
    if (this.model) yield* this.drains.costed(cpu, 0, markers);
    else markers();
  }

  /**
   * The flushed thread may run elsewhere now (tid 0: a hand-over of losses only, or not the
   * last part). A protocol step: the explorer wakes a CPU waiting for the release only on a
   * notify it performs.
   */
  *release(cpu: number): Step {
    const mem = this.mem;
    const tid = yield* mem.load(cpuWord(cpu, FLUSH_TID));
    const epoch = yield* mem.load(cpuWord(cpu, FLUSH_EPOCH));
    if (tid > 0) {
      yield* mem.store(this.layout.relBase + tid, epoch + 1);
      yield* mem.notify(this.layout.relBase + tid);
      this.model?.releasedThread(tid, epoch);
    }
    this.count++;
    this.timeline?.instant(`flush cpu${cpu} (tid ${tid})`);
  }
}
