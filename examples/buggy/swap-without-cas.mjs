// BUG (one line, from examples/designs/spare-swap-inline.mjs): push() publishes the new
// pool head with a plain store instead of a compare-exchange. A pop that ran between its
// load and its store is undone: the buffer it took, now installed on a CPU, is back in the
// pool, and is handed to a CPU again while the first still writes into it.
export function* pop(ctx) {
  for (;;) {
    const head = yield* ctx.mem.load(ctx.words.poolHead);
    const top = head & 0xffff;
    if (top === 0) return -1;
    const next = yield* ctx.mem.load(ctx.words.poolLink(top - 1));
    const tag = ((head >>> 16) + 1) & 0x7fff;
    if ((yield* ctx.mem.cas(ctx.words.poolHead, head, (tag << 16) | next)) === head) return top - 1;
  }
}

export function* push(ctx, id) {
  for (;;) {
    const head = yield* ctx.mem.load(ctx.words.poolHead);
    yield* ctx.mem.store(ctx.words.poolLink(id), head & 0xffff);
    const tag = ((head >>> 16) + 1) & 0x7fff;
    { yield* ctx.mem.store(ctx.words.poolHead, (tag << 16) | (id + 1)); return; } // BUG: no compare-exchange
  }
}

export default {
  name: 'buggy-swap-without-cas',
  description: 'BUG: pushes onto the pool with a plain store instead of compare-exchange',
  *onOverflow(ctx, cpu) {
    const full = yield* ctx.ds.base(cpu);
    const count = yield* ctx.ds.index(cpu);
    const spare = yield* pop(ctx);
    if (spare < 0) {
      yield* ctx.ds.disable(cpu, 2); // no-spare-buffer
      ctx.defer(cpu, function* () {
        yield* ctx.drain(cpu, full, count);
        yield* ctx.ds.enable(cpu, full);
      });
      return;
    }
    yield* ctx.ds.install(cpu, spare);
    ctx.defer(cpu, function* () {
      yield* ctx.drain(cpu, full, count);
      yield* push(ctx, full);
    });
  },
};
