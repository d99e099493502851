/**
 * The run configuration's schema: what a config file or the flags may say, validated once at
 * the boundary (resolveConfig); the accepted ranges in error messages come from here.
 */
import { z } from 'zod';
import { CONSUMER_KINDS } from './config.js';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const workloadSchema = z.strictObject({
  /** Simulated threads (tids 1..threads). Each CPU runs one per timeslice; CPUs with none run idle. */
  threads: int(1, 65_535).optional(),
  /** Address spaces (mm); threads are spread over them round-robin. */
  addressSpaces: int(1, 4_096).optional(),
  /** Branches per timeslice: every CPU reschedules at each multiple (virtual time). */
  timesliceBranches: int(64, 1e9).optional(),
  /** Probability that a migration happens at a timeslice boundary. */
  migrationRate: z.number().min(0).max(1).optional(),
  /** Syscalls, exceptions and interrupts per 1,000 branches in user mode. */
  syscallRate: z.number().min(0).max(500).optional(),
  exceptionRate: z.number().min(0).max(500).optional(),
  interruptRate: z.number().min(0).max(500).optional(),
  /** Mean kernel branches per kernel path (syscall, exception, interrupt). */
  kernelPathMean: int(1, 100_000).optional(),
  /** Fraction of kernel paths that contain an interrupts-disabled section. */
  irqsOffRate: z.number().min(0).max(1).optional(),
  /** Length of an interrupts-disabled section, in branches. */
  irqsOffBranches: int(1, 1e9).optional(),
  /**
   * With --workload: synthetic threads sharing the CPUs with the traces' tasks (tids after
   * theirs, loading the CPUs with the rates above), so a real program is traced under load.
   */
  syntheticThreads: int(0, 65_535).optional(),
});

const ns = (max: number) => z.number().min(0).max(max);

/** The cost model of modelled time: what each field is, in costs.ts. */
export const costsSchema = z.strictObject({
  /** Untraced time per taken branch (the CPU's own execution between branches). */
  branchNs: z.number().min(0.01).max(1e6).optional(),
  /** Extra time per record the CPU stores in its DS buffer (branch or kernel annotation). */
  recordNs: ns(1e6).optional(),
  /** Threshold crossing to the handler running: skid and interrupt entry included. */
  pmiNs: ns(1e9).optional(),
  /** Return from the overflow handler to the interrupted code. */
  irqExitNs: ns(1e9).optional(),
  /** The handler's fixed time per interrupt, before the design's own work. */
  serviceNs: ns(1e9).optional(),
  /** Filter and splay: per hardware record drained and per consumer it may go to. */
  splayNsPerRecord: ns(1e6).optional(),
  /** Memory bandwidth for ctx.copy; copies in flight at the same time share it. */
  copyGBps: z.number().min(0.001).max(1e4).optional(),
  /** Mean schedule_work() latency: from queueing deferred work to a worker running it. */
  workQueueNs: ns(1e12).optional(),
  /** Its shape: "tail" (seeded, mostly short with a long tail; same mean) or "fixed". */
  workQueueShape: z.enum(['tail', 'fixed']).optional(),
  /** First touch of each 4 KiB page of a consumer buffer that is not pinned. */
  pageFaultNs: ns(1e12).optional(),
  /** A continuous consumer's callback: the time it holds a full buffer before giving it back. */
  callbackNs: ns(1e12).optional(),
  /** A context switch that flushes a traced thread's records to its consumers. */
  flushNs: ns(1e12).optional(),
  /**
   * Who runs overflow handlers: "per-cpu" (each on the CPU that overflowed, as in Linux:
   * handlers of different CPUs overlap) or "single" (one servicing agent for every CPU: a
   * dedicated core or a hypervisor; handlers queue).
   */
  handler: z.enum(['per-cpu', 'single']).optional(),
});

/** Timeslices a callback takes, or 'never'. */
const callbackDelaySchema = z.union([int(0, 1_000_000_000), z.literal('never')]);

const consumerSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
  kind: z.enum(CONSUMER_KINDS),
  /** CPU id for cpu-* kinds, tid for thread-* kinds. */
  target: int(0, 65_535),
  mode: z.enum(['ring', 'continuous']),
  /** Ring: records kept. Continuous: records per callback buffer. */
  size: int(4, 1 << 26),
  /**
   * thread-user continuous only: timeslices its callback takes to give a fresh buffer
   * back, or 'never' (an unresponsive tracer). Its thread waits for it at the return to
   * user mode after each full buffer (notify-resume); 0 (the default) never waits.
   */
  callbackDelay: callbackDelaySchema.optional(),
  /**
   * Continuous only, the DS callback contract: every `every`-th callback answers "stay
   * disabled", and the tracer re-enables after `records` of its records have gone by
   * (lost as disabled-by-callback).
   */
  stayDisabled: z.strictObject({ every: int(1, 1_000_000_000), records: int(1, Number.MAX_SAFE_INTEGER) }).optional(),
});

export const configSchema = z.strictObject({
  seed: int(0, 0xffff_ffff).optional(),
  cpus: int(1, 256).optional(),
  /** Branches executed per CPU. */
  branches: int(1, Number.MAX_SAFE_INTEGER).optional(),
  /** Hardware buffer size (absolute maximum), in records. */
  bufferRecords: int(16, 1 << 26).optional(),
  /** Interrupt threshold, in records from the buffer base (<= bufferRecords). */
  thresholdRecords: int(1, 1 << 26).optional(),
  /**
   * Per-CPU buffer and threshold (records), overriding the sizing from the consumers. A
   * resolved config carries it, so a result's `config` can be run again as it is.
   */
  cpuBuffers: z.array(z.strictObject({ records: int(16, 1 << 26), threshold: int(1, 1 << 26) })).optional(),
  /** Records the CPU writes after crossing the threshold before it takes the PMI. */
  skidRecords: int(0, 1 << 20).optional(),
  /** Records written between two publishes of the DS index. */
  batchRecords: int(1, 1 << 16).optional(),
  /**
   * Workers of the work queue (kworkers, schedule_work). Modelled clock: how many deferred items
   * run at once (default one per CPU); host clock: the piscina copier threads (default 2).
   */
  copiers: int(1, 4_096).optional(),
  /** Memory that designs copying inside the interrupt may pin for consumer buffers, MiB. */
  pinnedMemoryMiB: int(0, 1 << 20).optional(),
  /** Spare buffers in the free pool shared by all CPUs (spare-swap). Default: four per CPU. */
  spares: int(0, 4_096).optional(),
  design: z.string().min(1).optional(),
  /** Hardware record format: 64 (24 B) or 32 (12 B); one value for all CPUs or one per CPU. */
  format: z.union([z.literal(64), z.literal(32), z.array(z.union([z.literal(64), z.literal(32)]))]).optional(),
  /** ds_cpl capability (hardware CPL filtering); one value or one per CPU. */
  dsCpl: z.union([z.boolean(), z.array(z.boolean())]).optional(),
  /** Kernel-only views: show the real user PC, or the USER pseudo-PC. */
  userPc: z.enum(['hide', 'show']).optional(),
  /** Callback buffers per continuous consumer. */
  consumerBuffers: int(2, 1_024).optional(),
  /** What the coordinator does when a continuous consumer has no free buffer. */
  consumerPolicy: z.enum(['wait', 'drop']).optional(),
  /**
   * The callbackDelay of each thread's first continuous thread-user consumer that does not
   * set its own (`--callback-delay`): how slow user-only tracers are, for a whole run.
   */
  callbackDelay: callbackDelaySchema.optional(),
  /** Check every consumer against the oracle (the sink is a consumer too: it costs speed). */
  check: z.boolean().optional(),
  /** Memory the run may allocate for buffers, in MiB. */
  memoryBudgetMiB: int(1, 1 << 24).optional(),
  /** Watchdog: an actor without progress for this long ends the run. */
  watchdogMs: int(100, 3_600_000).optional(),
  workload: workloadSchema.optional(),
  consumers: z.array(consumerSchema).max(4_096).optional(),
  /**
   * Real programs' traces to replay (`qemu:FILE`, `perf-script:FILE`, gzip accepted): trace
   * i is tid i + 1, scheduled over the CPUs like the synthetic threads, and the run lasts
   * until every trace is done.
   */
  traces: z.array(z.string().min(1)).max(256).optional(),
  /** Internal: set by run() once the traces are readable (a resolved config carries it). */
  traceFiles: z.array(z.strictObject({
    format: z.enum(['qemu', 'perf-script', 'synthetic']), path: z.string(), source: z.string(),
    trace: z.number().int().min(0), vcpu: z.number().int().min(0).optional(),
    natural: z.number().int().min(0).optional(), total: z.number().int().min(0).optional(),
  })).optional(),
  /** Internal: set by run() for --timeline (the hrtime origin of its timestamps, ns). */
  timelineOriginNs: z.number().min(0).optional(),
  /**
   * What loss, stall and latency are measured in: "model" (the default), the simulated
   * machine's own time from the cost model, the same on every run and host; "host", how the
   * host happened to run the threads (for chaos stress and the data path's own speed).
   */
  clock: z.enum(['model', 'host']).optional(),
  /** The cost model of modelled time (costs.ts); every field may be swept. */
  costs: costsSchema.optional(),
  /**
   * Modelled clock: simulated CPUs stepped on one worker thread (default: enough for at most 8
   * CPU workers). Figures do not depend on it; host memory and speed do. Host clock: 1.
   */
  cpusPerWorker: int(1, 256).optional(),
  /** Threads-mode stress: seeded delays before shared-memory operations. */
  chaos: z.strictObject({
    seed: int(0, 0xffff_ffff),
    probability: z.number().min(0).max(1),
    maxDelayUs: int(1, 1_000_000),
  }).optional(),
});

export type ConfigInput = z.input<typeof configSchema>;
