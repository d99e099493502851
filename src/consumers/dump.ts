/**
 * The consumer stream format (docs/domain-model.md §8). `<consumer-id>.bts` holds little-endian
 * 24-byte records (from u64, to u64, flags u64) in the uniform 64-bit ABI, in stream
 * order, loss markers and switch_mm annotations included; `<consumer-id>.json` beside it
 * describes the consumer and its counters.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Flags, PSEUDO_HI, lossCauseName } from '../model/constants.js';
import { BtsimError } from '../model/errors.js';

export interface DumpRecord {
  from: bigint;
  to: bigint;
  flags: bigint;
}

export type StreamItem =
  | { type: 'branch'; from: bigint; to: bigint; predicted: boolean }
  | { type: 'switch_mm'; cr3: bigint }
  | { type: 'loss'; count: bigint; cause: string };

export class DumpWriter {
  private fd: number | null;
  private readonly scratch = new Uint32Array(1 << 14);
  /** Records written so far, markers included. */
  records = 0;

  constructor(dir: string, id: string) {
    this.fd = openSync(join(dir, `${id}.bts`), 'w');
  }

  /** Append `count` records (six u32 words each) from `words` at record `start`. */
  write(words: Uint32Array, start: number, count: number): void {
    // Uint32Array words are host-endian; Node runs on little-endian hosts only in
    // practice, but say so rather than assume it silently.
    if (!LITTLE_ENDIAN) throw new BtsimError('dump: big-endian hosts are not supported');
    if (this.fd === null) throw new BtsimError('dump: written after it was closed');
    let off = 0;
    while (off < count) {
      const n = Math.min(count - off, this.scratch.length / 6);
      const src = words.subarray((start + off) * 6, (start + off + n) * 6);
      writeSync(this.fd, src);
      off += n;
    }
    this.records += count;
  }

  /** Idempotent: a stopped run closes the dump whether or not the sink's finish() got to it. */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Read a `.bts` file back. */
export function readDump(path: string): DumpRecord[] {
  const buf = readFileSync(path);
  if (buf.length % 24 !== 0) throw new BtsimError(`${path}: ${buf.length} bytes is not a whole number of 24-byte records`);
  const out: DumpRecord[] = [];
  for (let o = 0; o < buf.length; o += 24) {
    out.push({ from: buf.readBigUInt64LE(o), to: buf.readBigUInt64LE(o + 8), flags: buf.readBigUInt64LE(o + 16) });
  }
  return out;
}

/** What a dumped record means. */
export function decodeRecord(r: DumpRecord): StreamItem {
  const pseudoFrom = r.from >> 32n === BigInt(PSEUDO_HI);
  if (pseudoFrom && (r.flags >> 63n) === 1n) {
    return { type: 'loss', count: r.to, cause: lossCauseName(Number(r.flags & 0xffn)) };
  }
  if (pseudoFrom && ((r.flags >> 32n) & BigInt(Flags.ANNOTATION_HI)) !== 0n) {
    return { type: 'switch_mm', cr3: r.to };
  }
  return { type: 'branch', from: r.from, to: r.to, predicted: (r.flags & BigInt(Flags.PREDICTED)) !== 0n };
}
