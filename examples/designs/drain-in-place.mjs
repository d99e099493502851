// A user design, written from the README alone: no spare buffers at all. At overflow it
// turns tracing off, drains the full buffer after the interrupt and re-arms the same
// buffer. Records in between are lost with the design's own cause code (16).
//
//   btsim run --design ./examples/designs/drain-in-place.mjs
export default {
  name: 'drain-in-place',
  description: 'stop tracing, drain the buffer in place after the interrupt, re-arm it',
  *onOverflow(ctx, cpu) {
    const full = yield* ctx.ds.base(cpu);
    const count = yield* ctx.ds.index(cpu);
    yield* ctx.ds.disable(cpu, 16);
    ctx.defer(cpu, function* () {
      yield* ctx.drain(cpu, full, count);
      yield* ctx.ds.enable(cpu, full);
    });
  },
};
