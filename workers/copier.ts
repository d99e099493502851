// A copier (the work queue's worker, schedule_work): copies a full hardware buffer into a
// staging buffer, so the hardware buffer can be given back and tracing re-armed. Records
// stay in shared memory; the task message carries only ids and counts.

export interface CopyTask {
  bufs: SharedArrayBuffer;
  /** u32 words per buffer slot. */
  slotWords: number;
  from: number;
  to: number;
  count: number;
  recordWords: number;
}

export default function copy(t: CopyTask): number {
  const u = new Uint32Array(t.bufs);
  const n = t.count * t.recordWords;
  u.set(u.subarray(t.from * t.slotWords, t.from * t.slotWords + n), t.to * t.slotWords);
  return t.count;
}
