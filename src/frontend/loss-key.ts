/**
 * The key under which a CPU counts records it could not store: (cause, thread, class) in one
 * number, so a Map of counts stays a Map of numbers on the write path (no allocation).
 *
 * cause < 256, tid < 65536, class < 256: key = cause * 2^24 + tid * 2^8 + class (below 2^32, an
 * exact double). The mailbox and the result unpack it again (lossKeyParts).
 */

export function lossKey(cause: number, tid: number, klass: number): number {
  return cause * 0x100_0000 + tid * 0x100 + klass;
}

export interface LossKeyParts {
  cause: number;
  tid: number;
  klass: number;
}

export function lossKeyParts(key: number): LossKeyParts {
  return { cause: Math.floor(key / 0x100_0000), tid: Math.floor(key / 0x100) & 0xffff, klass: key & 0xff };
}

/** Add `n` to the count under `key`. */
export function addLoss(counts: Map<number, number>, key: number, n: number): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}
