/**
 * The constants users see in consumer streams (docs/domain-model.md §3, §8), in one place.
 *
 * Pseudo-PCs and markers share the non-canonical form 0x8000_0000_0000_00NN: bit 63 set
 * with bits 48..62 clear is not canonical under 4- or 5-level paging, so no real x86-64
 * address can be mistaken for one. They are kept as (hi, lo) u32 pairs because the data
 * path never builds BigInts; `pseudoPc()` gives the BigInt for user code and docs.
 */

/** High word shared by every pseudo-PC and marker. */
export const PSEUDO_HI = 0x8000_0000;

/** Low byte (NN) of each pseudo-PC. */
export const PseudoPc = {
  /** Stands for "somewhere in user mode" in kernel-only views (userPc: "hide"). */
  USER: 0x01,
  /** Kernel entry through the `syscall` instruction (user-only views). */
  SYSCALL: 0x02,
  /** Kernel entry through `sysenter`. */
  SYSENTER: 0x03,
  /** Kernel entry through `int $0x80`. */
  INT80: 0x04,
  /** `from` of a cpu-all `switch_mm` annotation record; `to` is the incoming cr3 id. */
  SWITCH_MM: 0x10,
  /** `from` of a loss marker; `to` is the number of records lost there. */
  LOSS: 0x11,
  /** Exception vector v (0..31) is 0x20 + v. */
  EXCEPTION_BASE: 0x20,
} as const;

export function pseudoPc(nn: number): bigint {
  return (BigInt(PSEUDO_HI) << 32n) | BigInt(nn);
}

/** Flag bits of the uniform 64-bit consumer ABI (the `flags` u64). */
export const Flags = {
  /** Bit 4: the branch was predicted (as the hardware reports it). */
  PREDICTED: 1 << 4,
  /** Bit 62 (bit 30 of the high word): a `switch_mm` annotation record. */
  ANNOTATION_HI: 1 << 30,
  /** Bit 63 (bit 31 of the high word): a loss marker; bits 0..7 hold the cause code. */
  LOSS_HI: 0x8000_0000,
} as const;

/** Loss causes: fixed names and the codes used in the stream format. */
export const LossCause = {
  'tracing-suspended': 1,
  'no-spare-buffer': 2,
  'past-absolute-maximum': 3,
  'consumer-too-slow': 4,
  'disabled-by-callback': 5,
} as const;
export type LossCauseName = keyof typeof LossCause | (string & {});

/**
 * Not a loss: records the hardware overwrote in circular mode (kernel-circular), which ring
 * consumers count as overwritten. Its marker tells a ring where that happened.
 */
export const OVERWRITTEN_CAUSE = 255;

/** Codes 1..15 are built-in causes; designs may register their own from 16 to 254. */
export const LOSS_CAUSE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(LossCause).map(([name, code]) => [code, name]),
);

export function lossCauseName(code: number): string {
  if (code === OVERWRITTEN_CAUSE) return 'overwritten-in-circular-mode';
  return LOSS_CAUSE_NAMES[code] ?? `design-cause-${code}`;
}

/**
 * Kinds of kernel entry from user mode, as recorded by the simulated kernel.
 * Explicit entries (syscall-like and exceptions) are visible to user-only views;
 * interrupts are not.
 */
export const EntryKind = {
  SYSCALL: 1,
  SYSENTER: 2,
  INT80: 3,
  /** Exception vector v is EXCEPTION_BASE + v. */
  EXCEPTION_BASE: 0x20,
  /** Asynchronous interrupt (vector not kept: user-only views never see it). */
  INTERRUPT: 0x80,
} as const;

export function isExplicitEntry(kind: number): boolean {
  return kind !== EntryKind.INTERRUPT && kind !== 0;
}

/** Pseudo-PC low byte (NN) naming an explicit entry kind. */
export function entryPseudoPc(kind: number): number {
  switch (kind) {
    case EntryKind.SYSCALL: return PseudoPc.SYSCALL;
    case EntryKind.SYSENTER: return PseudoPc.SYSENTER;
    case EntryKind.INT80: return PseudoPc.INT80;
    default:
      if (kind >= EntryKind.EXCEPTION_BASE && kind < EntryKind.EXCEPTION_BASE + 32) {
        return PseudoPc.EXCEPTION_BASE + (kind - EntryKind.EXCEPTION_BASE);
      }
      throw new RangeError(`entry kind ${kind} has no pseudo-PC (interrupts are invisible)`);
  }
}

/** High word of the first address of the kernel half (>= 0xffff_8000_0000_0000 is kernel). */
export const KERNEL_HALF_HI = 0xffff_8000;
/** The 32-bit kernel's PAGE_OFFSET (3G/1G split): CPUs with the 32-bit format widen from it. */
export const KERNEL32_BASE = 0xc000_0000;

/**
 * Whether an address whose high word is `hi` (as u32, or the same bits as int32) is in the
 * kernel half, i.e. hi >= KERNEL_HALF_HI: its top 17 bits are ones, so as int32 hi >> 15 is
 * -1, which keeps the splay's loops in small-integer arithmetic. The AND of two high words
 * is in the kernel half iff both are.
 */
export function isKernelHi(hi: number): boolean {
  return hi >> 15 === -1;
}

/** The name of a pseudo-PC or marker by its low byte (NN), as the README's table gives it; undefined for none. */
export function pseudoPcName(nn: number): string | undefined {
  switch (nn) {
    case PseudoPc.USER: return 'USER';
    case PseudoPc.SYSCALL: return 'SYSCALL';
    case PseudoPc.SYSENTER: return 'SYSENTER';
    case PseudoPc.INT80: return 'INT80';
    case PseudoPc.SWITCH_MM: return 'SWITCH_MM';
    case PseudoPc.LOSS: return 'LOSS';
    default:
      return nn >= PseudoPc.EXCEPTION_BASE && nn < PseudoPc.EXCEPTION_BASE + 32 ? `EXC(${nn - PseudoPc.EXCEPTION_BASE})` : undefined;
  }
}
