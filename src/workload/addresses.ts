/**
 * Simulated addresses. Kernel text lives in the kernel half (0xffff_ffff_c100_0000 up to
 * 0xffff_ffff_ff00_0000, which is also the widened image of a 32-bit kernel's
 * 0xc100_0000..0xff00_0000), user code below 0x0000_8000_0000_0000. When any CPU uses the
 * 32-bit hardware format, user addresses stay below 0xbf00_0000 so every thread can
 * migrate to any CPU and its records still fit 32 bits.
 *
 * Addresses are drawn at random, so two records of a window are distinct with
 * overwhelming probability: that is what lets the checker tell a duplicate or a reordered
 * record from a legitimate repeat.
 */
import type { SimConfig } from '../model/config.js';
import type { Rng } from '../base/prng.js';

/** The high word of every simulated kernel address (the top 4 GiB of the kernel half). */
export const KERNEL_HI = 0xffff_ffff;
export const KERNEL_LO_MIN = 0xc100_0000;
export const KERNEL_LO_SPAN = 0xff00_0000 - KERNEL_LO_MIN;
export const USER_LO_MIN = 0x0040_0000;
export const USER_LO_SPAN = 0xbf00_0000 - USER_LO_MIN;

export interface Addr {
  lo: number;
  hi: number;
}

export function userHi(mm: number, cfg: SimConfig): number {
  return cfg.format.includes(32) ? 0 : (mm + 1) & 0x7fff;
}

export function userAddress(rng: Rng, mm: number, cfg: SimConfig): Addr {
  return { lo: USER_LO_MIN + rng.below(USER_LO_SPAN), hi: userHi(mm, cfg) };
}

/** Threads are spread over address spaces round-robin; mm ids start at 0. */
export function mmOf(tid: number, cfg: SimConfig): number {
  return (tid - 1) % cfg.workload.addressSpaces;
}

/** The cr3-like id of an address space: never 0 (0 means "no switch" in events). */
export function cr3Of(mm: number): number {
  return (mm + 1) * 0x1000;
}
