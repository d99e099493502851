/**
 * Explore-mode stress on a thread of its own. The explorer runs a design's steps on the
 * thread that calls it, so a step that never yields or returns (an endless loop) would hold
 * that thread for ever; here the caller's thread watches a heartbeat the explorer bumps every
 * 1,024 operations, and ends the worker, naming the design, when it stops.
 */
import { Worker } from 'node:worker_threads';
import { DesignError } from '../model/errors.js';
import { fromWire } from '../run/error-transport.js';
import type { StressOptions, StressResult } from './stress-options.js';

/** An explore step that runs this long without a shared-memory operation is taken for hung. */
export const EXPLORE_WATCHDOG_MS = 2_000;

export type IsolatedJob =
  | { kind: 'stress'; opts: Omit<StressOptions, 'onProgress' | 'signal'> }
  | { kind: 'replay'; replay: string; keepTrace: boolean };

/** What the worker posts back. */
export type IsolatedMessage =
  | { type: 'loaded'; name: string }
  | { type: 'progress'; done: number; total: number }
  | { type: 'result'; result: StressResult }
  | { type: 'error'; error: { name: string; message: string; design?: string; what?: string; field?: string; value?: unknown; accepted?: string } };

const WORKER = new URL('../../workers/explore.js', import.meta.url);

export function runIsolated(job: IsolatedJob, opts: { onProgress?: StressOptions['onProgress']; signal?: AbortSignal; watchdogMs?: number; designLabel: string }): Promise<StressResult> {
  const beat = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER, { workerData: { job, heartbeat: beat } });
  const limit = opts.watchdogMs ?? EXPLORE_WATCHDOG_MS;
  let name = opts.designLabel;
  return new Promise<StressResult>((resolve, reject) => {
    let settled = false;
    let last = -1;
    let lastAt = Date.now();
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      void worker.terminate().then(f, f);
    };
    const onAbort = (): void => worker.postMessage({ type: 'abort' });
    opts.signal?.addEventListener('abort', onAbort);
    if (opts.signal?.aborted) onAbort();
    const timer = setInterval(() => {
      const b = Atomics.load(beat, 0);
      if (b !== last) {
        last = b;
        lastAt = Date.now();
      } else if (Date.now() - lastAt > limit) {
        finish(() => reject(new DesignError(name, `in explore mode: a step ran for ${limit} ms without a shared-memory operation (a loop that never yields or returns?)`)));
      }
    }, Math.min(250, limit / 4));
    worker.on('message', (m: IsolatedMessage) => {
      if (m.type === 'loaded') name = m.name;
      else if (m.type === 'progress') opts.onProgress?.(m.done, m.total);
      else if (m.type === 'result') finish(() => resolve(m.result));
      else finish(() => reject(fromWire(m.error)));
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new DesignError(name, `in explore mode: its thread ended (exit code ${code}) before the stress did`))));
  });
}
