// offload-copy: nothing lost and the coordinator stays free. The CPU stays in its
// interrupt (stalled) while a copier copies the full buffer; the deferred work then
// re-arms the buffer, acknowledges the interrupt and wakes the CPU. The correct base of
// examples/buggy/lost-notify.mjs.
export default {
  name: 'offload-copy',
  description: 'hold the CPU in its interrupt while a copier copies, then wake it',
  *onOverflow(ctx, cpu) {
    const full = yield* ctx.ds.base(cpu);
    const count = yield* ctx.ds.index(cpu);
    ctx.holdCpu(cpu);
    ctx.defer(cpu, function* () {
      const staging = yield* ctx.copy(cpu, full, count);
      yield* ctx.ds.enable(cpu, full);
      yield* ctx.ds.ack(cpu);
      yield* ctx.mem.notify(ctx.words.pmiAck(cpu));
      yield* ctx.drain(cpu, staging, count);
    });
  },
};
