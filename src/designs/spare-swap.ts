/**
 * spare-swap (McGrath's answer in the 2008 thread): a design that swaps a spare free buffer
 * into the DS pointers at once and lets tracing go on, copying the full buffer out meanwhile.
 *
 * With no spare free, tracing stops on that CPU until the full buffer has been drained in
 * place; records in that window are lost as `no-spare-buffer`.
 */
import { LossCause } from '../model/constants.js';
import type { DesignContext, Step, SwapDesign } from './design.js';

/**
 * Swap a spare in for `full` (with `install`, a normal buffer by default) and drain `full`
 * behind it, then give it back to the pool; with no spare free, stop tracing on `cpu`,
 * drain `full` in place and re-arm it. The step kernel-circular shares.
 */
export function* swapSpare(
  ctx: DesignContext,
  cpu: number,
  full: number,
  drain: () => Step,
  install: (spare: number) => Step = (spare) => ctx.ds.install(cpu, spare),
): Step {
  const spare = yield* ctx.pool.pop();
  if (spare < 0) {
    yield* ctx.ds.disable(cpu, LossCause['no-spare-buffer']);
    ctx.defer(cpu, function* () {
      yield* drain();
      yield* ctx.ds.enable(cpu, full);
    });
    return;
  }
  yield* install(spare);
  ctx.defer(cpu, function* () {
    yield* drain();
    yield* ctx.pool.push(full);
  });
}

export const spareSwap: SwapDesign = {
  name: 'spare-swap',
  description: 'swap a spare from the shared free pool into the DS area, drain the full buffer while tracing goes on',
  *onOverflow(ctx: DesignContext, cpu: number): Step {
    const full = yield* ctx.ds.base(cpu);
    const count = yield* ctx.ds.index(cpu);
    yield* swapSpare(ctx, cpu, full, () => ctx.drain(cpu, full, count));
  },
};
