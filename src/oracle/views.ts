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

  push(fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number): void {
    if ((this.length + 1) * RECORD_WORDS > this.words.length) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
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
 */
export function applyView(kind: ConsumerKind, chunk: EventChunk, from: number, to: number, opts: ViewOptions, out: RecordList): void {
  const r = chunk.rec;
  const hide = opts.userPc === 'hide';
  for (let i = from; i < to; i++) {
    const o = i * RECORD_WORDS;
    const t = chunk.type[i]! & EV_TYPE_MASK;
    const fLo = r[o]!, fHi = r[o + 1]!, tLo = r[o + 2]!, tHi = r[o + 3]!, fl = r[o + 4]!;
    switch (kind) {
      case 'cpu-all':
        if (t === EV_SWITCH && chunk.switchCr3[i]) {
          out.push(PseudoPc.SWITCH_MM, PSEUDO_HI, chunk.switchCr3[i]!, 0, 0, Flags.ANNOTATION_HI);
        }
        out.push(fLo, fHi, tLo, tHi, fl, 0);
        break;
      case 'thread-all':
        out.push(fLo, fHi, tLo, tHi, fl, 0);
        break;
      case 'cpu-kernel':
      case 'thread-kernel':
        if (t === EV_KERNEL || t === EV_SWITCH) out.push(fLo, fHi, tLo, tHi, fl, 0);
        else if (t === EV_ENTRY) {
          if (hide) out.push(PseudoPc.USER, PSEUDO_HI, tLo, tHi, 0, 0);
          else out.push(fLo, fHi, tLo, tHi, 0, 0);
        } else if (t === EV_RETURN) {
          if (hide) out.push(fLo, fHi, PseudoPc.USER, PSEUDO_HI, 0, 0);
          else out.push(fLo, fHi, tLo, tHi, 0, 0);
        }
        break;
      case 'thread-user':
        if (t === EV_USER) out.push(fLo, fHi, tLo, tHi, fl, 0);
        else if (t === EV_ENTRY && isExplicitEntry(chunk.kindOrTid[i]!)) {
          out.push(fLo, fHi, entryPseudoPc(chunk.kindOrTid[i]!), PSEUDO_HI, 0, 0);
        } else if (t === EV_RETURN && isExplicitEntry(chunk.kindOrTid[i]!)) {
          out.push(entryPseudoPc(chunk.kindOrTid[i]!), PSEUDO_HI, tLo, tHi, 0, 0);
        }
        break;
    }
  }
}

/** Does a consumer of `kind` on scope `target` see events of this chunk at all? */
export function inScope(kind: ConsumerKind, target: number, cpu: number, chunk: EventChunk): boolean {
  return kind.startsWith('cpu') ? cpu === target : chunk.tid === target;
}
