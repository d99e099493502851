// spare-swap written out in full, free pool included, the way a user would write a
// lock-free design of their own: the correct base of most examples in examples/buggy/.
//
// The pool is a Treiber stack: head = tag << 16 | (id + 1); link[id] = next id + 1.
// pop:  load head, load link[top], cas head -> (tag+1, link)      retry on failure
// push: load head, store link[id] = head's top, cas head -> (tag+1, id)   retry on failure
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
  name: 'spare-swap-inline',
  description: 'spare-swap with its own lock-free free pool',
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
