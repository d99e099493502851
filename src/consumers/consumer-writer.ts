/**
 * The base class of the consumers' writers, the kernel-side end of each consumer.
 *
 * The coordinator writes, the consumer reads, in the uniform 64-bit ABI. Here: the data
 * path's own account of what it did, loss markers, and the DS callback contract.
 *
 * Each writer keeps that account: records delivered, overwritten (ring) and lost by cause (the
 * sum of the loss markers it carried). The checker compares it with the oracle; nothing here
 * looks at the ground truth. The kinds are ring-writer.ts ("last N") and continuous-writer.ts
 * (callback buffers).
 */
import type { ConsumerSpec } from '../model/config.js';
import { Flags, LossCause, OVERWRITTEN_CAUSE, PSEUDO_HI, PseudoPc, lossCauseName } from '../model/constants.js';
import { RECORD_WORDS } from '../model/hw-record.js';

/**
 * Modelled clock: the time the drain being run is at, and the pages of consumer buffers it
 * touched for the first time. The coordinator sets `now` before a drain and reads both after;
 * a continuous consumer moves `now` on when its drain has to wait for a buffer.
 */
export interface DrainClock {
  now: number;
  faults: number;
}


/** Pages (4 KiB) that the first `records` records of a buffer span. */
export function pagesOf(records: number): number {
  return Math.ceil((records * RECORD_WORDS * 4) / 4096);
}

export interface ConsumerCounters {
  delivered: number;
  overwritten: number;
  /** Ring: entries written in all (records and markers), to locate the ring's tail. */
  entries: number;
  lost: Record<string, number>;
}

export abstract class ConsumerWriter {
  delivered = 0;
  protected readonly lostByCause = new Map<number, number>();

  constructor(readonly spec: ConsumerSpec, readonly index: number) {}

  abstract push(fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number): void;

  /**
   * `count` records at once, exactly as `count` calls of push() would deliver them: record
   * i is words[start + 6i .. start + 6i + 5] (from, to, flags; the flags' high word is
   * taken as it is, which the splay passes only where it is 0).
   */
  pushRun(words: Uint32Array, start: number, count: number): void {
    for (let i = 0, o = start; i < count; i++, o += RECORD_WORDS) {
      this.push(words[o]!, words[o + 1]!, words[o + 2]!, words[o + 3]!, words[o + 4]!, words[o + 5]!);
    }
  }

  /**
   * The DS callback contract (spec.stayDisabled), for continuous consumers: callbacks made
   * so far; records still to go by before the tracer re-enables; records missed while it
   * stayed disabled, not yet marked.
   */
  private callbacks = 0;
  protected disabledLeft = 0;
  private disabledLost = 0;

  /** A full buffer went to the consumer's callback, which answers "fresh buffer" or "stay disabled". */
  protected called(): void {
    const sd = this.spec.stayDisabled;
    // A buffer of markers handed over while disabled does not re-arm the window.
    if (sd && ++this.callbacks % sd.every === 0 && this.disabledLeft === 0) this.disabledLeft = sd.records;
  }

  /** `n` (at most disabledLeft) records go by while the tracer stays disabled; at the last it re-enables. */
  protected skipDisabled(n: number): void {
    this.disabledLeft -= n;
    this.disabledLost += n;
    if (this.disabledLeft === 0) this.markDisabled();
  }

  private markDisabled(): void {
    const n = this.disabledLost;
    this.disabledLost = 0;
    if (n > 0) this.markLoss(LossCause['disabled-by-callback'], n);
  }

  /** A loss marker: `count` of this consumer's records were lost here, for `cause`. */
  marker(cause: number, count: number): void {
    if (count <= 0) return;
    // Keep the markers in stream order: what was missed while disabled came first.
    this.markDisabled();
    // Records lost on the way went by as well: they count toward the re-enable.
    if (this.disabledLeft > 0) this.disabledLeft -= Math.min(count, this.disabledLeft);
    this.markLoss(cause, count);
  }

  private markLoss(cause: number, count: number): void {
    if (cause === OVERWRITTEN_CAUSE) this.hardwareOverwrote(count);
    else this.addLost(cause, count);
    this.writeMarker(cause, count);
  }

  private addLost(cause: number, count: number): void {
    this.lostByCause.set(cause, (this.lostByCause.get(cause) ?? 0) + count);
  }

  /**
   * `count` records the hardware overwrote while its buffer was in circular mode: lost, for
   * this consumer (a "last N" ring counts them overwritten instead: by design).
   */
  protected hardwareOverwrote(count: number): void {
    this.addLost(OVERWRITTEN_CAUSE, count);
  }

  protected writeMarker(cause: number, count: number): void {
    this.putMarker(cause, count);
  }

  /** The loss marker record itself (the stream format's LOSS entry). */
  protected putMarker(cause: number, count: number): void {
    this.put(PseudoPc.LOSS, PSEUDO_HI, count >>> 0, Math.floor(count / 0x1_0000_0000), cause, Flags.LOSS_HI, true);
  }

  protected abstract put(fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number, isMarker: boolean): void;

  /** End of run: hand over whatever is buffered. */
  flush(): void {
    this.markDisabled();
  }

  counters(): ConsumerCounters {
    const lost: Record<string, number> = {};
    for (const [code, n] of this.lostByCause) lost[lossCauseName(code)] = n;
    return { delivered: this.delivered, overwritten: 0, entries: 0, lost };
  }
}

/** Copy `n` u32 words: short runs word by word (a subarray costs more than they do), long ones with set(). */
export function copyWords(dst: Uint32Array, dstAt: number, src: Uint32Array, srcAt: number, n: number): void {
  if (n <= 96) {
    for (let k = 0; k < n; k++) dst[dstAt + k] = src[srcAt + k]!;
  } else {
    dst.set(src.subarray(srcAt, srcAt + n), dstAt);
  }
}
