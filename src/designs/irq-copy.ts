/**
 * irq-copy: a design that copies inside the interrupt, tracing stopped, straight into the consumers'
 * buffers, which must therefore be pinned (mlocked). Nothing is lost to the swap; the CPU
 * stalls for the whole copy, and pinned memory is limited (`pinnedMemoryMiB`).
 */
import { ConfigError } from '../model/errors.js';
import type { SimConfig } from '../model/config.js';
import { consumerRegions } from '../consumers/consumer-memory.js';
import type { DesignContext, Step, SwapDesign } from './design.js';

export const irqCopy: SwapDesign = {
  name: 'irq-copy',
  description: 'copy inside the interrupt into pinned consumer buffers: no loss, the CPU stalls for the copy',
  pinsConsumerBuffers: true,
  *onOverflow(ctx: DesignContext, cpu: number): Step {
    const full = yield* ctx.ds.base(cpu);
    const count = yield* ctx.ds.index(cpu);
    yield* ctx.drain(cpu, full, count);
    yield* ctx.ds.enable(cpu, full);
  },
  validate(cfg: SimConfig): void {
    const pinned = consumerRegions(cfg).bytes;
    const budget = cfg.pinnedMemoryMiB * 1024 * 1024;
    if (pinned > budget) {
      throw new ConfigError(
        'pinnedMemoryMiB',
        cfg.pinnedMemoryMiB,
        `at least ${Math.ceil(pinned / 1024 / 1024)} MiB: irq-copy pins every consumer buffer (${pinned} bytes); raise --pinned-memory or shrink the consumers`,
      );
    }
  },
};
