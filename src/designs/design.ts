/**
 * The swap-design interface: what happens when a CPU crosses its interrupt threshold.
 *
 * A design is an object with a generator `onOverflow(ctx, cpu)`. The coordinator calls it
 * while the CPU waits in its overflow interrupt (that wait is the CPU's stall); when it
 * returns, the CPU resumes with whatever DS area the design left. Work that need not hold
 * the CPU (copying a full buffer out, returning it to the pool, re-enabling tracing) goes
 * to `ctx.defer()`, which runs it after the interrupt, in order per CPU.
 *
 * Designs touch shared memory only through `ctx` (and `ctx.mem`), each operation with
 * `yield*`: in threads mode the operations are `Atomics` calls, in explore mode a
 * scheduler may switch actors at each one. The rules of the DS area are in
 * src/mem/layout.ts: inside onOverflow the design owns the CPU's DS words; in deferred
 * work it may touch them only while tracing is off on that CPU.
 */
import type { SimConfig } from '../model/config.js';
import type { Op, SharedMem } from '../mem/shared-mem.js';

/**
 * A copy handed to the work queue (a copier worker): deferred work yields it and resumes,
 * with the id of the staging buffer holding the copy, when a copier has done it.
 */
export interface CopyOp {
  op: 'copy';
  cpu: number;
  buffer: number;
  count: number;
}

export type Step<T = void> = Generator<Op | CopyOp, T, unknown>;

export interface DsOps {
  /** Installed buffer id. */
  base(cpu: number): Step<number>;
  /** Published write index (records). Final for the installed buffer while the CPU waits. */
  index(cpu: number): Step<number>;
  /** Install `buffer`, empty, with the configured threshold and maximum; tracing on. */
  install(cpu: number, buffer: number): Step;
  /** Turn tracing off; records the CPU cannot store are lost with `cause`. */
  disable(cpu: number, cause: number): Step;
  /** Install `buffer`, empty, and turn tracing back on (allowed while tracing is off). */
  enable(cpu: number, buffer: number): Step;
  /** The installed buffer is in circular mode (the CPU is leaving it: see circularExit). */
  circular(cpu: number): Step<boolean>;
  /** Install `buffer` in circular mode: it wraps, overwriting its oldest records, with no interrupt. */
  installCircular(cpu: number, buffer: number): Step;
  /** Whether the CPU was in kernel mode when it raised the interrupt, and its thread. */
  inKernel(cpu: number): Step<boolean>;
  tid(cpu: number): Step<number>;
  /**
   * Acknowledge an interrupt the design held (see `holdCpu`): stores the CPU's PMI_ACK.
   * The CPU sleeps on that word: wake it with `yield* ctx.mem.notify(ctx.words.pmiAck(cpu))`.
   */
  ack(cpu: number): Step;
}

/** Shared words a design may operate on directly with `ctx.mem`. */
export interface DesignWords {
  /** The free pool's head: tag << 16 | (id + 1), 0 when empty. */
  readonly poolHead: number;
  /** The pool's link of buffer `id`: next id + 1 (0: end). */
  poolLink(id: number): number;
  /** The CPU's PMI acknowledgement word (it waits until it reaches its request). */
  pmiAck(cpu: number): number;
}

export interface PoolOps {
  /** A spare buffer id, or -1 when none is free. */
  pop(): Step<number>;
  push(buffer: number): Step;
}

export interface DesignContext {
  readonly cfg: SimConfig;
  readonly mem: SharedMem;
  readonly ds: DsOps;
  readonly pool: PoolOps;
  readonly words: DesignWords;
  /**
   * Keep `cpu` in its interrupt after onOverflow returns: it stays stalled until the
   * design acknowledges (`ds.ack` and a notify), typically from deferred work.
   */
  holdCpu(cpu: number): void;
  /**
   * Copy records [0, count) of `buffer`, taken out of `cpu`'s DS area, to the consumers
   * (filter and splay). Buffers of one CPU must be drained in the order they were filled.
   * A copy takes time: the explorer lets other actors run between its chunks.
   */
  drain(cpu: number, buffer: number, count: number): Step;
  /**
   * Run `work` after the interrupt returns (deferred context), in order with the other
   * deferred work of the same CPU. Only deferred work may `yield* ctx.copy(...)`.
   */
  defer(cpu: number, work: () => Step): void;
  /**
   * Queue a copy of records [0, count) of `buffer` to the copier pool (schedule_work) and
   * wait for it; returns the staging buffer that holds the copy. Drain it with
   * `drain(cpu, staging, count)`: the original buffer is free again once copy() returns.
   */
  copy(cpu: number, buffer: number, count: number): Step<number>;
  /**
   * Every consumer that sees kernel records of `cpu` while `tid` runs (cpu-all, cpu-kernel,
   * the thread's thread-kernel and thread-all) is a "last N" ring (kernel-circular's condition).
   */
  kernelRingsOnly(cpu: number, tid: number): boolean;
  /**
   * In the interrupt of a CPU leaving circular mode: what the CPU handed over (where its
   * buffer wrapped, what it overwrote, the state at its oldest record). Read it here: the
   * CPU reuses those words once it resumes.
   */
  circularExit(cpu: number): Step<CircularExit>;
  /** Drain a circular buffer in order (oldest first), after its overwrite markers. */
  drainCircular(cpu: number, buffer: number, exit: CircularExit): Step;
}

export interface CircularExit {
  /** Records in the buffer, and where the oldest is. */
  count: number;
  start: number;
  syncTid: number;
  syncKind: number;
  /** Counts the CPU handed over: (cause, tid, class, count). */
  counts: [number, number, number, number][];
}

export interface SwapDesign {
  readonly name: string;
  /** One line for `btsim designs`. */
  readonly description: string;
  onOverflow(ctx: DesignContext, cpu: number): Step;
  /**
   * The design pins (mlocks) every consumer buffer, so writing them never page-faults (the
   * modelled clock charges pageFaultNs for first touches of pages that are not pinned).
   */
  readonly pinsConsumerBuffers?: boolean;
  /** Refuse a configuration before anything starts (throw a ConfigError), e.g. a memory limit. */
  validate?(cfg: SimConfig): void;
}
