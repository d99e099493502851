/**
 * What a trace run prepares before it starts.
 *
 * Before a trace run starts: make every `--workload` file readable by the synchronous
 * readers (gzip streamed to a temporary file), and measure the traces, so the run lasts
 * until the last one is done on the CPUs they share. Every actor then reads its own copy.
 */
import { resolveConfig } from '../model/resolve-config.js';
import { syntheticSpaces } from '../model/config-defaults.js';
import { traceConsumers } from '../model/default-consumers.js';
import type { SimConfig } from '../model/config.js';
import { ConfigError } from '../model/errors.js';
import { prepareTrace, type PreparedTrace } from './trace/open-trace.js';
import { TaskStream } from './trace/task-stream.js';
import { TraceSchedule } from './trace-schedule.js';

/**
 * Fills in `cfg.traceFiles` and `cfg.branches`; returns what removes the temporary files.
 * Once `signal` is aborted it stops within a few tens of milliseconds, removes what it
 * unpacked and returns with `cfg.traceFiles` unset: the run then stops before it starts.
 */
export async function prepareTraces(cfg: SimConfig, signal?: AbortSignal): Promise<() => void> {
  if (cfg.traces.length === 0 || cfg.traceFiles) return () => {};
  const prepared: PreparedTrace[] = [];
  const cleanup = () => prepared.forEach((p) => p.cleanup());
  const interrupted = () => {
    cleanup();
    delete cfg.traceFiles;
    return () => {};
  };
  try {
    for (const spec of cfg.traces) prepared.push(await prepareTrace(spec, { signal }));
    const tasks: NonNullable<SimConfig['traceFiles']> = [];
    cfg.traceFiles = tasks;
    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i]!;
      const file = { format: p.format, path: p.path, source: p.source ?? p.path, trace: i };
      // A QEMU log: its main thread first; the others it names once read through, a task each.
      const threads = [p.format === 'qemu' ? 0 : -1];
      let natural = 0;
      for (let k = 0; k < threads.length; k++) {
        tasks.push({ ...file, ...(threads[k]! >= 0 ? { vcpu: threads[k]! } : {}) });
        const n = await TaskStream.measure(cfg, tasks.length - 1, signal);
        if (n === null) return interrupted();
        tasks[tasks.length - 1] = { ...tasks[tasks.length - 1]!, natural: n.natural, total: n.total };
        natural += n.natural;
        if (k === 0) threads.push(...n.threads.filter((t) => t !== threads[0]));
      }
      // A run of an empty trace would run idle and "pass": say there is nothing to replay.
      if (natural === 0) throw new ConfigError('--workload', cfg.traces[i], 'a trace with at least one branch or system call (this one has none: it is empty, or only comments)');
    }
    // Synthetic threads beside the traces: tasks that never end, in address spaces of their own.
    const synthetic = cfg.workload.syntheticThreads ?? 0;
    for (let k = 0; k < synthetic; k++) {
      const mm = cfg.traces.length + (k % syntheticSpaces(synthetic));
      tasks.push({ format: 'synthetic', path: '', source: 'synthetic', trace: mm, natural: 0, total: Number.MAX_SAFE_INTEGER });
    }
    if (tasks.length !== cfg.workload.threads) withTasks(cfg);
    cfg.branches = TraceSchedule.runLength(cfg);
    return cleanup;
  } catch (e) {
    if ((e as Error).name === 'AbortError' && signal?.aborted) return interrupted();
    cleanup();
    throw e;
  }
}

/**
 * The config again, now that the traces' threads are known: a task each (the workload's
 * threads), the default consumers of each, and the consumers' tids checked against them.
 */
function withTasks(cfg: SimConfig): void {
  const defaulted = JSON.stringify(cfg.consumers) === JSON.stringify(traceConsumers(cfg.cpus, cfg.workload.threads));
  const { threads: _threads, ...workload } = cfg.workload;
  Object.assign(cfg, resolveConfig({ ...cfg, workload, ...(defaulted ? { consumers: undefined } : {}) }));
}
