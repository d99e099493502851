/**
 * The resolved run configuration's types: what resolveConfig() returns and every actor trusts.
 * No zod here (the schema is config-schema.ts): CPU workers load these types' modules.
 */
import type { Costs } from './costs.js';

export const CONSUMER_KINDS = ['cpu-kernel', 'cpu-all', 'thread-kernel', 'thread-user', 'thread-all'] as const;
export type ConsumerKind = (typeof CONSUMER_KINDS)[number];
export type ConsumerMode = 'ring' | 'continuous';

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
