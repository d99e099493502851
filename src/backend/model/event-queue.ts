/**
 * The modelled clock's event queue (a binary heap). Events are ordered by (time, kind, cpu, seq),
 * a total order that never depends on when an event was inserted, so the coordinator
 * processes them in the same order on every run whatever the host did.
 */

/** Kinds, in the order they go at equal times: the model's own steps, CPUs' requests, then grants. */
export const EV_STEP = 0;
export const EV_REQUEST = 1;
export const EV_GRANT = 2;

export interface ModelEvent {
  t: number;
  kind: number;
  cpu: number;
  /** Request: the CPU's request number; otherwise the coordinator's own counter. */
  seq: number;
  /** What happens; a promise when it must wait for the host (a copy still running). */
  fire: () => void | Promise<void>;
}

function before(a: ModelEvent, b: ModelEvent): boolean {
  if (a.t !== b.t) return a.t < b.t;
  if (a.kind !== b.kind) return a.kind < b.kind;
  if (a.cpu !== b.cpu) return a.cpu < b.cpu;
  return a.seq < b.seq;
}

export class EventQueue {
  private readonly heap: ModelEvent[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  peek(): ModelEvent | undefined {
    return this.heap[0];
  }

  /** Schedule one of the model's own steps at `t` (cpu: whose it is, for the tie-break; -1: none). */
  at(t: number, cpu: number, fire: () => void | Promise<void>, kind = EV_STEP): void {
    this.push({ t, kind, cpu, seq: this.nextSeq++, fire });
  }

  push(e: ModelEvent): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): ModelEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
