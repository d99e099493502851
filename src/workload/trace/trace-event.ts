/**
 * The events trace readers produce from real programs' branch traces (issue 8), and the
 * reader interface.
 */
import { KERNEL_HALF_HI } from '../../model/constants.js';

/** One event of a real program's execution, in order. Addresses as bigint (u64). */
export type TraceEvent =
  /** One taken branch; user or kernel is decided by the address (kernel half >= KERNEL_HALF). */
  | { kind: 'branch'; from: bigint; to: bigint }
  /**
   * A system call instruction at user address `pc`; execution continues in user mode at
   * `resume` (normally pc + 2) when `returns`; returns = false for exit and exit_group.
   */
  | { kind: 'syscall'; pc: bigint; resume: bigint; nr: number; name: string; returns: boolean };

/** First address of the kernel half of the x86-64 address space. */
export const KERNEL_HALF = BigInt(KERNEL_HALF_HI) << 32n;

/** Whether `addr` is in the kernel half. */
export function isKernelAddress(addr: bigint): boolean {
  return addr >= KERNEL_HALF;
}

/** The system calls that do not return to user mode. */
export function syscallReturns(name: string): boolean {
  return name !== 'exit' && name !== 'exit_group';
}

/** What every trace reader offers: a synchronous stream of events. */
export interface TraceReader {
  /** The next event, or null at the end of the trace. */
  next(): TraceEvent | null;
  /** Release the file (idempotent). */
  close(): void;
}
