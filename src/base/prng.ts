/**
 * Seeded pseudo-random numbers (sfc32), keyed by hashing. Everything the workload does is a
 * function of (config, seed), so every draw comes from here, never from Math.random.
 *
 * sfc32 (Chris Doty-Humphrey's small fast counter) in 32-bit integer arithmetic: fast in
 * V8 (no BigInt, no float state) and good enough for workload shapes. Streams are keyed
 * by hashing (seed, cpu, epoch, ...) with a splitmix-style mixer, so any epoch of any CPU
 * can be regenerated on its own: the oracle never replays a CPU from the start to reach
 * an epoch.
 */

/** 32-bit finaliser (murmur3 fmix32). */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85eb_ca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2_ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hash a list of small integers into one 32-bit key. */
export function hashKey(...parts: number[]): number {
  let h = 0x9e37_79b9;
  for (const p of parts) {
    h = mix32((h ^ (p >>> 0)) + 0x7f4a_7c15);
    h = mix32(h ^ Math.floor(p / 0x1_0000_0000));
  }
  return h;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = mix32(seed ^ 0x1234_5678);
    this.b = mix32(seed + 0x2545_f491);
    this.c = mix32(seed ^ 0x9e37_79b9);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform u32. */
  next(): number {
    const a = this.a, b = this.b, c = this.c, d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = ((c << 21) | (c >>> 11)) + t | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, n) for n <= 2^32 (bias below 2^-20 for the n we use). */
  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p * 0x1_0000_0000;
  }
}
