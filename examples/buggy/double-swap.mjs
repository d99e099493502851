// BUG (one line, from examples/designs/spare-swap-inline.mjs): the drained buffer is
// swapped back into the free pool twice. The pool then holds it twice, and two CPUs end
// up writing into the same buffer.
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
  name: 'buggy-double-swap',
  description: 'BUG: swaps the full buffer back into the pool twice',
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
      yield* push(ctx, full); // BUG: swapped back into the pool twice
    });
  },
};
