/**
 * Drain bookkeeping and the drain itself. It keeps how much of each buffer has reached the
 * consumers, and drains (filter and splay into the consumers) on either clock.
 *
 * A buffer may be drained in parts (a flush drains an installed buffer's published prefix,
 * the rest follows once it is swapped out), so every drain resumes where the last one
 * stopped; programming a buffer empty (ds-area.ts) forgets it. Who may drain which buffer
 * when is the DS ownership rule in src/mem/layout.ts.
 */
import type { SimConfig } from '../model/config.js';
import type { CircularExit, Step, SwapDesign } from '../designs/design.js';
import type { DrainClock } from '../consumers/consumer-writer.js';
import type { TimelineLog } from '../model/timeline.js';
import { DesignError } from '../model/errors.js';
import { spend } from './model/processes.js';
import type { Pacing } from './pacing.js';
import type { Splay } from './splay.js';

export class Drains {
  /** Records of each buffer already drained since it was last programmed empty. */
  private readonly drained = new Map<number, number>();
  /** Drains a design asked for (ctx.drain) that have not started yet (see step()). */
  private readonly unstarted = new Set<object>();
  /** The drain being run: its modelled time and first page touches (consumer writers move both). */
  readonly clock: DrainClock = { now: 0, faults: 0 };
  /** Per CPU: consumers whose views may take its records (filter and splay cost per record). */
  private readonly splayFanout: number[];

  constructor(
    private readonly cfg: SimConfig,
    private readonly splay: Splay,
    private readonly design: SwapDesign,
    private readonly timeline: TimelineLog | null,
    private readonly pacing: Pacing,
    /** Under the modelled clock: the time of the step being run (the model loop sets it). */
    private readonly host: { readonly now: number },
    private readonly modelled: boolean,
  ) {
    this.splayFanout = Array.from({ length: cfg.cpus }, (_, cpu) =>
      cfg.consumers.filter((c) => c.kind.startsWith('thread') || c.target === cpu).length);
  }

  /** Records of `buffer` drained so far. */
  done(buffer: number): number {
    return this.drained.get(buffer) ?? 0;
  }

  /** `buffer` holds records drained up to `count` (a copy carries its original's). */
  setDone(buffer: number, count: number): void {
    this.drained.set(buffer, count);
  }

  /** `buffer` was programmed empty: nothing of it is drained. */
  forget(buffer: number): void {
    this.drained.delete(buffer);
  }

  /** A design's drain (ctx.drain, checked by the caller), remembered until it starts. */
  step(cpu: number, buffer: number, count: number): Step {
    // A generator does nothing until it is run: a design that forgot `yield*` would drain
    // nothing, silently. Remember each drain until it starts; check() refuses leftovers.
    const token = {};
    this.unstarted.add(token);
    const self = this;
    return (function* () {
      self.unstarted.delete(token);
      yield* self.steps(cpu, buffer, count);
    })();
  }

  /** After a design step: every ctx.drain() it called must have been run with yield*. */
  check(): void {
    if (this.unstarted.size > 0) {
      this.unstarted.clear();
      throw new DesignError(this.design.name, 'in a step that called ctx.drain() without yield*: nothing was drained');
    }
  }

  /**
   * Modelled clock: run `splay` (filter and splay of `records` hardware records of `cpu`, or
   * loss markers only) and spend its modelled time: per record and consumer, the pages of
   * consumer buffers it touches (none if the design pins them), and waits for consumers'
   * buffers (policy wait). Every splay under the modelled clock goes through here.
   */
  *costed(cpu: number, records: number, splay: () => void): Step {
    const clk = this.clock;
    clk.now = this.host.now;
    clk.faults = 0;
    splay();
    const costs = this.cfg.costs;
    const faults = this.design.pinsConsumerBuffers ? 0 : clk.faults;
    yield spend((clk.now - this.host.now) + records * costs.splayNsPerRecord * this.splayFanout[cpu]! + faults * costs.pageFaultNs) as never;
  }

  /** Drain what is left of records [0, count) of `buffer`, as a step (timed or paced). */
  *steps(cpu: number, buffer: number, count: number): Step {
    if (this.modelled) {
      const before = this.done(buffer);
      yield* this.costed(cpu, Math.max(0, count - before), () => this.drainNow(cpu, buffer, count));
      return;
    }
    yield* this.pacing.drain(this.done(buffer), count, (n) => this.drainNow(cpu, buffer, n));
  }

  /** Splay what is not drained yet of records [0, count) of `buffer`. */
  drainNow(cpu: number, buffer: number, count: number): void {
    // A buffer may be drained in parts (a prefix while still installed, the rest later).
    const from = this.done(buffer);
    if (count > from) {
      const t0 = this.timeline?.now() ?? 0;
      this.splay.drain(cpu, buffer, from, count);
      this.timeline?.span(`drain cpu${cpu}`, t0, this.timeline.now(), { records: count - from });
    }
    this.drained.set(buffer, Math.max(from, count));
  }

  /** Drain a circular buffer in order (oldest first), after its overwrite markers. */
  *circular(cpu: number, buffer: number, exit: CircularExit): Step {
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
    if (this.modelled) yield* this.costed(cpu, exit.start > 0 ? records : exit.count, splay);
    else {
      yield* this.pacing.beforeSplay();
      splay();
    }
    this.drained.set(buffer, records);
  }
}
