/**
 * A "last N" ring consumer's writer: the ring keeps the newest `size` entries, and a record
 * written over one not yet read counts as overwritten (by design, not lost).
 */
import type { ConsumerSpec } from '../model/config.js';
import type { ConsumerRegion } from './consumer-memory.js';
import { RECORD_WORDS } from '../model/hw-record.js';
import { ConsumerWriter, copyWords, pagesOf, type ConsumerCounters, type DrainClock } from './consumer-writer.js';

export class RingWriter extends ConsumerWriter {
  private readonly words: Uint32Array;
  private readonly isMarker: Uint8Array;
  private entries = 0;
  private overwritten = 0;
  /** Slots whose isMarker is 1. */
  private markersHeld = 0;

  constructor(spec: ConsumerSpec, index: number, cons: SharedArrayBuffer, region: ConsumerRegion) {
    super(spec, index);
    this.words = new Uint32Array(cons, region.offset, region.size * RECORD_WORDS);
    this.isMarker = new Uint8Array(region.size);
  }

  push(fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number): void {
    this.put(fLo, fHi, tLo, tHi, flLo, flHi, false);
  }

  /** Records the hardware overwrote in circular mode: for a "last N" ring, overwritten too. */
  private overwrittenByHardware = 0;

  protected override hardwareOverwrote(count: number): void {
    this.overwrittenByHardware += count;
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
      copyWords(this.words, slot * RECORD_WORDS, words, start, n * RECORD_WORDS);
      this.delivered += n;
      this.entries += n;
      start += n * RECORD_WORDS;
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
    const o = slot * RECORD_WORDS;
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
