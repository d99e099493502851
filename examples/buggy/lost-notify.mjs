// BUG (one line removed, from examples/designs/offload-copy.mjs): the deferred work stores
// the acknowledgement but never notifies. The CPU sleeps on PMI_ACK for ever: a lost
// wake-up. (Threads mode only slows down, because its waits time out and re-check;
// explore mode treats a wait as a wait, so the deadlock shows.)
export default {
  name: 'buggy-lost-notify',
  description: 'BUG: acknowledges the held interrupt without waking the CPU',
  *onOverflow(ctx, cpu) {
    const full = yield* ctx.ds.base(cpu);
    const count = yield* ctx.ds.index(cpu);
    ctx.holdCpu(cpu);
    ctx.defer(cpu, function* () {
      const staging = yield* ctx.copy(cpu, full, count);
      yield* ctx.ds.enable(cpu, full);
      yield* ctx.ds.ack(cpu);
      // BUG: no notify: the CPU sleeping on its PMI_ACK is never woken
      yield* ctx.drain(cpu, staging, count);
    });
  },
};
