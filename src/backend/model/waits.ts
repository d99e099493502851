/**
 * CPUs parked in a timed wait under the modelled clock. They wait for tracing to come back on
 * (WAIT_RUN, WAIT_ENABLE) or for a thread's release by the CPU it last ran on (WAIT_RELEASE).
 *
 * What each wait means and why a CPU may ask for it is in src/mem/clock-words.ts; the
 * released words are in src/mem/layout.ts.
 */
import { DS_ENABLED, WAIT_ACK, cpuWord } from '../../mem/layout.js';
import { WAIT_ENABLE, WAIT_RELEASE, WAIT_RUN } from '../../mem/layout.js';
import { EV_GRANT, type EventQueue } from './event-queue.js';

interface Parked {
  kind: number;
  req: number;
  tid: number;
}

/** Answers a CPU's request (Requests.answer). */
type Answer = (cpu: number, at: number, ackField: number, req: number) => void;

export class Waits {
  /** A CPU waiting for tracing to come back on (WAIT_RUN, WAIT_ENABLE). */
  private readonly parked: (Parked | null)[];
  /** CPUs waiting for a thread's release: tid -> waiters. */
  private readonly releaseWaits = new Map<number, { cpu: number; epoch: number; req: number }[]>();

  constructor(
    cpus: number,
    private readonly ctl: Int32Array,
    /** Index of released[0]: released[tid] holds the epoch + 1 a flush released the thread up to. */
    private readonly relBase: number,
    private readonly queue: EventQueue,
    private readonly answer: Answer,
  ) {
    this.parked = new Array<Parked | null>(cpus).fill(null);
  }

  waitFor(cpu: number, req: number, kind: number, t: number, until: number, tid: number, epoch: number): void {
    if (kind === WAIT_RELEASE) {
      // The released word is stored by the coordinator's own flush step (this thread), before
      // released() below: it is up to date here.
      if (Atomics.load(this.ctl, this.relBase + tid) >= epoch + 1) return this.answer(cpu, t, WAIT_ACK, req);
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

  /** Tracing is on again on `cpu` at `now`: a CPU parked for it resumes. */
  enabled(cpu: number, now: number): void {
    const p = this.parked[cpu];
    if (!p) return;
    this.parked[cpu] = null;
    this.answer(cpu, now, WAIT_ACK, p.req);
  }

  /** `tid`'s records up to `epoch` reached its consumers at `now`: its waiters resume. */
  released(tid: number, epoch: number, now: number): void {
    const list = this.releaseWaits.get(tid);
    if (!list) return;
    const still = list.filter((w) => w.epoch + 1 > epoch + 1);
    for (const w of list) if (w.epoch + 1 <= epoch + 1) this.answer(w.cpu, now, WAIT_ACK, w.req);
    if (still.length) this.releaseWaits.set(tid, still);
    else this.releaseWaits.delete(tid);
  }

  /** The thread `cpu` waits to be released, if it waits for one. */
  releaseAwaited(cpu: number): number | undefined {
    return [...this.releaseWaits].find(([, ws]) => ws.some((w) => w.cpu === cpu))?.[0];
  }

  /** The thread parked on `cpu` at its return to user mode for tracing to come back on, if any. */
  parkedForEnable(cpu: number): number | undefined {
    const p = this.parked[cpu];
    return p?.kind === WAIT_ENABLE ? p.tid : undefined;
  }
}
