/**
 * A continuous consumer's writer.
 *
 * A continuous consumer's writer: records fill callback buffers in turn, each handed to the
 * consumer's callback when full; with no buffer free the drain waits for the consumer (policy
 * wait) or the records are lost as consumer-too-slow (policy drop).
 */
import type { ConsumerSpec } from '../model/config.js';
import { LossCause } from '../model/constants.js';
import { CONS_FREE_SEQ, CONS_FULL_SEQ, CONS_LEN, G_COORD_BELL, G_HEARTBEAT, G_SINK_BELL, G_STOP, consWord, type Layout } from '../mem/layout.js';
import { runSync, type SharedMem } from '../mem/shared-mem.js';
import type { ConsumerRegion } from './consumer-memory.js';
import { RECORD_WORDS } from '../model/hw-record.js';
import { ConsumerWriter, copyWords, pagesOf, type DrainClock } from './consumer-writer.js';

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
    this.bufWords = region.size * RECORD_WORDS;
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
        start += n * RECORD_WORDS;
        count -= n;
        continue;
      }
      if (!this.haveBuffer || this.tooSlow > 0 || this.owed.length > 0) {
        // No buffer, or markers to write first: this record the per-record way.
        this.push(words[start]!, words[start + 1]!, words[start + 2]!, words[start + 3]!, words[start + 4]!, words[start + 5]!);
        start += RECORD_WORDS;
        count--;
        continue;
      }
      // What put() does per record, for as many as fit in the current buffer.
      const n = Math.min(count, size - this.pos);
      if (this.model) this.model.clock.faults += pagesOf(this.pos + n) - pagesOf(this.pos);
      const o = (this.fullSeq % this.region.buffers) * this.bufWords + this.pos * RECORD_WORDS;
      copyWords(this.words, o, words, start, n * RECORD_WORDS);
      this.delivered += n;
      this.pos += n;
      start += n * RECORD_WORDS;
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
    const o = (this.fullSeq % this.region.buffers) * this.bufWords + this.pos * RECORD_WORDS;
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
      // The sink may sleep with buffers to give back (handoff() rings it only at half): ring.
      runSync(this.mem.notify(G_SINK_BELL));
      // Waiting for a slow consumer is progress as far as the watchdog is concerned.
      runSync(this.mem.add(G_HEARTBEAT, 1));
      runSync(this.mem.wait(G_COORD_BELL, bell, 50));
    }
  }

  /** The buffer is full: the callback gets it and answers "fresh buffer" or "stay disabled". */
  private handoff(): void {
    const j = this.fullSeq % this.region.buffers;
    runSync(this.mem.store(consWord(this.layout, this.index, CONS_LEN + j), this.pos));
    const full = runSync(this.mem.add(consWord(this.layout, this.index, CONS_FULL_SEQ), 1)) + 1;
    runSync(this.mem.add(G_SINK_BELL, 1));
    // Under the modelled clock, wake the sink only once half the consumer's buffers wait for
    // it: a futex wake costs the coordinator 40-70 µs on the machines this runs on, more than
    // the sink's work on a buffer when unchecked, and the sink polls every 5 ms anyway. A drain
    // that finds no buffer free rings it too (acquire()), so nothing waits for that poll, and
    // when the sink returns a buffer changes no figure (the model's callback does). Under the
    // host clock the sink is the consumer, woken at each callback as a real one would be.
    const waiting = full - runSync(this.mem.load(consWord(this.layout, this.index, CONS_FREE_SEQ)));
    if (!this.model || waiting === Math.ceil(this.region.buffers / 2)) {
      runSync(this.mem.notify(G_SINK_BELL));
    }
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
