/**
 * The CPUs' timed requests as the model loop sees them. It keeps which it has seen and which
 * still wait for an answer, computes the horizon they allow, and gives the answer itself.
 *
 * The words and the rule that orders them are in src/mem/clock-words.ts (requests before
 * SAFE, SAFE owned by the coordinator while a request is outstanding) and src/mem/layout.ts
 * (ACK last, ANS_ON before it).
 */
import { hostBell, ANS_ON, DS_ENABLED, FLUSH_REQ, PMI_REQ, WAIT_EPOCH, WAIT_KIND, WAIT_REQ, WAIT_TID, cpuWord } from '../../mem/layout.js';
import type { ClockWords } from '../../mem/clock-words.js';
import { T_ANS, T_ARG, T_ON, T_REQ } from '../../mem/layout.js';
import { EV_REQUEST, type EventQueue } from './event-queue.js';

/** What the loop does with each kind of request, once its event comes up. */
export interface RequestHandlers {
  overflow(cpu: number, req: number, t: number, crossed: number): void;
  flush(cpu: number, req: number, t: number): void;
  waitFor(cpu: number, req: number, kind: number, t: number, until: number, tid: number, epoch: number): void;
}

export class Requests {
  /** A CPU with a request seen and not answered yet (its SAFE does not count). */
  readonly blocked: boolean[];
  readonly seen: { pmi: number; flush: number; wait: number }[];
  /** When tracing last came back on, per CPU (answers carry it: T_ON). */
  readonly onAt: number[];
  /**
   * A CPU was answered since the horizon was last computed. Only that can lower it (a CPU
   * raising its SAFE only raises it), so the loop recomputes it only then: reading every
   * CPU's SAFE after each event was half of the coordinator's time.
   */
  unblocked = false;

  constructor(
    private readonly cpus: number,
    private readonly ctl: Int32Array,
    private readonly clock: ClockWords,
    private readonly queue: EventQueue,
    /** The loop: its current event's time, its handlers, and how it notifies. */
    private readonly loop: RequestHandlers & { readonly t: number; notify(index: number): void },
    /** CPUs stepped on one worker thread (their worker's bell is rung with each answer). */
    private readonly cpusPerWorker: number,
  ) {
    this.blocked = new Array<boolean>(cpus).fill(false);
    this.seen = Array.from({ length: cpus }, () => ({ pmi: 0, flush: 0, wait: 0 }));
    this.onAt = new Array<number>(cpus).fill(0);
  }

  /** Turn new requests into events; true if there were any. Read before SAFE (see horizon()). */
  poll(): boolean {
    const f = this.clock.f64;
    const loop = this.loop;
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
        this.queue.push({ t, kind: EV_REQUEST, cpu: c, seq: pmi * 3, fire: () => loop.overflow(c, pmi, t, arg) });
      } else if (flush > s.flush) {
        s.flush = flush;
        this.queue.push({ t, kind: EV_REQUEST, cpu: c, seq: flush * 3 + 1, fire: () => loop.flush(c, flush, t) });
      } else {
        s.wait = wait;
        const kind = Atomics.load(this.ctl, cpuWord(c, WAIT_KIND));
        const tid = Atomics.load(this.ctl, cpuWord(c, WAIT_TID));
        const epoch = Atomics.load(this.ctl, cpuWord(c, WAIT_EPOCH));
        this.queue.push({ t, kind: EV_REQUEST, cpu: c, seq: wait * 3 + 2, fire: () => loop.waitFor(c, wait, kind, t, arg, tid, epoch) });
      }
    }
    return any;
  }

  /** Events before this time can be processed: no CPU can still ask for anything earlier. */
  horizon(): number {
    let h = Infinity;
    for (let c = 0; c < this.cpus; c++) if (!this.blocked[c]) h = Math.min(h, this.clock.safe(c));
    return h;
  }

  /** Answer CPU `cpu`'s request `req` (on `ackField`) at modelled time `at`. */
  answer(cpu: number, at: number, ackField: number, req: number): void {
    if (!this.blocked[cpu]) throw new Error(`internal: an answer to cpu${cpu}, which waits for none`);
    const give = (): void => {
      Atomics.store(this.ctl, cpuWord(cpu, ANS_ON), Atomics.load(this.ctl, cpuWord(cpu, DS_ENABLED)));
      this.clock.f64[this.clock.at(cpu, T_ANS)] = at;
      this.clock.f64[this.clock.at(cpu, T_ON)] = this.onAt[cpu]!;
      this.clock.setSafe(cpu, at);
      this.blocked[cpu] = false;
      this.unblocked = true;
      Atomics.store(this.ctl, cpuWord(cpu, ackField), req);
      this.loop.notify(cpuWord(cpu, ackField));
      if (this.cpusPerWorker > 1) {
        // Its worker sleeps on one word for all its CPUs.
        const bell = hostBell(cpu, this.cpusPerWorker);
        Atomics.add(this.ctl, bell, 1);
        this.loop.notify(bell);
      }
    };
    if (at <= this.loop.t) give();
    else this.queue.at(at, cpu, give);
  }
}
