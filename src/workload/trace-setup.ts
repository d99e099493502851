/**
 * Before a trace run starts: make every `--workload` file readable by the synchronous
 * readers (gzip streamed to a temporary file), and measure the traces, so the run lasts
 * until the last one is done on the CPUs they share. Every actor then reads its own copy.
 */
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
    cfg.traceFiles = prepared.map((p) => ({ format: p.format, path: p.path, source: p.source ?? p.path }));
    for (let c = 0; c < prepared.length; c++) {
      const n = await TaskStream.measure(cfg, c, signal);
      if (n === null) return interrupted();
      // A run of an empty trace would run idle and "pass": say there is nothing to replay.
      if (n.natural === 0) throw new ConfigError('--workload', cfg.traces[c], 'a trace with at least one branch or system call (this one has none: it is empty, or only comments)');
      Object.assign(cfg.traceFiles[c]!, n);
    }
    cfg.branches = TraceSchedule.runLength(cfg);
    return cleanup;
  } catch (e) {
    if ((e as Error).name === 'AbortError' && signal?.aborted) return interrupted();
    cleanup();
    throw e;
  }
}
