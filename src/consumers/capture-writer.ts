/**
 * The explorer's consumer writer: a continuous consumer that keeps its whole stream in
 * memory (tiny scenarios, checked once the execution ends). No handoff, no back-pressure: the
 * explorer looks for bugs in the swap protocol, not in the consumer's pacing. The DS
 * callback contract still holds: a callback per `size` entries, as the real writer's.
 */
import type { ConsumerSpec } from '../model/config.js';
import { RECORD_WORDS } from '../model/hw-record.js';
import { ConsumerWriter } from './consumer-writer.js';

export class CaptureWriter extends ConsumerWriter {
  words = new Uint32Array(1024 * RECORD_WORDS);
  entries = 0;

  constructor(spec: ConsumerSpec, index: number) {
    super(spec, index);
  }

  push(fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number): void {
    if (this.disabledLeft > 0) this.skipDisabled(1);
    else this.put(fLo, fHi, tLo, tHi, flLo, flHi, false);
  }

  protected put(fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number, marker: boolean): void {
    if ((this.entries + 1) * RECORD_WORDS > this.words.length) {
      const w = new Uint32Array(this.words.length * 2);
      w.set(this.words);
      this.words = w;
    }
    const o = this.entries * RECORD_WORDS;
    const a = this.words;
    a[o] = fLo; a[o + 1] = fHi; a[o + 2] = tLo; a[o + 3] = tHi; a[o + 4] = flLo; a[o + 5] = flHi;
    this.entries++;
    if (!marker) this.delivered++;
    // Its buffers are virtual: every `size` entries one would have gone to the callback.
    if (this.entries % this.spec.size === 0) this.called();
  }
}
