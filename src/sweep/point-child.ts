/**
 * A process of `btsim sweep --jobs N` (started by ChildRunner in point-runner.ts): runs the
 * points it is sent, one at a time, and sends each result back. It writes no file.
 */
import { ConfigError, RunAbortedError } from '../model/errors.js';
import { run } from '../run/run.js';
import type { RunReply, RunRequest } from './point-runner.js';

let current: AbortController | undefined;

function reply(m: RunReply): void {
  // After the parent is gone there is no one to tell.
  if (process.connected) process.send!(m);
}

async function runPoint(req: RunRequest): Promise<void> {
  const ac = new AbortController();
  current = ac;
  try {
    const result = await run(req.input, {
      signal: ac.signal,
      onProgress: req.progress ? (p) => reply({ type: 'progress', fraction: p.total ? p.branches / p.total : 0 }) : undefined,
    });
    reply({ type: 'done', result });
  } catch (e) {
    if (e instanceof ConfigError) reply({ type: 'config-error', field: e.field, value: e.value, accepted: e.accepted, message: e.message });
    else if (e instanceof RunAbortedError) reply({ type: 'aborted', message: e.message, actor: e.actor });
    else reply({ type: 'crash', stack: (e as Error)?.stack ?? String(e) });
  } finally {
    current = undefined;
  }
}

process.on('message', (m: RunRequest) => {
  if (m.type === 'run') void runPoint(m);
});

// Ctrl-C reaches the whole process group: the parent decides what stops, and kills us.
process.on('SIGINT', () => {});

// The parent is done with us, or was killed: stop the point in progress and end, so that no
// orphan goes on using the CPUs. The process ends once its run has wound down; the timer
// (unref'd: it keeps nothing alive) ends one whose run does not.
process.on('disconnect', () => {
  current?.abort();
  setTimeout(() => process.exit(1), 5_000).unref();
});
