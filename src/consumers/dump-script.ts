/**
 * A consumer stream (a `.bts` dump) printed as text or NDJSON. As text, one record per line,
 * the way `perf script` prints branch samples: `FROM => TO`, with pseudo-PCs by name (SYSCALL, USER, EXC(14), ...)
 * and the markers spelled out (a `switch_mm` with its cr3 id, a loss with its count and
 * cause). Or as NDJSON, one object per record, for scripts.
 *
 * Works on the little-endian u32 words, never on BigInts: a dump of millions of records
 * prints at the speed of the terminal.
 */
import { Flags, PSEUDO_HI, lossCauseName, pseudoPcName } from '../model/constants.js';

/** One record (six u32 words at `o` of `b`: from lo/hi, to lo/hi, flags lo/hi), numbered `index`. */
export function scriptLine(b: Buffer, o: number, index: number, json: boolean): string {
  const fLo = b.readUInt32LE(o), fHi = b.readUInt32LE(o + 4);
  const tLo = b.readUInt32LE(o + 8), tHi = b.readUInt32LE(o + 12);
  const flLo = b.readUInt32LE(o + 16), flHi = b.readUInt32LE(o + 20);
  const marker = fHi === PSEUDO_HI;
  if (marker && flHi & Flags.LOSS_HI) {
    const count = tHi * 0x1_0000_0000 + tLo;
    const code = flLo & 0xff;
    const cause = lossCauseName(code);
    return json
      ? JSON.stringify({ index, type: 'loss', count, cause, code })
      : `${pad(index)}  loss       ${count} records lost: ${cause} (cause ${code})`;
  }
  if (marker && flHi & Flags.ANNOTATION_HI) {
    return json
      ? JSON.stringify({ index, type: 'switch_mm', cr3: hex(tHi, tLo) })
      : `${pad(index)}  switch_mm  cr3 ${hex(tHi, tLo)}`;
  }
  const predicted = (flLo & Flags.PREDICTED) !== 0;
  const fromName = fHi === PSEUDO_HI ? pseudoPcName(fLo) : undefined;
  const toName = tHi === PSEUDO_HI ? pseudoPcName(tLo) : undefined;
  if (json) {
    return JSON.stringify({
      index, type: 'branch', from: hex(fHi, fLo), to: hex(tHi, tLo), predicted,
      ...(fromName ? { fromName } : {}), ...(toName ? { toName } : {}),
    });
  }
  const from = fromName ?? hex(fHi, fLo).slice(2);
  const to = toName ?? hex(tHi, tLo).slice(2);
  return `${pad(index)}  branch     ${from.padStart(16)} => ${to.padStart(16)}${predicted ? '  predicted' : ''}`;
}

function hex(hi: number, lo: number): string {
  return hi === 0 ? `0x${lo.toString(16)}` : `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
}

function pad(index: number): string {
  return String(index).padStart(9);
}
