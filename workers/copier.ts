/**
 * The copier worker (the work queue's worker, schedule_work): copies a full hardware buffer
 * into a staging buffer, so the hardware buffer can be given back and tracing re-armed.
 * Records stay in shared memory; the task message carries only ids and counts.
 */

import { threadId } from 'node:worker_threads';

export interface CopyTask {
  bufs: SharedArrayBuffer;
  /** u32 words per buffer slot. */
  slotWords: number;
  from: number;
  to: number;
  count: number;
  recordWords: number;
}

/** What the copier did, for the timeline: its thread and when (hrtime ns). */
export interface CopyDone {
  thread: number;
  startNs: number;
  endNs: number;
}

export default function copy(t: CopyTask): CopyDone {
  const startNs = Number(process.hrtime.bigint());
  const u = new Uint32Array(t.bufs);
  const n = t.count * t.recordWords;
  u.set(u.subarray(t.from * t.slotWords, t.from * t.slotWords + n), t.to * t.slotWords);
  return { thread: threadId, startNs, endNs: Number(process.hrtime.bigint()) };
}
