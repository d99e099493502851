/**
 * How a sweep runs one point: in this process (the default), or in a child process of its
 * own (`--jobs N`, one runner per job; point-child.ts is the other end). A child only
 * computes and sends the result back: the parent stays the sweep file's only writer, so
 * lines never interleave and a kill can at worst tear the last one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, RunAbortedError } from '../model/errors.js';
import { run } from '../run/run.js';
import type { RunResult } from '../run/result.js';

export interface PointRunOptions {
  /** Aborted: the point is dropped. In process, run() hands back a partial result; a child is killed. */
  signal?: AbortSignal;
  /** Fraction of the point's branches executed so far. */
  onProgress?: (fraction: number) => void;
}

export interface PointRunner {
  /** Rejects with a RunAbortedError when the point failed (the sweep goes on without it). */
  run(input: Record<string, unknown>, opts: PointRunOptions): Promise<RunResult>;
  /** Let go of whatever the runner holds (a child process). */
  close(): Promise<void>;
}

/** Parent to child. */
export interface RunRequest {
  type: 'run';
  input: Record<string, unknown>;
  progress: boolean;
}

/** Child to parent. */
export type RunReply =
  | { type: 'progress'; fraction: number }
  | { type: 'done'; result: RunResult }
  | { type: 'config-error'; field: string; value: unknown; accepted: string; message: string }
  | { type: 'aborted'; message: string; actor: string }
  | { type: 'crash'; stack: string };

export class InProcessRunner implements PointRunner {
  run(input: Record<string, unknown>, opts: PointRunOptions): Promise<RunResult> {
    const onProgress = opts.onProgress;
    return run(input, {
      signal: opts.signal,
      onProgress: onProgress ? (r) => onProgress(r.total ? r.branches / r.total : 0) : undefined,
    });
  }

  async close(): Promise<void> {}
}

/** The child's error, as thrown in the parent (some errors word their own message, e.g. the memory budget's). */
function configError(m: { field: string; value: unknown; accepted: string; message: string }): ConfigError {
  const e = new ConfigError(m.field, m.value, m.accepted);
  e.message = m.message;
  return e;
}

const CHILD = fileURLToPath(new URL('./point-child.js', import.meta.url));

export class ChildRunner implements PointRunner {
  private child: ChildProcess | undefined;

  /** A child per runner, started at its first point and again after one died. */
  private ensureChild(): ChildProcess {
    if (this.child && this.child.connected) return this.child;
    // stdin ignored, stdout and stderr shared: a child prints nothing unless something breaks.
    const child = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    // A send to a child that just died fails here; its 'exit' tells the point what happened.
    child.on('error', () => {});
    this.child = child;
    return child;
  }

  run(input: Record<string, unknown>, opts: PointRunOptions): Promise<RunResult> {
    const child = this.ensureChild();
    return new Promise<RunResult>((resolve, reject) => {
      const settle = (f: () => void) => {
        child.off('message', onMessage);
        child.off('exit', onExit);
        opts.signal?.removeEventListener('abort', onAbort);
        f();
      };
      const onMessage = (m: RunReply) => {
        switch (m.type) {
          case 'progress': opts.onProgress?.(m.fraction); return;
          case 'done': settle(() => resolve(m.result)); return;
          case 'config-error': settle(() => reject(configError(m))); return;
          case 'aborted': settle(() => reject(new RunAbortedError(m.message, m.actor))); return;
          case 'crash': settle(() => reject(new Error(`in a --jobs process: ${m.stack}`))); return;
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        settle(() => reject(new RunAbortedError(`its process (--jobs) ended before the run did (${signal ? `signal ${signal}` : `exit code ${code}`})`, 'sweep job')));
      };
      // The point is dropped, so there is nothing to wait for: end its process now.
      const onAbort = () => {
        child.kill('SIGKILL');
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
      const req: RunRequest = { type: 'run', input, progress: opts.onProgress !== undefined };
      child.send(req);
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    // An idle child ends when its channel closes (point-child.ts).
    if (child.connected) child.disconnect();
    else child.kill('SIGKILL');
    await exited;
  }
}
