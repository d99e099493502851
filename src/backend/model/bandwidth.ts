/**
 * Memory bandwidth for copies under the modelled clock. Copies in flight at the same time
 * share it equally (processor sharing), so a copy's end moves later whenever another one
 * starts before it ends. One pending event marks the next end; a start or an end replaces it.
 */
import type { EventQueue } from './event-queue.js';

interface Flow {
  left: number;
  done: (t: number) => void | Promise<void>;
}

export class Bandwidth {
  private readonly flows: Flow[] = [];
  private last = 0;
  private version = 0;
  /** Modelled ns of each finished copy. */
  readonly durations: number[] = [];

  /** `bytesPerNs`: the bandwidth in GB/s is bytes per ns. */
  constructor(private readonly bytesPerNs: number, private readonly queue: EventQueue) {}

  /** Start copying `bytes` at `t`; `done` runs at the modelled time it ends. */
  start(t: number, bytes: number, done: (t: number) => void | Promise<void>): void {
    this.advance(t);
    const t0 = t;
    this.flows.push({ left: bytes, done: (end) => { this.durations.push(end - t0); return done(end); } });
    this.schedule(t);
  }

  private advance(t: number): void {
    if (this.flows.length > 0 && t > this.last) {
      const each = ((t - this.last) * this.bytesPerNs) / this.flows.length;
      for (const f of this.flows) f.left -= each;
    }
    this.last = t;
  }

  private schedule(t: number): void {
    const v = ++this.version;
    if (this.flows.length === 0) return;
    let first = this.flows[0]!;
    for (const f of this.flows) if (f.left < first.left) first = f;
    const end = t + (Math.max(0, first.left) * this.flows.length) / this.bytesPerNs;
    this.queue.at(end, -1, () => (v === this.version ? this.finish(end, first) : undefined));
  }

  private finish(t: number, flow: Flow): void | Promise<void> {
    this.advance(t);
    this.flows.splice(this.flows.indexOf(flow), 1);
    this.schedule(t);
    return flow.done(t);
  }
}
