/**
 * The kernel-side end of each consumer (the coordinator writes, the consumer reads):
 * "last N" rings and continuous callback buffers, both in the uniform 64-bit ABI.
 *
 * Each writer keeps the data path's own account of what it did: records delivered,
 * overwritten (ring) and lost by cause (the sum of the loss markers it carried). The
 * checker compares that account with the oracle; nothing here looks at the ground truth.
 */
import type { ConsumerSpec } from '../model/config.js';
import { Flags, LossCause, OVERWRITTEN_CAUSE, PSEUDO_HI, PseudoPc, lossCauseName } from '../model/constants.js';
import { CONS_FREE_SEQ, CONS_FULL_SEQ, CONS_LEN, G_COORD_BELL, G_HEARTBEAT, G_SINK_BELL, G_STOP, consWord, type Layout } from '../mem/layout.js';
import { runSync, type SharedMem } from '../mem/shared-mem.js';
import { ABI_RECORD_WORDS, type ConsumerRegion } from './consumer-memory.js';

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
function pagesOf(records: number): number {
  return Math.ceil((records * ABI_RECORD_WORDS * 4) / 4096);
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
    for (let i = 0, o = start; i < count; i++, o += ABI_RECORD_WORDS) {
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
    // Records the hardware overwrote in circular mode are, for a "last N" ring, overwritten
    // (by design); for anyone else they are lost.
    if (cause === OVERWRITTEN_CAUSE && this instanceof RingWriter) this.overwrittenByHardware += count;
    else this.lostByCause.set(cause, (this.lostByCause.get(cause) ?? 0) + count);
    this.writeMarker(cause, count);
  }
  protected overwrittenByHardware = 0;

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

export class RingWriter extends ConsumerWriter {
  private readonly words: Uint32Array;
  private readonly isMarker: Uint8Array;
  private entries = 0;
  private overwritten = 0;
  /** Slots whose isMarker is 1. */
  private markersHeld = 0;

  constructor(spec: ConsumerSpec, index: number, cons: SharedArrayBuffer, region: ConsumerRegion) {
    super(spec, index);
    this.words = new Uint32Array(cons, region.offset, region.size * ABI_RECORD_WORDS);
    this.isMarker = new Uint8Array(region.size);
  }

  push(fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number): void {
    this.put(fLo, fHi, tLo, tHi, flLo, flHi, false);
  }

  /** Modelled clock: count first touches of the ring's pages here. */
  clock: DrainClock | null = null;

  private touch(n: number): void {
    const size = this.spec.size;
    if (this.clock && this.entries < size) this.clock.faults += pagesOf(Math.min(size, this.entries + n)) - pagesOf(this.entries);
  }

  override pushRun(words: Uint32Array, start: number, count: number): void {
    const size = this.spec.size;
    this.touch(count);
    while (count > 0) {
      const slot = this.entries % size;
      const n = Math.min(count, size - slot);
      if (this.entries >= size) {
        // Every slot of [slot, slot + n) was written before: what it held is overwritten,
        // unless it was a marker (put() per record, counted in one go).
        let markers = 0;
        if (this.markersHeld > 0) {
          const m = this.isMarker;
          for (let k = slot; k < slot + n; k++) markers += m[k]!;
          if (markers) {
            m.fill(0, slot, slot + n);
            this.markersHeld -= markers;
          }
        }
        this.overwritten += n - markers;
        this.delivered -= n - markers;
      }
      // (entries < size: the slots from `slot` on were never written; isMarker is 0 there.)
      copyWords(this.words, slot * ABI_RECORD_WORDS, words, start, n * ABI_RECORD_WORDS);
      this.delivered += n;
      this.entries += n;
      start += n * ABI_RECORD_WORDS;
      count -= n;
    }
  }

  protected put(fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number, marker: boolean): void {
    const size = this.spec.size;
    this.touch(1);
    const slot = this.entries % size;
    if (this.entries >= size && !this.isMarker[slot]) {
      this.overwritten++;
      this.delivered--;
    }
    const o = slot * ABI_RECORD_WORDS;
    const a = this.words;
    a[o] = fLo; a[o + 1] = fHi; a[o + 2] = tLo; a[o + 3] = tHi; a[o + 4] = flLo; a[o + 5] = flHi;
    this.markersHeld += (marker ? 1 : 0) - this.isMarker[slot]!;
    this.isMarker[slot] = marker ? 1 : 0;
    if (!marker) this.delivered++;
    this.entries++;
  }

  override counters(): ConsumerCounters {
    return { ...super.counters(), overwritten: this.overwritten + this.overwrittenByHardware, entries: this.entries };
  }
}

export class ContinuousWriter extends ConsumerWriter {
  private readonly words: Uint32Array;
  private readonly bufWords: number;
  private fullSeq = 0;
  private pos = 0;
  private haveBuffer = false;
  /** Records this consumer could not take (policy drop), not yet marked. */
  private tooSlow = 0;
  /**
   * Modelled clock: when each callback buffer comes back (the consumer's callback holds one
   * buffer at a time for callbackNs), and when the callback is free again.
   */
  private model: { clock: DrainClock; callbackNs: number; back: Float64Array; freeAt: number } | null = null;

  /** Under the modelled clock, buffers come back when the modelled callback is done with them. */
  modelled(clock: DrainClock, callbackNs: number): void {
    this.model = { clock, callbackNs, back: new Float64Array(this.region.buffers), freeAt: 0 };
  }

  constructor(
    spec: ConsumerSpec,
    index: number,
    cons: SharedArrayBuffer,
    private readonly region: ConsumerRegion,
    private readonly mem: SharedMem,
    private readonly layout: Layout,
    private readonly policy: 'wait' | 'drop',
  ) {
    super(spec, index);
    this.bufWords = region.size * ABI_RECORD_WORDS;
    this.words = new Uint32Array(cons, region.offset, region.buffers * this.bufWords);
  }

  push(fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number): void {
    if (this.disabledLeft > 0) {
      this.skipDisabled(1);
      return;
    }
    if (this.tooSlow > 0) {
      const n = this.tooSlow;
      this.tooSlow = 0;
      this.marker(LossCause['consumer-too-slow'], n);
    }
    if (!this.ready()) {
      this.tooSlow++;
      return;
    }
    // The markers just written may have filled a buffer whose callback said "stay disabled".
    if (this.disabledLeft > 0) {
      this.skipDisabled(1);
      return;
    }
    this.put(fLo, fHi, tLo, tHi, flLo, flHi, false);
  }

  override pushRun(words: Uint32Array, start: number, count: number): void {
    const size = this.region.size;
    while (count > 0) {
      if (this.disabledLeft > 0) {
        const n = Math.min(count, this.disabledLeft);
        this.skipDisabled(n);
        start += n * ABI_RECORD_WORDS;
        count -= n;
        continue;
      }
      if (!this.haveBuffer || this.tooSlow > 0 || this.owed.length > 0) {
        // No buffer, or markers to write first: this record the per-record way.
        this.push(words[start]!, words[start + 1]!, words[start + 2]!, words[start + 3]!, words[start + 4]!, words[start + 5]!);
        start += ABI_RECORD_WORDS;
        count--;
        continue;
      }
      // What put() does per record, for as many as fit in the current buffer.
      const n = Math.min(count, size - this.pos);
      if (this.model) this.model.clock.faults += pagesOf(this.pos + n) - pagesOf(this.pos);
      const o = (this.fullSeq % this.region.buffers) * this.bufWords + this.pos * ABI_RECORD_WORDS;
      copyWords(this.words, o, words, start, n * ABI_RECORD_WORDS);
      this.delivered += n;
      this.pos += n;
      start += n * ABI_RECORD_WORDS;
      count -= n;
      if (this.pos === size) this.handoff();
    }
  }

  /**
   * Markers go through `owed`, in order, and are written when there is room; a record is
   * written only after every marker before it (ready()), so a gap is marked where it is
   * even when markers wait for a buffer (policy drop).
   */
  protected override writeMarker(cause: number, count: number): void {
    const last = this.owed[this.owed.length - 1];
    if (last && last[0] === cause) last[1] += count;
    else this.owed.push([cause, count]);
    this.ready();
  }
  private readonly owed: [number, number][] = [];

  /** A buffer with room and no marker owed before it; false when there is none (policy drop). */
  private ready(wait = this.policy === 'wait'): boolean {
    for (;;) {
      if (!this.haveBuffer && !this.acquire(wait)) return false;
      if (this.owed.length === 0) return true;
      const [cause, count] = this.owed.shift()!;
      this.putMarker(cause, count);
    }
  }

  /** One entry into the current buffer (the caller made sure there is one). */
  protected put(fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number, marker: boolean): void {
    const o = (this.fullSeq % this.region.buffers) * this.bufWords + this.pos * ABI_RECORD_WORDS;
    const a = this.words;
    a[o] = fLo; a[o + 1] = fHi; a[o + 2] = tLo; a[o + 3] = tHi; a[o + 4] = flLo; a[o + 5] = flHi;
    if (!marker) this.delivered++;
    if (this.model) this.model.clock.faults += pagesOf(this.pos + 1) - pagesOf(this.pos);
    if (++this.pos === this.region.size) this.handoff();
  }

  /** Take the next callback buffer, waiting for the consumer if the policy says so. */
  private acquire(wait: boolean): boolean {
    const m = this.model;
    if (m) {
      // The simulated consumer decides (modelled time): its buffer is back, or the drain
      // waits for it (policy wait), or this record is lost (policy drop). The host's sink
      // may lag behind the model: then only the host waits, whatever the policy.
      const back = m.back[this.fullSeq % this.region.buffers]!;
      if (back > m.clock.now) {
        if (!wait) return false;
        m.clock.now = back;
      }
      wait = true;
    }
    const free = consWord(this.layout, this.index, CONS_FREE_SEQ);
    for (;;) {
      const bell = runSync(this.mem.load(G_COORD_BELL));
      if (this.fullSeq - runSync(this.mem.load(free)) < this.region.buffers) {
        this.haveBuffer = true;
        this.pos = 0;
        return true;
      }
      if (!wait || runSync(this.mem.load(G_STOP)) !== 0) return false;
      // Waiting for a slow consumer is progress as far as the watchdog is concerned.
      runSync(this.mem.add(G_HEARTBEAT, 1));
      runSync(this.mem.wait(G_COORD_BELL, bell, 50));
    }
  }

  /** The buffer is full: the callback gets it and answers "fresh buffer" or "stay disabled". */
  private handoff(): void {
    const j = this.fullSeq % this.region.buffers;
    runSync(this.mem.store(consWord(this.layout, this.index, CONS_LEN + j), this.pos));
    runSync(this.mem.add(consWord(this.layout, this.index, CONS_FULL_SEQ), 1));
    runSync(this.mem.add(G_SINK_BELL, 1));
    runSync(this.mem.notify(G_SINK_BELL));
    const m = this.model;
    if (m) {
      const start = Math.max(m.clock.now, m.freeAt);
      m.freeAt = start + m.callbackNs;
      m.back[j] = m.freeAt;
    }
    this.fullSeq++;
    this.pos = 0;
    this.haveBuffer = false;
    this.called();
  }

  override flush(): void {
    super.flush();
    if (this.tooSlow > 0) {
      const n = this.tooSlow;
      this.tooSlow = 0;
      this.marker(LossCause['consumer-too-slow'], n);
    }
    // At the end the consumer has all the time it needs: wait for it whatever the policy,
    // so the last markers reach it (false only when the run was stopped).
    if (this.owed.length > 0) this.ready(true);
    if (this.haveBuffer && this.pos > 0) this.handoff();
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
