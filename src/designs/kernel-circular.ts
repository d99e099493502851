/**
 * kernel-circular (McGrath's optimisation in the 2008 thread): a design that, in kernel
 * mode, lets a buffer wrap in circular mode instead of interrupting. When the buffer fills while
 * the CPU is in kernel mode and every consumer that sees kernel records there is a "last
 * N" ring, switch to a buffer in circular mode: it wraps with no interrupt, overwriting
 * its oldest records (which those rings would overwrite anyway), until the CPU returns to
 * user mode or switches threads; then it goes back to filtering in a normal buffer, and
 * the circular one is drained oldest first, after markers for what it overwrote.
 * Otherwise it behaves as spare-swap.
 */
import type { DesignContext, Step, SwapDesign } from './design.js';
import { swapSpare } from './spare-swap.js';

export const kernelCircular: SwapDesign = {
  name: 'kernel-circular',
  description: 'in kernel mode with only ring consumers on the kernel side: wrap a circular buffer, no interrupt until back in user mode',
  *onOverflow(ctx: DesignContext, cpu: number): Step {
    const full = yield* ctx.ds.base(cpu);
    if (yield* ctx.ds.circular(cpu)) {
      // Leaving circular mode: a normal buffer, and the circular one drained in order.
      const exit = yield* ctx.circularExit(cpu);
      yield* swapSpare(ctx, cpu, full, () => ctx.drainCircular(cpu, full, exit));
      return;
    }
    const count = yield* ctx.ds.index(cpu);
    const circular = (yield* ctx.ds.inKernel(cpu)) && ctx.kernelRingsOnly(cpu, yield* ctx.ds.tid(cpu));
    yield* swapSpare(ctx, cpu, full, () => ctx.drain(cpu, full, count),
      circular ? (spare) => ctx.ds.installCircular(cpu, spare) : undefined);
  },
};
