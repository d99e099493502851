/**
 * The run configuration: its schema (validated at the boundary, once), its defaults and
 * the derived values every actor needs. Workers receive the resolved config and trust it.
 */
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { resolveCosts, type Costs } from './costs.js';
export { isGated } from './consumer-gate.js';
import { isGated } from './consumer-gate.js';

export const CONSUMER_KINDS = ['cpu-kernel', 'cpu-all', 'thread-kernel', 'thread-user', 'thread-all'] as const;
export type ConsumerKind = (typeof CONSUMER_KINDS)[number];
export type ConsumerMode = 'ring' | 'continuous';

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

export interface ConsumerSpec {
  id: string;
  kind: ConsumerKind;
  target: number;
  mode: ConsumerMode;
  size: number;
  /** See the schema: timeslices, or 'never'. Absent: 0. */
  callbackDelay?: number | 'never';
  stayDisabled?: { every: number; records: number };
}

export interface WorkloadConfig {
  threads: number;
  addressSpaces: number;
  timesliceBranches: number;
  migrationRate: number;
  syscallRate: number;
  exceptionRate: number;
  interruptRate: number;
  kernelPathMean: number;
  irqsOffRate: number;
  irqsOffBranches: number;
  /** With traces: synthetic threads beside them (absent: none). */
  syntheticThreads?: number;
}

export interface CpuBuffer {
  /** Absolute maximum of this CPU's DS buffer, in records. */
  records: number;
  /** Interrupt threshold, in records from the base. */
  threshold: number;
}

export interface SimConfig {
  seed: number;
  cpus: number;
  branches: number;
  /** Size of every buffer slot (the largest CPU buffer): spares fit any CPU. */
  bufferRecords: number;
  /** The threshold asked for, or the smallest one in use. */
  thresholdRecords: number;
  /** Per CPU: its hardware buffer and threshold, sized from its consumers (docs/domain-model.md §3). */
  cpuBuffers: CpuBuffer[];
  skidRecords: number;
  batchRecords: number;
  spares: number;
  copiers: number;
  pinnedMemoryMiB: number;
  design: string;
  /** Per CPU. */
  format: (32 | 64)[];
  /** Per CPU. */
  dsCpl: boolean[];
  userPc: 'hide' | 'show';
  consumerBuffers: number;
  consumerPolicy: 'wait' | 'drop';
  /** As given (the consumers it applied to carry it): see the schema. */
  callbackDelay?: number | 'never';
  check: boolean;
  memoryBudgetMiB: number;
  watchdogMs: number;
  workload: WorkloadConfig;
  consumers: ConsumerSpec[];
  chaos?: { seed: number; probability: number; maxDelayUs: number };
  clock: 'model' | 'host';
  costs: Costs;
  cpusPerWorker: number;
  /** `--workload` trace specs (empty: the synthetic workload). */
  traces: string[];
  /** Set by run() before any worker starts: each trace's readable file, by CPU. */
  /**
   * One entry per task (tid = index + 1), set by prepareTraces: its address space (`trace`: the
   * index of its trace in `traces`; the synthetic threads' come after), its thread (a QEMU log's
   * vCPU), its events before its end and with the end's (interrupt, switch to idle; a synthetic
   * thread never ends).
   */
  traceFiles?: { format: 'qemu' | 'perf-script' | 'synthetic'; path: string; source: string; trace: number; vcpu?: number; natural?: number; total?: number }[];
  /** Set by run() when a timeline is asked for: the hrtime (ns) its timestamps count from. */
  timelineOriginNs?: number;
}

export const DEFAULT_WORKLOAD: WorkloadConfig = {
  threads: 0, // 0: two per CPU
  addressSpaces: 0, // 0: one per two threads
  timesliceBranches: 20_000,
  migrationRate: 0.25,
  syscallRate: 8,
  exceptionRate: 2,
  interruptRate: 2,
  kernelPathMean: 24,
  irqsOffRate: 0.05,
  irqsOffBranches: 12,
};

export const DEFAULTS = {
  seed: 1,
  cpus: 4,
  branches: 500_000,
  bufferRecords: 4_096,
  skidRecords: 8,
  batchRecords: 256,
  spares: 0, // 0 here: four per CPU (resolveConfig)
  design: 'spare-swap',
  format: 64 as const,
  dsCpl: true,
  userPc: 'hide' as const,
  consumerBuffers: 8,
  consumerPolicy: 'wait' as const,
  check: true,
  memoryBudgetMiB: 2_048,
  watchdogMs: 10_000,
};

/** Turn the first zod issue into a ConfigError naming the field and the accepted range. */
export function configErrorFromZod(err: z.ZodError, input: unknown, prefix = ''): ConfigError {
  const issue = err.issues[0]!;
  const path = issue.path.map(String);
  const field = prefix + (path.length ? path.join('.') : '(config)');
  let value: unknown = input;
  for (const p of issue.path) value = value == null ? undefined : (value as Record<PropertyKey, unknown>)[p as PropertyKey];
  let accepted = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as unknown as { keys: string[] }).keys;
    return new ConfigError(
      prefix + [...path, keys[0]].join('.'),
      keys[0],
      'a known field' + didYouMean(keys[0]!, knownFieldsAt(path)),
    );
  }
  // zod's own messages ("Invalid input", "expected one of "a"|"b"") say neither the range nor
  // the choices in the words a user needs: describe what the schema at that path accepts.
  const want = describeSchema(schemaAt(issue.path));
  if (issue.code === 'too_small' || issue.code === 'too_big' || issue.code === 'invalid_type' || issue.code === 'invalid_union' || issue.code === 'invalid_value') {
    if (want && !(unwrap(schemaAt(issue.path)) instanceof z.ZodArray)) accepted = want;
  }
  if (issue.code === 'invalid_value' && typeof value === 'string') {
    accepted += didYouMean(value, (issue as unknown as { values: unknown[] }).values.map(String));
  }
  if (issue.code === 'invalid_format') {
    accepted = `a string matching ${(issue as unknown as { pattern?: string }).pattern ?? 'the expected format'}`;
  }
  return new ConfigError(field, value, accepted.replace(/\s*\n\s*/g, ' '));
}

function schemaAt(path: PropertyKey[]): z.ZodTypeAny | undefined {
  let s: z.ZodTypeAny | undefined = configSchema;
  for (const p of path) {
    s = unwrap(s);
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodTypeAny>)[String(p)];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodTypeAny;
    else return undefined;
  }
  return s;
}

/** What a schema accepts, in words ("an integer from 1 to 256", "one of "hide", "show""). */
function describeSchema(schema: z.ZodTypeAny | undefined): string | undefined {
  const s = unwrap(schema);
  if (s instanceof z.ZodNumber) {
    const lo = s.minValue, hi = s.maxValue;
    const isInt = s.isInt;
    return `${isInt ? 'an integer' : 'a number'} from ${lo} to ${hi === Number.MAX_SAFE_INTEGER ? '2^53-1' : hi}`;
  }
  if (s instanceof z.ZodEnum) return `one of ${(s.options as unknown[]).map((o) => JSON.stringify(o)).join(', ')}`;
  if (s instanceof z.ZodLiteral) return [...(s.values as Set<unknown>)].map((v) => JSON.stringify(v)).join(' or ');
  if (s instanceof z.ZodBoolean) return 'true or false';
  if (s instanceof z.ZodString) return 'a string';
  if (s instanceof z.ZodObject) return 'an object';
  if (s instanceof z.ZodArray) {
    const e = describeSchema(s.element as z.ZodTypeAny);
    return e ? `a list of ${e.includes(' or ') ? `(${e})` : e}` : 'a list';
  }
  if (s instanceof z.ZodUnion) {
    const parts = (s.options as z.ZodTypeAny[]).map((o) => describeSchema(o));
    if (parts.some((p) => p === undefined)) return undefined;
    const lits = parts.filter((_, i) => unwrap((s.options as z.ZodTypeAny[])[i]) instanceof z.ZodLiteral);
    const rest = parts.filter((_, i) => !(unwrap((s.options as z.ZodTypeAny[])[i]) instanceof z.ZodLiteral));
    return [lits.join(' or '), ...rest].filter(Boolean).join(', or ');
  }
  return undefined;
}

function unwrap(s: z.ZodTypeAny | undefined): z.ZodTypeAny | undefined {
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodTypeAny;
  return s;
}

function knownFieldsAt(path: string[]): string[] {
  let s: z.ZodTypeAny | undefined = configSchema;
  for (const p of path) {
    s = unwrap(s);
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodTypeAny>)[p];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodTypeAny;
  }
  s = unwrap(s);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** ", did you mean X?" when a known name is within edit distance 2 (or a prefix match). */
export function didYouMean(word: string, known: readonly string[]): string {
  let best = '';
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) { bestD = d; best = k; }
  }
  return best && (bestD <= 2 || best.toLowerCase().startsWith(word.toLowerCase())) ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

function perCpu<T>(v: T | T[] | undefined, cpus: number, dflt: T, field: string): T[] {
  if (v === undefined) return Array.from({ length: cpus }, () => dflt);
  if (!Array.isArray(v)) return Array.from({ length: cpus }, () => v);
  if (v.length !== cpus) throw new ConfigError(field, v, `one value, or an array of exactly ${cpus} values (one per CPU)`);
  return v.slice();
}


/**
 * The default consumers: all five kinds. A continuous cpu-all on every CPU, a "last N"
 * cpu-all ring on CPU 0, a cpu-kernel ring on the last CPU, and one thread each for the
 * per-thread kinds (user continuous, kernel ring, all continuous).
 */
export function defaultConsumers(cpus: number, threads: number): ConsumerSpec[] {
  const list: ConsumerSpec[] = [];
  for (let c = 0; c < cpus; c++) {
    list.push({ id: `cpu${c}-all`, kind: 'cpu-all', target: c, mode: 'continuous', size: 4_096 });
  }
  list.push({ id: 'cpu0-all-ring', kind: 'cpu-all', target: 0, mode: 'ring', size: 4_096 });
  list.push({ id: `cpu${cpus - 1}-kernel-ring`, kind: 'cpu-kernel', target: cpus - 1, mode: 'ring', size: 4_096 });
  const t = (i: number) => 1 + (i % threads);
  list.push({ id: `tid${t(0)}-user`, kind: 'thread-user', target: t(0), mode: 'continuous', size: 4_096 });
  list.push({ id: `tid${t(1)}-kernel-ring`, kind: 'thread-kernel', target: t(1), mode: 'ring', size: 4_096 });
  list.push({ id: `tid${t(2)}-all`, kind: 'thread-all', target: t(2), mode: 'continuous', size: 4_096 });
  return list.filter((x, i) => list.findIndex((y) => y.id === x.id) === i);
}

/** The default consumers of a trace run: each trace's user-only and full view, and each CPU's. */
/** Address spaces of the synthetic threads beside traces: one per two threads, as without traces. */
export function syntheticSpaces(threads: number): number {
  return Math.ceil(threads / 2);
}

export function traceConsumers(cpus: number, traces: number): ConsumerSpec[] {
  const list: ConsumerSpec[] = [];
  for (let t = 1; t <= traces; t++) {
    list.push({ id: `tid${t}-user`, kind: 'thread-user', target: t, mode: 'continuous', size: 4_096 });
    list.push({ id: `tid${t}-all`, kind: 'thread-all', target: t, mode: 'continuous', size: 4_096 });
    list.push({ id: `tid${t}-kernel`, kind: 'thread-kernel', target: t, mode: 'continuous', size: 4_096 });
  }
  for (let c = 0; c < cpus; c++) list.push({ id: `cpu${c}-all`, kind: 'cpu-all', target: c, mode: 'continuous', size: 4_096 });
  return list;
}

/**
 * Hardware buffer sizing per CPU from the consumers that can be on it (its own, and every
 * per-thread consumer, since threads migrate): all rings, the largest ring; any
 * continuous, the threshold follows the smallest continuous size, so the consumer with
 * the smallest limit is alerted in time. Explicit sizes override.
 */
export function sizeBuffers(
  cpus: number,
  consumers: ConsumerSpec[],
  bufferRecords: number | undefined,
  thresholdRecords: number | undefined,
  skid: number,
): CpuBuffer[] {
  const headroom = (n: number) => Math.max(skid + 16, Math.ceil(n / 8));
  return Array.from({ length: cpus }, (_, cpu) => {
    const here = consumers.filter((c) => c.kind.startsWith('thread') || c.target === cpu);
    const cont = here.filter((c) => c.mode === 'continuous').map((c) => c.size);
    const rings = here.filter((c) => c.mode === 'ring').map((c) => c.size);
    let records: number;
    let threshold: number;
    if (bufferRecords !== undefined) {
      records = bufferRecords;
      threshold = Math.max(1, records - Math.min(headroom(records), records >> 1));
      if (cont.length) threshold = Math.min(threshold, Math.min(...cont));
    } else if (cont.length) {
      threshold = Math.max(16, Math.min(...cont));
      records = threshold + headroom(threshold);
    } else if (rings.length) {
      records = Math.max(16, Math.max(...rings));
      threshold = records - Math.min(headroom(records), records >> 1);
    } else {
      records = DEFAULTS.bufferRecords;
      threshold = records - headroom(records);
    }
    if (thresholdRecords !== undefined) {
      if (thresholdRecords > records) {
        throw new ConfigError('thresholdRecords', thresholdRecords, `an integer from 1 to the buffer size (${records} records on cpu ${cpu})`);
      }
      threshold = thresholdRecords;
    }
    return { records, threshold };
  });
}

/** Validate raw input (flags merged over a config file) and fill in every default. */
export function resolveConfig(input: unknown): SimConfig {
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success) throw configErrorFromZod(parsed.error, input);
  const c = parsed.data;
  const traces = c.traces ?? [];
  const cpus = c.cpus ?? (traces.length || DEFAULTS.cpus);
  if (traces.length) {
    if (c.branches !== undefined && !c.traceFiles && !c.cpuBuffers) throw new ConfigError('branches', c.branches, 'nothing with --workload: a trace run lasts as long as its longest trace');
    const tasks = c.traceFiles?.length ?? traces.length + (c.workload?.syntheticThreads ?? 0);
    if (c.workload?.threads !== undefined && c.workload.threads !== tasks) {
      throw new ConfigError('workload.threads', c.workload.threads, `nothing with --workload: each thread of each trace is one task, and so is each of workload.syntheticThreads (${tasks})`);
    }
    const fmt = c.format === undefined ? [64] : Array.isArray(c.format) ? c.format : [c.format];
    if (fmt.includes(32)) throw new ConfigError('format', c.format, '64 with --workload: real x86-64 traces need the 64-bit record format');
  }
  const skidRecords = c.skidRecords ?? DEFAULTS.skidRecords;
  const clock = c.clock ?? 'model';
  // Under the host clock a CPU blocks its whole thread while it waits: one CPU per thread.
  if (clock === 'host' && c.cpusPerWorker !== undefined && c.cpusPerWorker !== 1) {
    throw new ConfigError('cpusPerWorker', c.cpusPerWorker, '1 with --clock host (CPUs share a thread only under the modelled clock)');
  }
  if (c.thresholdRecords !== undefined && c.bufferRecords !== undefined && c.thresholdRecords > c.bufferRecords) {
    throw new ConfigError('thresholdRecords', c.thresholdRecords, `an integer from 1 to bufferRecords (${c.bufferRecords})`);
  }
  const w = { ...DEFAULT_WORKLOAD, ...(c.workload ?? {}) };
  if (w.syntheticThreads !== undefined && !traces.length) {
    throw new ConfigError('workload.syntheticThreads', w.syntheticThreads, 'nothing without --workload (synthetic threads alone are workload.threads)');
  }
  if (traces.length) {
    // Until the traces are read, a task per trace; then one per thread (prepareTraces).
    const synthetic = w.syntheticThreads ?? 0;
    w.threads = c.traceFiles?.length ?? traces.length + synthetic;
    w.addressSpaces = traces.length + syntheticSpaces(synthetic);
  }
  if (!w.threads) w.threads = Math.min(65_535, 2 * cpus);
  if (!w.addressSpaces) w.addressSpaces = Math.max(1, Math.ceil(w.threads / 2));
  if (w.addressSpaces > w.threads) {
    throw new ConfigError('workload.addressSpaces', w.addressSpaces, `an integer from 1 to workload.threads (${w.threads})`);
  }
  if (w.syscallRate + w.exceptionRate + w.interruptRate > 500) {
    throw new ConfigError('workload.syscallRate', w.syscallRate, 'rates whose sum (syscall + exception + interrupt) is at most 500 per 1,000 branches');
  }
  const consumers: ConsumerSpec[] = (c.consumers ?? (traces.length ? traceConsumers(cpus, w.threads) : defaultConsumers(cpus, w.threads))).map((s) => ({
    id: s.id ?? `${s.kind.startsWith('cpu') ? 'cpu' : 'tid'}${s.target}-${s.kind.split('-')[1]}${s.mode === 'ring' ? '-ring' : ''}`,
    kind: s.kind,
    target: s.target,
    mode: s.mode,
    size: s.size,
    ...(s.callbackDelay !== undefined ? { callbackDelay: s.callbackDelay } : {}),
    ...(s.stayDisabled ? { stayDisabled: s.stayDisabled } : {}),
  }));
  const gatedThreads = new Set<number>();
  const ids = new Set<string>();
  const defaultDelay = c.callbackDelay ?? 0;
  if (defaultDelay !== 0) {
    if (traces.length) throw new ConfigError('callbackDelay', defaultDelay, 'absent or 0 with trace workloads (a trace cannot wait)');
    // Each thread's first continuous thread-user consumer, unless it says for itself (a
    // delay, 0 included, or a stay-disabled callback, which answers instead of blocking).
    const seen = new Set<number>();
    let applied = 0;
    for (const s of consumers) {
      if (s.kind !== 'thread-user' || s.mode !== 'continuous' || seen.has(s.target)) continue;
      seen.add(s.target);
      if (s.callbackDelay !== undefined || s.stayDisabled) {
        // A resolved config resolved again (the CLI resolves, then run() does): the consumer
        // carries this very default from the first time, so it still applies.
        if (s.callbackDelay === defaultDelay) applied++;
        continue;
      }
      s.callbackDelay = defaultDelay;
      applied++;
    }
    if (applied === 0) {
      throw new ConfigError('callbackDelay', defaultDelay, 'absent or 0 when no thread has a continuous thread-user consumer without its own callbackDelay or stayDisabled');
    }
  }
  consumers.forEach((s, i) => {
    if (ids.has(s.id)) throw new ConfigError(`consumers.${i}.id`, s.id, 'an id not used by another consumer');
    ids.add(s.id);
    if (s.kind.startsWith('cpu') && s.target >= cpus) {
      throw new ConfigError(`consumers.${i}.target`, s.target, `a CPU id from 0 to ${cpus - 1}`);
    }
    // A trace's threads are known once it is read: the tid is checked again then.
    const tids = traces.length && !c.traceFiles ? 65_535 : w.threads;
    if (s.kind.startsWith('thread') && (s.target < 1 || s.target > tids)) {
      throw new ConfigError(`consumers.${i}.target`, s.target, `a tid from 1 to ${tids}`);
    }
    if (isGated(s)) {
      if (s.kind !== 'thread-user' || s.mode !== 'continuous') {
        throw new ConfigError(`consumers.${i}.callbackDelay`, s.callbackDelay, 'absent or 0 unless the consumer is a continuous thread-user one');
      }
      if (traces.length) throw new ConfigError(`consumers.${i}.callbackDelay`, s.callbackDelay, 'absent or 0 with trace workloads (a trace cannot wait)');
      if (gatedThreads.has(s.target)) {
        throw new ConfigError(`consumers.${i}.callbackDelay`, s.callbackDelay, `absent or 0: tid ${s.target} already waits for another consumer`);
      }
      gatedThreads.add(s.target);
    }
    if (s.stayDisabled && isGated(s)) {
      throw new ConfigError(`consumers.${i}.stayDisabled`, JSON.stringify(s.stayDisabled), 'absent when the consumer has a callbackDelay (its thread waits for a fresh buffer instead)');
    }
    if (s.stayDisabled && s.mode !== 'continuous') {
      throw new ConfigError(`consumers.${i}.stayDisabled`, JSON.stringify(s.stayDisabled), 'absent unless the consumer is continuous');
    }
  });
  let cpuBuffers: CpuBuffer[];
  if (c.cpuBuffers) {
    cpuBuffers = perCpu(c.cpuBuffers, cpus, { records: 0, threshold: 0 }, 'cpuBuffers');
    cpuBuffers.forEach((b, i) => {
      if (b.threshold > b.records) throw new ConfigError(`cpuBuffers.${i}.threshold`, b.threshold, `an integer from 1 to its records (${b.records})`);
    });
  } else {
    cpuBuffers = sizeBuffers(cpus, consumers, c.bufferRecords, c.thresholdRecords, skidRecords);
  }
  const bufferRecords = Math.max(...cpuBuffers.map((b) => b.records));
  const thresholdRecords = Math.min(...cpuBuffers.map((b) => b.threshold));
  if (c.cpuBuffers && c.bufferRecords !== undefined && c.bufferRecords !== bufferRecords) {
    throw new ConfigError('bufferRecords', c.bufferRecords, `the largest of cpuBuffers[].records (${bufferRecords}), or nothing`);
  }
  return {
    seed: c.seed ?? DEFAULTS.seed,
    cpus,
    branches: c.branches ?? DEFAULTS.branches,
    bufferRecords,
    thresholdRecords,
    cpuBuffers,
    skidRecords,
    batchRecords: c.batchRecords ?? DEFAULTS.batchRecords,
    spares: c.spares ?? 4 * cpus,
    // Modelled clock: kworkers, one per CPU by default, as Linux's per-CPU workqueue pools.
    // Host clock: the copier threads themselves.
    copiers: c.copiers ?? ((c.clock ?? 'model') === 'model' ? cpus : 2),
    pinnedMemoryMiB: c.pinnedMemoryMiB ?? 64,
    design: c.design ?? DEFAULTS.design,
    format: perCpu(c.format, cpus, DEFAULTS.format, 'format'),
    dsCpl: perCpu(c.dsCpl, cpus, DEFAULTS.dsCpl, 'dsCpl'),
    userPc: c.userPc ?? DEFAULTS.userPc,
    consumerBuffers: c.consumerBuffers ?? DEFAULTS.consumerBuffers,
    consumerPolicy: c.consumerPolicy ?? DEFAULTS.consumerPolicy,
    ...(c.callbackDelay !== undefined ? { callbackDelay: c.callbackDelay } : {}),
    check: c.check ?? DEFAULTS.check,
    memoryBudgetMiB: c.memoryBudgetMiB ?? DEFAULTS.memoryBudgetMiB,
    watchdogMs: c.watchdogMs ?? DEFAULTS.watchdogMs,
    workload: w,
    consumers,
    ...(c.chaos ? { chaos: c.chaos } : {}),
    clock,
    costs: resolveCosts(c.costs),
    // A fixed rule, not the host's core count: the resolved config is part of every result.
    cpusPerWorker: c.cpusPerWorker ?? (clock === 'model' ? Math.ceil(cpus / 8) : 1),
    ...(c.timelineOriginNs ? { timelineOriginNs: c.timelineOriginNs } : {}),
    traces,
    ...(c.traceFiles ? { traceFiles: c.traceFiles } : {}),
  };
}
