/**
 * Processes under the modelled clock. A process is a protocol step (a generator) run at its
 * own modelled clock, from event to event, yielding only where modelled time passes.
 *
 * Why a step's other operations are performed at once is said in model-loop.ts (one modelled
 * instant between two yields).
 */
import type { Step } from '../../designs/design.js';
import { ctxOp } from '../../designs/ctx-ops.js';
import type { Op } from '../../mem/shared-mem.js';
import { BtsimError } from '../../model/errors.js';
import type { EventQueue } from './event-queue.js';
import type { Bandwidth } from './bandwidth.js';
import type { ModelHost } from './model-host.js';

/** A step that takes modelled time (what processes yield besides copies). */
export interface SpendOp {
  op: 'spend';
  ns: number;
}

export function spend(ns: number): SpendOp {
  if (!Number.isFinite(ns) || ns < 0) throw new Error(`internal: a step would spend ${ns} ns`);
  return ctxOp({ op: 'spend', ns });
}

export class Processes {
  constructor(
    private readonly host: ModelHost,
    private readonly queue: EventQueue,
    private readonly bandwidth: Bandwidth,
    private readonly ctl: Int32Array,
    /** The loop: the time of its current event, and how it notifies. */
    private readonly loop: { readonly t: number; notify(index: number): void },
  ) {}

  /** Run `gen` as a process from `t` (now, or later); `finished` gets its end time. */
  run(t: number, cpu: number, gen: Step<unknown>, finished: (end: number) => void, worker = -1): void {
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
    if (t > this.loop.t) this.queue.at(t, cpu, step);
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
      case 'notify': this.loop.notify(o.index); this.performed = undefined; return true;
      case 'yield': this.performed = undefined; return true;
      case 'wait': throw new BtsimError(`design ${this.host.designName}: a step waits on a word under the modelled clock (a step runs at one instant; use ctx.defer)`);
      default: return false;
    }
  }
  private performed: unknown;
}
