/**
 * The record formats: hardware BTS records in the DS buffer, the kernel's annotation records
 * among them, and the uniform 64-bit record consumers receive.
 *
 * 64-bit format (24 B): from u64, to u64, flags u64  -> six u32 words, little-endian.
 * 32-bit format (12 B): from u32, to u32, flags u32  -> three u32 words.
 * Widening a 32-bit record to the uniform 64-bit ABI: addresses at or above the 32-bit
 * kernel's PAGE_OFFSET (0xc000_0000) go to the kernel half (high word 0xffff_ffff), the
 * rest stay below 4 GiB. The escape address 0xffff_ffff widens to all ones.
 *
 * Annotations are records the simulated kernel writes into the same buffer (taking space
 * like any record; as the 2008 ds.c did at context switches). `from` is the escape address
 * (all ones, never a branch source here); `to` is a payload; the low flags word says what:
 *
 *   bits 0..3   type     1 SWITCH_MM  to = incoming cr3 id
 *                        2 CTXSW      to = incoming tid,   code = its pending entry kind
 *                        3 SYNC       to = current tid,    code = pending entry kind (0: user)
 *                        4 LOSS       to = records lost,   code = cause, class, tid
 *                        5 ENTRY      to = user PC,        code = entry kind
 *                                     (threads with a user-only consumer: the kind, and the
 *                                     user PC when BTS_OFF_OS suppressed the entry record)
 *                        6 RET_SRC    to = low word of the kernel PC of a return to user
 *                        7 RETURN     to = the user PC returned to
 *                                     (6 and 7 under BTS_OFF_USR, which suppresses returns
 *                                     that kernel-only views still show)
 *   bits 4..7   class    LOSS only: which kind of record was lost (LossClass)
 *   bits 8..15  code
 *   bits 16..31 tid      LOSS only: the thread the lost records belong to
 *
 * SYNC follows every loss (and starts every buffer installed after one), so the splay's
 * per-CPU state never survives a gap: the same role as Intel PT's PSB+ packets.
 */
import { KERNEL32_BASE } from './constants.js';

export const ANN_SWITCH_MM = 1;
export const ANN_CTXSW = 2;
export const ANN_SYNC = 3;
export const ANN_LOSS = 4;
export const ANN_ENTRY = 5;
export const ANN_RET_SRC = 6;
export const ANN_RETURN = 7;

/**
 * Classes of lost records. Real hardware cannot count what it did not write; the
 * simulator counts dropped records by class and thread so each consumer's loss marker
 * carries exactly how many of *its* records were lost (see the kind masks in the splay).
 */
export const LossClass = {
  USER: 0,
  KERNEL: 1,
  ENTRY_EXPLICIT: 2,
  ENTRY_IRQ: 3,
  RETURN_EXPLICIT: 4,
  RETURN_IRQ: 5,
  SWITCH_MM: 6,
} as const;

/** The bit of a loss class in a view's mask of classes (splay.ts KIND_CLASS_MASK). */
export function lossClassBit(lossClass: number): number {
  return 1 << lossClass;
}

/**
 * A count of dropped records (cause, thread, LossClass): what a mailbox entry carries, and
 * what a CPU reports when it stops with losses not yet written.
 */
export interface PendingLoss {
  cause: number;
  tid: number;
  /** The LossClass of the lost records. */
  klass: number;
  count: number;
}

export const ESCAPE = 0xffff_ffff;

/** An annotation's low flags word (the bit fields above). */
export function annFlags(type: number, lossClass: number, code: number, tid: number): number {
  return (type | (lossClass << 4) | (code << 8) | (tid << 16)) >>> 0;
}
export function annType(flags: number): number {
  return flags & 0xf;
}
export function annClass(flags: number): number {
  return (flags >>> 4) & 0xf;
}
export function annCode(flags: number): number {
  return (flags >>> 8) & 0xff;
}
export function annTid(flags: number): number {
  return flags >>> 16;
}

/**
 * u32 words of one record in the 64-bit format (from u64, to u64, flags u64), which is also
 * the layout of every record consumers receive (the uniform ABI) and of a workload's record
 * in an event chunk.
 */
export const RECORD_WORDS = 6;
/** Bytes of one such record (a hardware buffer's slot size). */
export const RECORD_BYTES = RECORD_WORDS * 4;

/** u32 words per record in a hardware format. */
export function recordWords(format: 32 | 64): number {
  return format === 64 ? RECORD_WORDS : 3;
}

/** Bytes per record in a hardware format. */
export function recordBytes(format: 32 | 64): number {
  return format === 64 ? RECORD_BYTES : 12;
}

export function widenAddressHi(lo32: number): number {
  return lo32 >>> 0 >= KERNEL32_BASE ? 0xffff_ffff : 0;
}
