/**
 * The free pool of spare hardware buffers, shared by all CPUs: a Treiber stack in `ctl`.
 *
 *   G_POOL_HEAD = tag << 16 | (id + 1)      (0 in the low half: empty)
 *   link[id]    = next id + 1               (POOL_BASE + id; written only by the pusher,
 *                                            before the cas that publishes it)
 *
 * Whoever pops a buffer owns it until it pushes it back. Every successful cas bumps the
 * 15-bit tag, so a head that was popped and pushed back between a reader's load and its
 * cas does not match (the ABA problem of an untagged stack). Both operations are
 * lock-free: a failed cas means another actor made progress.
 */
import { G_POOL_HEAD, type Layout } from '../mem/layout.js';
import type { Op, SharedMem } from '../mem/shared-mem.js';

export class FreePool {
  constructor(private readonly mem: SharedMem, private readonly layout: Layout) {}

  /** A free buffer id, or -1 when none is free. */
  *pop(): Generator<Op, number, unknown> {
    const mem = this.mem;
    for (;;) {
      const head = yield* mem.load(G_POOL_HEAD);
      const top = head & 0xffff;
      if (top === 0) return -1;
      const next = yield* mem.load(this.layout.poolBase + top - 1);
      const tag = ((head >>> 16) + 1) & 0x7fff;
      if ((yield* mem.cas(G_POOL_HEAD, head, (tag << 16) | next)) === head) return top - 1;
    }
  }

  *push(id: number): Generator<Op, void, unknown> {
    const mem = this.mem;
    for (;;) {
      const head = yield* mem.load(G_POOL_HEAD);
      yield* mem.store(this.layout.poolBase + id, head & 0xffff);
      const tag = ((head >>> 16) + 1) & 0x7fff;
      if ((yield* mem.cas(G_POOL_HEAD, head, (tag << 16) | (id + 1))) === head) return;
    }
  }
}
