/**
 * suspend-copy (Metzger's plan in the 2008 thread): a design that suspends tracing on a CPU
 * while its full buffer is copied out. At overflow, tracing on that CPU is
 * disabled and the copy is queued to the work queue (schedule_work: a copier worker);
 * tracing is re-enabled when the copy is done. Records in that window are lost as
 * `tracing-suspended`: interrupts, higher-priority work, the copy itself.
 */
import { LossCause } from '../model/constants.js';
import type { DesignContext, Step, SwapDesign } from './design.js';

export const suspendCopy: SwapDesign = {
  name: 'suspend-copy',
  description: 'disable tracing on the CPU, copy the full buffer on the work queue (copier pool), re-enable when done',
  *onOverflow(ctx: DesignContext, cpu: number): Step {
    const full = yield* ctx.ds.base(cpu);
    const count = yield* ctx.ds.index(cpu);
    yield* ctx.ds.disable(cpu, LossCause['tracing-suspended']);
    ctx.defer(cpu, function* () {
      const staging = yield* ctx.copy(cpu, full, count);
      yield* ctx.ds.enable(cpu, full);
      yield* ctx.drain(cpu, staging, count);
    });
  },
};
