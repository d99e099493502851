/**
 * Before a trace run starts: make every `--workload` file readable by the synchronous
 * readers (gzip streamed to a temporary file), and measure the traces, so the run lasts
 * as long as the longest one. Every actor then reads its own copy of the stream.
 */
import type { SimConfig } from '../model/config.js';
import { prepareTrace, type PreparedTrace } from './trace/open-trace.js';
import { TraceWorkload } from './trace-workload.js';

/** Fills in `cfg.traceFiles` and `cfg.branches`; returns what removes the temporary files. */
export async function prepareTraces(cfg: SimConfig): Promise<() => void> {
  if (cfg.traces.length === 0 || cfg.traceFiles) return () => {};
  const prepared: PreparedTrace[] = [];
  const cleanup = () => prepared.forEach((p) => p.cleanup());
  try {
    for (const spec of cfg.traces) prepared.push(await prepareTrace(spec));
    cfg.traceFiles = prepared.map((p) => ({ format: p.format, path: p.path, source: p.source ?? p.path }));
    let longest = 1;
    for (let c = 0; c < prepared.length; c++) longest = Math.max(longest, TraceWorkload.measure(cfg, c));
    cfg.branches = longest;
    return cleanup;
  } catch (e) {
    cleanup();
    throw e;
  }
}
