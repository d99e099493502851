/**
 * The view rules of docs/domain-model.md §3: what each consumer kind should see of the ground truth.
 * This is the oracle's definition, written independently of the data path's splay (which
 * works from hardware records and kernel annotations, not from events).
 *
 * Records are six u32 words (fromLo, fromHi, toLo, toHi, flagsLo, flagsHi) in the uniform
 * 64-bit ABI. Records that cross the user/kernel boundary in a kernel-only or user-only
 * view are rewritten by software, so they carry flags 0 whatever the hardware reported:
 * the view must not depend on whether the hardware or software did the filtering.
 */
import type { ConsumerKind } from '../model/config.js';
import { Flags, PSEUDO_HI, PseudoPc, entryPseudoPc, isExplicitEntry } from '../model/constants.js';
import { EV_ENTRY, EV_KERNEL, EV_RETURN, EV_SWITCH, EV_TYPE_MASK, EV_USER } from '../model/event-types.js';
import { EventChunk } from '../workload/events.js';
import { RECORD_WORDS } from '../model/hw-record.js';

/** A growable output of view records. */
export class RecordList {
  words: Uint32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.words = new Uint32Array(capacity * RECORD_WORDS);
  }

  clear(): void {
    this.length = 0;
  }

  /** Room for `n` more records (the array at least doubles when it grows). */
  private room(n: number): void {
    if ((this.length + n) * RECORD_WORDS <= this.words.length) return;
    const grown = new Uint32Array(Math.max(this.words.length * 2, (this.length + n) * RECORD_WORDS));
    grown.set(this.words.subarray(0, this.length * RECORD_WORDS));
    this.words = grown;
  }

  /** Append records [a, b) of `src` (six words each) as they are. */
  pushRecords(src: Uint32Array, a: number, b: number): void {
    if (b <= a) return;
    this.room(b - a);
    this.words.set(src.subarray(a * RECORD_WORDS, b * RECORD_WORDS), this.length * RECORD_WORDS);
    this.length += b - a;
  }

  push(fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number): void {
    this.room(1);
    const o = this.length * RECORD_WORDS;
    const a = this.words;
    a[o] = fLo; a[o + 1] = fHi; a[o + 2] = tLo; a[o + 3] = tHi; a[o + 4] = flLo; a[o + 5] = flHi;
    this.length++;
  }
}

export interface ViewOptions {
  /** Kernel-only views: "show" keeps the user PC, "hide" replaces it with the USER pseudo-PC. */
  userPc: 'hide' | 'show';
}

/**
 * Append the view of `kind` of events [from, to) of `chunk` to `out`. The caller has
 * already decided the scope (the CPU for cpu-*, the thread's chunks for thread-*).
 *
 * An event's record is (from, to, flags, 0): the chunk's six words as they are (the generator
 * and the trace reader keep the flags' high word 0), so each run of events a view keeps
 * unchanged is appended with one copy; only annotations and the rewritten crossings of the
 * user/kernel boundary are appended one by one.
 */
export function applyView(kind: ConsumerKind, chunk: EventChunk, from: number, to: number, opts: ViewOptions, out: RecordList): void {
  const r = chunk.rec;
  const type = chunk.type;
  const hide = opts.userPc === 'hide';
  switch (kind) {
    case 'thread-all':
      out.pushRecords(r, from, to);
      return;
    case 'cpu-all': {
      let run = from;
      for (let i = from; i < to; i++) {
        if ((type[i]! & EV_TYPE_MASK) === EV_SWITCH && chunk.switchCr3[i]) {
          out.pushRecords(r, run, i);
          out.push(PseudoPc.SWITCH_MM, PSEUDO_HI, chunk.switchCr3[i]!, 0, 0, Flags.ANNOTATION_HI);
          run = i;
        }
      }
      out.pushRecords(r, run, to);
      return;
    }
    case 'cpu-kernel':
    case 'thread-kernel':
      // Kernel branches and switches as they are; entries and returns with flags 0.
      keptRuns(chunk, from, to, EV_KERNEL, EV_SWITCH, out, (i, t) => {
        const o = i * RECORD_WORDS;
        if (t === EV_ENTRY) {
          if (hide) out.push(PseudoPc.USER, PSEUDO_HI, r[o + 2]!, r[o + 3]!, 0, 0);
          else out.push(r[o]!, r[o + 1]!, r[o + 2]!, r[o + 3]!, 0, 0);
        } else if (t === EV_RETURN) {
          if (hide) out.push(r[o]!, r[o + 1]!, PseudoPc.USER, PSEUDO_HI, 0, 0);
          else out.push(r[o]!, r[o + 1]!, r[o + 2]!, r[o + 3]!, 0, 0);
        }
      });
      return;
    case 'thread-user':
      // User branches as they are; the explicit entries and their returns as pseudo-records.
      keptRuns(chunk, from, to, EV_USER, EV_USER, out, (i, t) => {
        const o = i * RECORD_WORDS;
        const kind = chunk.kindOrTid[i]!;
        if (t === EV_ENTRY && isExplicitEntry(kind)) out.push(r[o]!, r[o + 1]!, entryPseudoPc(kind), PSEUDO_HI, 0, 0);
        else if (t === EV_RETURN && isExplicitEntry(kind)) out.push(entryPseudoPc(kind), PSEUDO_HI, r[o + 2]!, r[o + 3]!, 0, 0);
      });
      return;
  }
}

/**
 * Events [from, to) of `chunk`: each run of events of type `a` or `b` appended as it is, and
 * `other(i, type)` called for every other event, in order.
 */
function keptRuns(chunk: EventChunk, from: number, to: number, a: number, b: number, out: RecordList, other: (i: number, t: number) => void): void {
  const type = chunk.type;
  let run = -1;
  for (let i = from; i < to; i++) {
    const t = type[i]! & EV_TYPE_MASK;
    if (t === a || t === b) {
      if (run < 0) run = i;
      continue;
    }
    if (run >= 0) {
      out.pushRecords(chunk.rec, run, i);
      run = -1;
    }
    other(i, t);
  }
  if (run >= 0) out.pushRecords(chunk.rec, run, to);
}

/** Does a consumer of `kind` on scope `target` see events of this chunk at all? */
export function inScope(kind: ConsumerKind, target: number, cpu: number, chunk: EventChunk): boolean {
  return kind.startsWith('cpu') ? cpu === target : chunk.tid === target;
}
