/**
 * Config resolution: raw input (flags merged over a config file) validated against the schema,
 * checked across fields and completed with every default, into the SimConfig workers trust.
 */
import { ConfigError } from './errors.js';
import { resolveCosts } from './costs.js';
import { isGated } from './consumer-gate.js';
import type { ConsumerSpec, CpuBuffer, SimConfig } from './config.js';
import { configSchema } from './config-schema.js';
import { configErrorFromZod } from './config-error-wording.js';
import { DEFAULTS, DEFAULT_WORKLOAD, syntheticSpaces } from './config-defaults.js';
import { defaultConsumers, traceConsumers } from './default-consumers.js';
import { sizeBuffers } from './buffer-sizing.js';

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
    // One CPU worker up to 8 CPUs, two beyond: a worker runs its least-advanced CPU first,
    // which keeps the coordinator's horizon moving, and each worker thread costs start-up
    // time and a heap (64 CPUs x 1M branches: 12.4 s / 452 MB with 2 workers, 15.3 s /
    // 527 MB with 8).
    cpusPerWorker: c.cpusPerWorker ?? (clock === 'model' ? (cpus <= 8 ? cpus : Math.ceil(cpus / 2)) : 1),
    ...(c.timelineOriginNs ? { timelineOriginNs: c.timelineOriginNs } : {}),
    traces,
    ...(c.traceFiles ? { traceFiles: c.traceFiles } : {}),
  };
}

function perCpu<T>(v: T | T[] | undefined, cpus: number, dflt: T, field: string): T[] {
  if (v === undefined) return Array.from({ length: cpus }, () => dflt);
  if (!Array.isArray(v)) return Array.from({ length: cpus }, () => v);
  if (v.length !== cpus) throw new ConfigError(field, v, `one value, or an array of exactly ${cpus} values (one per CPU)`);
  return v.slice();
}
