// BUG (one line, from examples/designs/spare-swap-inline.mjs): the drain stops one record
// short of where the buffer wrapped to a spare, so the last record of every swapped buffer
// is lost without a marker.
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
    if ((yield* ctx.mem.cas(ctx.words.poolHead, head, (tag << 16) | (id + 1))) === head) return;
  }
}

export default {
  name: 'buggy-off-by-one-wrap',
  description: 'BUG: drains one record short of the end of the buffer',
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
      yield* ctx.drain(cpu, full, count - 1); // BUG: off by one at the end of the buffer
      yield* push(ctx, full);
    });
  },
};
