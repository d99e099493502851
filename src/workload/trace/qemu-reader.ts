/**
 * The QEMU user-mode log reader. It reads a log made with
 * `qemu-x86_64 -d in_asm,exec,nochain,strace -D LOG PROGRAM` and streams the program's taken
 * branches and system calls (format as printed by QEMU 7.2; older and newer exec line layouts
 * are accepted too):
 *
 * ```
 * ----------------
 * IN: __libc_start_main_impl                                  in_asm: a block, translated once
 * 0x00402820:  48 83 c7 08              addq     $8, %rdi
 * 0x00402829:  75 f5                    jne      0x402820
 *
 * Trace 0: 0x7fe520000540 [0000000000000000/0000000000402820/1040c0b3/00000200] __libc_...
 * 3096 write(1,0x479004,3) = 3                                strace: one per system call
 * 3096 exit_group(0)
 * ```
 *
 * Consecutive executed blocks (exec lines) give the taken branches: from the last instruction
 * of one block to the start of the next. Not a taken branch: a block that falls through to the
 * next address (conditional jump not taken, block split), and another iteration of a `rep`
 * string instruction (QEMU re-enters it as a block of its own; the hardware records nothing).
 * Always a taken branch: a jmp/call/ret, even to the next address (`call 1f; 1:`). A block
 * ending with `syscall` is a kernel entry and its return: one `syscall` event (its name from the
 * next strace line; its resume address is the start of the next executed block) instead of a
 * branch; `exit` and `exit_group` do not return. A block entered by the kernel delivering a
 * signal (a `--- SIG... ---` line before it) is reached by no branch.
 *
 * Instruction lengths come from the bytes QEMU prints (its capstone disassembler); a log made by
 * a QEMU without them is refused. Lines of other -d items (out_asm, op, cpu, page, ...) are
 * skipped; a line that is none of these is a TraceFormatError.
 *
 * Threads. QEMU user mode runs each thread of the program on a vCPU of its own, and its exec
 * lines say which ("Trace 1: ..."); the strace lines do not (they carry the process id, the same
 * for every thread). A reader follows one vCPU (`vcpu`, 0 by default: the main thread) and
 * keeps track of the others only to attribute each strace line to the one thread whose last
 * block ended with `syscall` and has no strace line yet; a strace line two threads could own
 * (both entered a system call and neither line is out yet) is a TraceFormatError, and so is a
 * vCPU that runs again after its thread's `exit` (QEMU reuses the index for a later thread). A
 * signal line goes to the thread whose exec line came last. A thread starts with no branch
 * (the kernel starts it: its first block is where clone returns to).
 *
 * Memory: the file is read in chunks; what is kept is one entry per translated block (bounded
 * by the program's code size) and at most two pending events.
 */
import { LineReader } from './line-reader.js';
import { TraceFormatError } from './trace-error.js';
import { syscallName, syscallNumber } from './x86-64-syscalls.js';
import {
  KIND_SYSCALL, taken, classify, parseAddr, EXEC_RE, INSN_RE, BYTES_RE, STRACE_RE, STRACE_SIGNAL_RE, OTHER_LISTING_RE, OTHER_LINE_RE, HEXADDR_LINE_RE, type Block,
} from './qemu-log-grammar.js';
import { syscallReturns, type TraceEvent, type TraceReader } from './trace-event.js';

/** A TraceReader over one vCPU (thread) of a QEMU log (the file's opening comment says how). */
export class QemuTraceReader implements TraceReader {
  private readonly lines: LineReader;
  private readonly name: string;
  /** Translated blocks by start address. */
  private readonly blocks = new Map<number, Block>();
  /** The in_asm block being read, or null outside one. */
  private asm: AsmBuilder | null = null;
  /** Inside the listing of another -d item (OUT:, OP:, ...), whose 0x lines are not guest code. */
  private inOtherListing = false;
  /** Each vCPU's (thread's) state, by vCPU index. */
  private readonly vcpus = new Map<number, Vcpu>();
  /** The vCPU of the last exec line (a signal or "Stopped execution" line is its). */
  private last: Vcpu | null = null;
  private readonly out: TraceEvent[] = [];
  private outHead = 0;
  private done = false;

  /**
   * @param path an uncompressed QEMU log (see `prepareTrace` for gzip-compressed ones)
   * @param displayName the name errors give the file (default: `path`)
   * @param vcpu the thread to follow: the vCPU index of its exec lines (0: the main thread)
   */
  constructor(path: string, displayName: string = path, private readonly vcpu = 0) {
    this.name = displayName;
    this.lines = new LineReader(path, (n) => this.error(n, `a line of at most 1 MiB`));
  }

  next(): TraceEvent | null {
    while (this.outHead === this.out.length) {
      if (this.done) return null;
      this.out.length = 0;
      this.outHead = 0;
      const line = this.lines.nextLine();
      if (line === null) this.finish();
      else this.line(line);
    }
    const ev = this.out[this.outHead]!;
    this.out[this.outHead++] = undefined as unknown as TraceEvent;
    return ev;
  }

  /** The vCPUs (threads) seen so far, in the order of their first exec line. */
  threadIds(): number[] {
    return [...this.vcpus.keys()];
  }

  close(): void {
    this.lines.close();
    this.done = true;
    this.out.length = 0;
    this.outHead = 0;
  }

  private line(line: string): void {
    const c = line.charCodeAt(0);
    // exec: "Trace 0: 0x7fe520000540 [0000000000000000/0000000000402820/1040c0b3/00000200] sym"
    if (c === 84 /* T */ && line.startsWith('Trace ')) {
      this.endAsm();
      this.inOtherListing = false;
      const m = EXEC_RE.exec(line);
      if (m === null) throw this.error(this.lines.lineNo, 'an exec line "Trace N: HOSTPTR [CSBASE/PC/FLAGS/CFLAGS] SYMBOL"', line);
      const id = m[1] === undefined ? 0 : Number(m[1]);
      let v = this.vcpus.get(id);
      if (v === undefined) this.vcpus.set(id, (v = { id, cur: null, pending: null, pendingLine: 0, sys: null, signalled: false, exited: false }));
      if (v.exited && v.id === this.vcpu)
        throw this.error(this.lines.lineNo, `no exec line of vCPU ${id} after its thread's exit (QEMU gave its index to a later thread: not supported)`, line);
      const fields = m[2]!.split('/');
      const pc = parseAddr(fields.length >= 2 ? fields[1]! : fields[0]!);
      this.commit(v);
      const block = this.blocks.get(pc);
      if (block === undefined)
        throw this.error(this.lines.lineNo, `the in_asm listing of the block at 0x${pc.toString(16)} before its first exec line (record with -d in_asm,exec,nochain,strace)`, line);
      v.pending = block;
      v.pendingLine = this.lines.lineNo;
      this.last = v;
      return;
    }
    // in_asm instruction: "0x00402820:  48 83 c7 08              addq     $8, %rdi"
    if (c === 48 /* 0 */ && line.charCodeAt(1) === 120 /* x */) {
      if (this.asm !== null) {
        this.instruction(line);
        return;
      }
      if (this.inOtherListing && HEXADDR_LINE_RE.test(line)) return;
      throw this.error(this.lines.lineNo, 'an instruction line inside an "IN:" block', line);
    }
    if (line === '' || line.startsWith('----')) {
      this.endAsm();
      this.inOtherListing = false;
      return;
    }
    if (line.startsWith('IN:')) {
      this.endAsm();
      this.inOtherListing = false;
      this.asm = { start: -1, lastAddr: -1, lastText: '', end: -1, count: 0 };
      return;
    }
    // strace: "3096 write(1,0x479004,3) = 3", "3096 Unknown syscall 334", "3096 exit_group(0)"
    if (c >= 48 && c <= 57) {
      const m = STRACE_RE.exec(line);
      if (m !== null) {
        this.endAsm();
        this.strace(m[2] !== undefined ? syscallName(Number(m[2])) : m[3]!, m[2] !== undefined ? Number(m[2]) : syscallNumber(m[3]!));
        return;
      }
      if (STRACE_SIGNAL_RE.test(line)) {
        this.endAsm();
        this.signal();
        return;
      }
    }
    if (line.startsWith('--- ') && line.endsWith(' ---')) {
      // "--- SIGSEGV {si_signo=SIGSEGV, ...} ---": a signal delivered (strace)
      this.endAsm();
      this.signal();
      return;
    }
    if (line.startsWith('Stopped execution of TB chain before')) {
      // The block of the last exec line did not run after all.
      this.endAsm();
      if (this.last !== null) this.last.pending = null;
      return;
    }
    if (line.startsWith(' = ') || line.startsWith('+++ ')) return; // a strace return printed apart; exit notice
    if (OTHER_LISTING_RE.test(line)) {
      this.endAsm();
      this.inOtherListing = true;
      return;
    }
    if (this.inOtherListing || OTHER_LINE_RE.test(line)) return;
    if (this.asm !== null) throw this.error(this.lines.lineNo, 'an instruction line "0xADDR:  BYTES  MNEMONIC OPERANDS" or a blank line ending the block', line);
    throw this.error(this.lines.lineNo, 'an in_asm ("IN:", "0xADDR: ..."), exec ("Trace N: ...") or strace ("PID name(...)") line', line);
  }

  private instruction(line: string): void {
    const m = INSN_RE.exec(line);
    if (m === null) throw this.error(this.lines.lineNo, 'an instruction line "0xADDR:  BYTES  MNEMONIC OPERANDS"', line);
    const addr = parseAddr(m[1]!);
    const rest = m[2]!;
    const b = BYTES_RE.exec(rest);
    if (b === null)
      throw this.error(this.lines.lineNo, 'instruction bytes after the address (a QEMU built with capstone, as Debian\'s)', line);
    const nbytes = (b[1]!.length + 1) / 3;
    const asm = this.asm!;
    if (asm.start === -1) asm.start = addr;
    const text = b[2];
    if (text !== undefined && text.trim() !== '') {
      asm.lastAddr = addr;
      asm.lastText = text;
      asm.count++;
    } else if (asm.count === 0) {
      throw this.error(this.lines.lineNo, 'an instruction line with its mnemonic', line);
    }
    // otherwise: the continuation of a long instruction's bytes
    asm.end = Math.max(asm.end, addr + nbytes);
  }

  private endAsm(): void {
    const asm = this.asm;
    if (asm === null) return;
    this.asm = null;
    if (asm.count === 0) throw this.error(this.lines.lineNo, 'at least one instruction line after "IN:"');
    this.blocks.set(asm.start, { start: asm.start, last: asm.lastAddr, end: asm.end, kind: classify(asm.lastText) });
  }

  /** The exec line `v` read last is final: the transition from its `cur` to it. */
  private commit(v: Vcpu): void {
    const next = v.pending;
    if (next === null) return;
    v.pending = null;
    const cur = v.cur;
    v.cur = next;
    if (cur === null) {
      v.sys = null;
      v.signalled = false;
      return;
    }
    if (cur.kind === KIND_SYSCALL) {
      if (v.sys !== null) {
        this.emitSyscall(v, cur, v.sys, BigInt(next.start), true);
      } else if (!v.signalled) {
        throw this.error(v.pendingLine, `a strace line ("PID name(...)") for the syscall at 0x${cur.last.toString(16)} before the next exec line (record with -d in_asm,exec,nochain,strace)`);
      }
    } else if (!v.signalled && taken(cur, next.start) && v.id === this.vcpu) {
      this.out.push({ kind: 'branch', from: BigInt(cur.last), to: BigInt(next.start) });
    }
    v.sys = null;
    v.signalled = false;
  }

  /** Whose strace line this is: the one thread in a `syscall` block without its line yet. */
  private straceOwner(): Vcpu | null {
    let owner: Vcpu | null = null;
    for (const v of this.vcpus.values()) {
      const b = v.pending ?? v.cur;
      const waiting = v.pending !== null ? b!.kind === KIND_SYSCALL : b !== null && b.kind === KIND_SYSCALL && v.sys === null;
      if (!waiting) continue;
      if (owner !== null) {
        throw this.error(this.lines.lineNo, `a strace line only one thread can own (vCPUs ${owner.id} and ${v.id} both entered a system call without one: not supported)`);
      }
      owner = v;
    }
    return owner;
  }

  private strace(name: string, nr: number): void {
    const v = this.straceOwner();
    // A system call not made by a `syscall` instruction of the traced code (QEMU's vsyscall
    // emulation, a second one before any block ran): no user address to put it at; skipped.
    if (v === null) return;
    this.commit(v);
    const cur = v.cur;
    if (cur === null || cur.kind !== KIND_SYSCALL || v.sys !== null) return;
    if (syscallReturns(name)) {
      v.sys = { name, nr, line: this.lines.lineNo };
    } else {
      this.emitSyscall(v, cur, { name, nr }, BigInt(cur.end), false);
      v.cur = null; // the thread is gone; whatever follows starts afresh
      v.exited = true;
    }
  }

  private signal(): void {
    const v = this.last;
    if (v === null) return;
    this.commit(v);
    v.signalled = true;
  }

  private emitSyscall(v: Vcpu, block: Block, sys: { name: string; nr: number }, resume: bigint, returns: boolean): void {
    if (v.id === this.vcpu) this.out.push({ kind: 'syscall', pc: BigInt(block.last), resume, nr: sys.nr, name: sys.name, returns });
  }

  private finish(): void {
    this.endAsm();
    for (const v of this.vcpus.values()) {
      this.commit(v);
      if (v.cur !== null && v.sys !== null) {
        // The log ends after a system call that returns (the program was killed, or the log cut).
        this.emitSyscall(v, v.cur, v.sys, BigInt(v.cur.end), true);
        v.sys = null;
      }
    }
    this.done = true;
    this.lines.close();
  }

  private error(line: number, expected: string, text?: string): TraceFormatError {
    return new TraceFormatError(this.name, line, 'qemu', expected, text);
  }
}

/** One thread (vCPU) of the log. */
interface Vcpu {
  id: number;
  /** The block executing now (its exec line committed), or null before the first / after exit. */
  cur: Block | null;
  /** The block of the last exec line, not committed yet (a "Stopped execution" line cancels it). */
  pending: Block | null;
  pendingLine: number;
  /** The strace line of `cur`'s syscall, when it returns (its event waits for the resume address). */
  sys: { name: string; nr: number; line: number } | null;
  /** A signal was delivered since `cur` started: the next block is entered by the kernel. */
  signalled: boolean;
  /** Its thread made `exit`: a later exec line of this vCPU is another thread. */
  exited: boolean;
}

interface AsmBuilder {
  start: number;
  lastAddr: number;
  lastText: string;
  end: number;
  count: number;
}
