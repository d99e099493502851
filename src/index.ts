/** btsim's library API. */
export { run } from './run/run.js';
export { memoryNeeded, MemoryBudgetError } from './run/memory-budget.js';
export type { RunOptions, RunProgress } from './run/run-options.js';
export type { RunResult, CpuReport, ConsumerReport } from './run/result.js';
export { resolveConfig } from './model/resolve-config.js';
export { configSchema, type ConfigInput } from './model/config-schema.js';
export {
  CONSUMER_KINDS, type SimConfig, type ConsumerSpec, type ConsumerKind, type ConsumerMode, type WorkloadConfig,
} from './model/config.js';
export { BtsimError, ConfigError, RunAbortedError } from './model/errors.js';
export {
  PseudoPc, Flags, LossCause, EntryKind, PSEUDO_HI, pseudoPc, pseudoPcName, lossCauseName,
} from './model/constants.js';
export { readDump, decodeRecord, type DumpRecord, type StreamItem } from './consumers/dump.js';
export { scriptLine } from './consumers/dump-script.js';
export type { SwapDesign, DesignContext, DsOps, PoolOps, DesignWords, CopyOp, Step } from './designs/design.js';
export type { SharedMem, Op } from './mem/shared-mem.js';
export { BUILTIN_DESIGNS } from './designs/registry.js';
export { ExpectedStream } from './oracle/expected.js';
export { StreamChecker, checkRing, type CheckResult, type Violations } from './oracle/checker.js';
export { loadDesign } from './designs/load-design.js';
export { builtinDesign } from './designs/registry.js';
export { TraceFormatError } from './workload/trace/trace-error.js';
export { stress, replay, exploreScenario } from './explore/stress.js';
export type { StressOptions, StressResult, SchedulerName } from './explore/stress-options.js';
export { encodeReplay, decodeReplay, type ReplaySpec } from './explore/replay.js';
export type { TraceStep } from './explore/explorer.js';
