/**
 * The ground-truth event chunk: what one CPU executed during one timeslice.
 *
 * Every event is one taken branch (one hardware BTS record). The chunk keeps the record
 * in the 64-bit layout, ready to store, plus what the view rules and the simulated kernel
 * need to know about it. Struct-of-arrays, preallocated and reused: the generator runs on
 * the CPU's hot path and must not allocate per event.
 *
 *   rec[6i .. 6i+5]       fromLo, fromHi, toLo, toHi, flagsLo, flagsHi (always 0)
 *   type[i]               EV_* | IRQS_OFF (model/event-types.ts)
 *   kindOrTid[i]          ENTRY/RETURN: entry kind. SWITCH: incoming tid.
 *   switchCr3[i]          SWITCH: incoming cr3 when the address space changes, else 0.
 *   switchPendingKind[i]  SWITCH: the incoming thread's pending entry kind (what its return closes).
 */
import { RECORD_WORDS } from '../model/hw-record.js';

export const GATE_NONE = 0;
export const GATE_BODY = 1;
export const GATE_TAIL = 2;

export class EventChunk {
  rec: Uint32Array;
  type: Uint8Array;
  kindOrTid: Uint32Array;
  switchCr3: Uint32Array;
  switchPendingKind: Uint32Array;
  /** Events in use. */
  length = 0;
  /** The thread all events of this chunk belong to (0: the idle task). */
  tid = 0;
  /** Virtual time (per-CPU event index) of event 0. */
  start = 0;
  /** The epoch (timeslice) this chunk is. */
  epoch = 0;
  /**
   * When `tid` last ran on another CPU: that epoch (its records there must reach its
   * per-thread consumers before it runs here), else -1.
   */
  migratedAfter = -1;
  /**
   * Events [0, ownedEnd) belong to `tid`; the rest to the idle task. Less than `length`
   * only when `tid` blocked in do_notify_resume in this timeslice (a gated consumer, see
   * schedule.ts) and the CPU went idle.
   */
  ownedEnd = 0;
  /** Gated thread only: records of its gated consumer's view in this chunk. */
  gateRecords = 0;
  /** Gated thread only: GATE_NONE, GATE_BODY (blocked here, then idle) or GATE_TAIL (switched out anyway). */
  gateBlock = 0;
  /** Where a thread blocked in the body resumes: its user PC and what its return closes. */
  gatePc = 0;
  gatePcHi = 0;
  gateKind = 0;

  /** `memory`: the arrays in a SharedArrayBuffer at this offset (chunk-queue.ts), else its own. */
  constructor(readonly capacity: number, memory?: { sab: SharedArrayBuffer; offset: number }) {
    const sab = memory?.sab ?? new ArrayBuffer(EventChunk.bytes(capacity));
    let at = memory?.offset ?? 0;
    this.rec = new Uint32Array(sab, at, capacity * RECORD_WORDS);
    at += capacity * RECORD_WORDS * 4;
    this.kindOrTid = new Uint32Array(sab, at, capacity);
    at += capacity * 4;
    this.switchCr3 = new Uint32Array(sab, at, capacity);
    at += capacity * 4;
    this.switchPendingKind = new Uint32Array(sab, at, capacity);
    at += capacity * 4;
    this.type = new Uint8Array(sab, at, capacity);
  }

  /** Bytes of a chunk's arrays. */
  static bytes(capacity: number): number {
    return capacity * (RECORD_WORDS * 4 + 3 * 4 + 1);
  }
}
