/**
 * Flags to config: each flag names the config field it sets, so a bad value is reported
 * under the flag the user typed. Values are converted strictly: "12abc", "", "NaN" and
 * "1e400" are not numbers.
 */
import { readFileSync, existsSync } from 'node:fs';
import { ConfigError } from '../model/errors.js';
import { checkInputFile } from '../io/input-files.js';
import { resolveConfig } from '../model/resolve-config.js';

export interface FlagSpec {
  flag: string;
  field: string;
  kind: 'int' | 'number' | 'string' | 'format' | 'bool' | 'delay';
  help: string;
  dflt?: string;
}

/** What a run with no flags resolves to: the help states these, so it cannot drift from them. */
const DEFAULT_RUN = resolveConfig({});

export const RUN_FLAGS: FlagSpec[] = [
  { flag: 'cpus', field: 'cpus', kind: 'int', help: 'simulated CPUs (1-256)', dflt: '4' },
  { flag: 'seed', field: 'seed', kind: 'int', help: 'workload seed (0-4294967295)', dflt: '1' },
  { flag: 'branches', field: 'branches', kind: 'int', help: 'branches executed per CPU', dflt: '500000' },
  {
    flag: 'buffer-records', field: 'bufferRecords', kind: 'int', help: 'hardware buffer size (absolute maximum), records',
    dflt: `sized from the consumers: the smallest continuous consumer's size plus an eighth, or the largest ring; ${DEFAULT_RUN.bufferRecords} with the default consumers`,
  },
  {
    flag: 'threshold-records', field: 'thresholdRecords', kind: 'int', help: 'interrupt threshold, records from the base',
    dflt: `the smallest continuous consumer's size, or an eighth below the buffer size; ${DEFAULT_RUN.thresholdRecords} with the default consumers`,
  },
  { flag: 'skid', field: 'skidRecords', kind: 'int', help: 'records written between the threshold and the PMI', dflt: '8' },
  { flag: 'batch', field: 'batchRecords', kind: 'int', help: 'records per publish of the DS index', dflt: '256' },
  { flag: 'spares', field: 'spares', kind: 'int', help: 'spare buffers in the shared free pool', dflt: '4 per CPU' },
  { flag: 'design', field: 'design', kind: 'string', help: 'swap design: a built-in name or a path to an ES module', dflt: 'spare-swap' },
  { flag: 'format', field: 'format', kind: 'format', help: 'hardware record format: 64, 32, or one per CPU (64,32,...)', dflt: '64' },
  { flag: 'user-pc', field: 'userPc', kind: 'string', help: 'kernel-only views: show the user PC, or hide it behind USER', dflt: 'hide' },
  { flag: 'consumer-buffers', field: 'consumerBuffers', kind: 'int', help: 'callback buffers per continuous consumer', dflt: '8' },
  { flag: 'callback-delay', field: 'callbackDelay', kind: 'delay', help: 'timeslices the callback of each thread\'s first continuous thread-user consumer takes (the thread waits), or never', dflt: '0' },
  { flag: 'consumer-policy', field: 'consumerPolicy', kind: 'string', help: 'when a consumer has no free buffer: wait or drop', dflt: 'wait' },
  { flag: 'memory-budget', field: 'memoryBudgetMiB', kind: 'int', help: 'MiB the run may allocate for buffers', dflt: '2048' },
  { flag: 'copiers', field: 'copiers', kind: 'int', help: 'work-queue workers (kworkers) for deferred work', dflt: 'one per CPU; 2 with --clock host' },
  { flag: 'pinned-memory', field: 'pinnedMemoryMiB', kind: 'int', help: 'MiB of consumer buffers irq-copy may pin', dflt: '64' },
  { flag: 'watchdog-ms', field: 'watchdogMs', kind: 'int', help: 'an actor without progress this long ends the run', dflt: '10000' },
  { flag: 'clock', field: 'clock', kind: 'string', help: 'what loss, stall and latency are measured in: model (the simulated machine\'s time, the same on every run) or host (how the host ran the threads)', dflt: 'model' },
  // The main costs of the modelled clock; every cost is a config field (costs.NAME) and a --param axis.
  { flag: 'branch-ns', field: 'costs.branchNs', kind: 'number', help: 'modelled ns per taken branch, untraced', dflt: '2' },
  { flag: 'record-ns', field: 'costs.recordNs', kind: 'number', help: 'extra modelled ns per BTS record stored', dflt: '20' },
  { flag: 'pmi-ns', field: 'costs.pmiNs', kind: 'number', help: 'modelled ns from threshold crossing to the handler running', dflt: '1500' },
  { flag: 'work-queue-ns', field: 'costs.workQueueNs', kind: 'number', help: 'mean modelled schedule_work() latency, ns', dflt: '20000' },
  { flag: 'page-fault-ns', field: 'costs.pageFaultNs', kind: 'number', help: 'modelled ns per page of a consumer buffer first written (not pinned; callback buffers are fresh each fill)', dflt: '1000' },
  { flag: 'copy-gbps', field: 'costs.copyGBps', kind: 'number', help: 'modelled copy bandwidth, GB/s, shared by copies in flight', dflt: '10' },
  { flag: 'handler', field: 'costs.handler', kind: 'string', help: 'who runs overflow handlers: per-cpu (each on its own CPU) or single (one agent for all)', dflt: 'per-cpu' },
];

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function strictNumber(raw: string, int: boolean): number | string {
  const t = raw.trim();
  const re = int ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
  if (!re.test(t)) return raw;
  const n = Number(t.replace(/_/g, ''));
  return Number.isFinite(n) ? n : raw;
}

/** Read and parse `--config FILE`. */
export function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ConfigError('--config', path, 'the path of an existing JSON file');
  checkInputFile('--config', path, 'a JSON file');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('--config', path, `a readable file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the top level is not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError('--config', path, `a JSON object (${(e as Error).message})`);
  }
}

/**
 * Merge the flags the user gave over the config file. Returns the raw input for
 * resolveConfig and which config fields came from flags (to name them in errors).
 */
export function flagsToInput(opts: Record<string, unknown>, base: Record<string, unknown>): { input: Record<string, unknown>; fromFlag: Map<string, string> } {
  const input: Record<string, unknown> = { ...base };
  const fromFlag = new Map<string, string>();
  for (const f of RUN_FLAGS) {
    const raw = opts[camel(f.flag)];
    if (raw === undefined) continue;
    fromFlag.set(f.field, `--${f.flag}`);
    const s = String(raw);
    let v: unknown;
    switch (f.kind) {
      case 'int': v = strictNumber(s, true); break;
      case 'number': v = strictNumber(s, false); break;
      case 'delay': v = s === 'never' ? s : strictNumber(s, true); break;
      case 'format': {
        const parts = s.split(',').map((p) => strictNumber(p, true));
        v = parts.length === 1 ? parts[0] : parts;
        break;
      }
      default: v = s;
    }
    // A dotted field (costs.workQueueNs) goes into its object, over the config file's.
    const [top, sub] = f.field.split('.') as [string, string | undefined];
    if (sub === undefined) input[top] = v;
    else input[top] = { ...(input[top] as Record<string, unknown> | undefined), [sub]: v };
  }
  if (opts.check === false) input.check = false;
  if (Array.isArray(opts.workload) && opts.workload.length > 0) {
    input.traces = opts.workload.map(String);
    fromFlag.set('traces', '--workload');
  }
  return { input, fromFlag };
}

/** Name the flag, not the config field, when the value came from a flag. */
export function renameField(e: ConfigError, fromFlag: Map<string, string>): ConfigError {
  // The field itself (costs.workQueueNs), else its top-level object (workload.threads from --config).
  const top = fromFlag.has(e.field.split('.').slice(0, 2).join('.')) ? e.field.split('.').slice(0, 2).join('.') : e.field.split('.')[0]!;
  const flag = fromFlag.get(top);
  if (!flag) return e;
  const field = flag + e.field.slice(top.length);
  const err = new ConfigError(field, e.value, e.accepted);
  // A message of its own (MemoryBudgetError says what is needed and what the budget is): keep it, renamed.
  if (e.message.startsWith(`${e.field}:`)) err.message = field + e.message.slice(e.field.length);
  return err;
}
