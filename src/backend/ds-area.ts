/**
 * The coordinator's side of the DS areas. It programs a CPU's DS area with an empty buffer,
 * and gives a design its ds operations (ctx.ds), each id checked.
 *
 * Who owns which DS word when, and why DS_ENABLED = 1 is the last store, is the DS ownership
 * rule in src/mem/layout.ts.
 */
import type { SimConfig } from '../model/config.js';
import {
  DS_ABSMAX, DS_BASE, DS_CAUSE, DS_CIRCULAR, DS_ENABLED, DS_INDEX, DS_MODE, DS_THRESHOLD, DS_TID, PMI_ACK, cpuWord,
} from '../mem/layout.js';
import type { SharedMem } from '../mem/shared-mem.js';
import type { DsOps, Step } from '../designs/design.js';
import { BtsimError } from '../model/errors.js';
import { LossCause } from '../model/constants.js';
import { CPU_STAT_CROSSED_NS, CPU_STAT_STRIDE } from '../mem/layout.js';
import type { ModelLoop } from './model/model-loop.js';
import type { DesignIds } from './design-ids.js';
import type { Drains } from './drains.js';
import type { HeldInterrupts } from './held-interrupts.js';

export interface DsAreaParts {
  cfg: SimConfig;
  mem: SharedMem;
  ids: DesignIds;
  /** The CPUs' stats words (host clock: their threshold crossing times). */
  stats: Float64Array;
  /** Modelled clock (null: host time). */
  model: ModelLoop | null;
  drains: Drains;
  held: HeldInterrupts;
  /** The coordinator: the modelled time of the step being run. */
  host: { readonly now: number };
  /** Per CPU: PMIs serviced (host clock: the request ds.ack acknowledges). */
  acked: readonly number[];
  /** Per CPU: buffers installed (counted here). */
  swaps: number[];
  /** Overflow service latencies, ns (sampled here, when tracing is re-armed). */
  latencyNs: number[];
}

export class DsArea {
  readonly ops: DsOps;

  constructor(private readonly p: DsAreaParts) {
    const { mem, ids, held, acked, swaps } = p;
    const self = this;
    // Every operation checks its CPU id: a design's out-of-range id must not reach another word.
    const w = (cpu: number, f: number) => cpuWord(ids.cpu('ctx.ds', cpu), f);
    this.ops = {
      *base(cpu) { return yield* mem.load(w(cpu, DS_BASE)); },
      *index(cpu) { return yield* mem.load(w(cpu, DS_INDEX)); },
      *install(cpu, buffer) {
        ids.buffer('ctx.ds.install', buffer);
        yield* self.program(cpu, buffer);
        swaps[cpu]!++;
      },
      *disable(cpu, cause) {
        // The cause code is 8 bits in the LOSS record. A design's are its own (16-254) or the
        // two that name what designs do; the others belong to the hardware (3), the consumers
        // (4, 5) or mean "overwritten" (255), which rings would not count as lost.
        if (!Number.isInteger(cause) || !(cause === LossCause['tracing-suspended'] || cause === LossCause['no-spare-buffer'] || (cause >= 16 && cause <= 254))) {
          throw new BtsimError(`ds.disable(cpu, cause) takes 1 (tracing-suspended), 2 (no-spare-buffer) or a cause code of its own from 16 to 254, got ${String(cause)}`);
        }
        yield* mem.store(w(cpu, DS_CAUSE), cause);
        yield* mem.store(w(cpu, DS_ENABLED), 0);
      },
      *enable(cpu, buffer) {
        ids.buffer('ctx.ds.enable', buffer);
        yield* self.program(cpu, buffer);
      },
      *circular(cpu) { return (yield* mem.load(w(cpu, DS_CIRCULAR))) === 1; },
      *installCircular(cpu, buffer) {
        ids.buffer('ctx.ds.installCircular', buffer);
        yield* self.program(cpu, buffer, true);
        swaps[cpu]!++;
      },
      *inKernel(cpu) { return (yield* mem.load(w(cpu, DS_MODE))) === 1; },
      *tid(cpu) { return yield* mem.load(w(cpu, DS_TID)); },
      *ack(cpu) {
        if (self.p.model) return self.p.model.ackHeld(cpu);
        // Only an interrupt the design holds (the model loop checks the same).
        if (!held.ack(ids.cpu('ctx.ds.ack', cpu))) throw new BtsimError(`ctx.ds.ack: cpu ${cpu}'s interrupt is not held (ctx.holdCpu in its onOverflow) or was acknowledged already`);
        yield* mem.store(w(cpu, PMI_ACK), acked[cpu]!);
      },
    };
  }

  /** Program the DS area with an empty buffer; DS_ENABLED = 1 is the last store. */
  *program(cpu: number, buffer: number, circular = false): Step {
    const { mem, model, stats } = this.p;
    const b = this.p.cfg.cpuBuffers[cpu]!;
    // Host clock: take the crossing time before DS_ENABLED = 1. The CPU writes it when it
    // crosses, which it cannot do on this buffer before it sees tracing on; read after, it
    // could be the fresh buffer's crossing, taken for this one's.
    const slot = cpu * CPU_STAT_STRIDE + CPU_STAT_CROSSED_NS;
    const crossed = model ? 0 : stats[slot]!;
    if (crossed > 0) stats[slot] = 0;
    yield* mem.store(cpuWord(cpu, DS_CIRCULAR), circular ? 1 : 0);
    yield* mem.store(cpuWord(cpu, DS_BASE), buffer);
    yield* mem.store(cpuWord(cpu, DS_INDEX), 0);
    yield* mem.store(cpuWord(cpu, DS_ABSMAX), b.records);
    yield* mem.store(cpuWord(cpu, DS_THRESHOLD), b.threshold);
    // DS_CAUSE is left alone: a CPU that still sees DS_ENABLED = 0 may read it right now.
    yield* mem.store(cpuWord(cpu, DS_ENABLED), 1);
    // A thread with a user-only tracer may wait for this in do_notify_resume (cpu-core.ts),
    // whether the design re-arms with enable() or install().
    yield* mem.notify(cpuWord(cpu, DS_ENABLED));
    this.p.drains.forget(buffer);
    if (model) {
      // Re-armed: the overflow service latency, threshold crossing to here, modelled.
      const crossedAt = model.crossAt[cpu]!;
      if (crossedAt >= 0) this.p.latencyNs.push(this.p.host.now - crossedAt);
      model.crossAt[cpu] = -1;
      model.enabled(cpu);
      return;
    }
    // Re-armed: the overflow service latency runs from the CPU's threshold crossing to here.
    if (crossed > 0) this.p.latencyNs.push(Number(process.hrtime.bigint()) - crossed);
  }
}
