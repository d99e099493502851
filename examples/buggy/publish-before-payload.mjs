// BUG (one line moved, from examples/designs/spare-swap-inline.mjs): push() publishes the
// new head (the index) before it writes the buffer's link (the payload). A pop in between
// follows a stale link: the pool then hands out a buffer that is still in use.
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
    const tag = ((head >>> 16) + 1) & 0x7fff;
    if ((yield* ctx.mem.cas(ctx.words.poolHead, head, (tag << 16) | (id + 1))) === head) { yield* ctx.mem.store(ctx.words.poolLink(id), head & 0xffff); return; } // BUG: link written after the publish
  }
}

export default {
  name: 'buggy-publish-before-payload',
  description: 'BUG: publishes the pool head before writing the link it points through',
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
