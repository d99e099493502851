/**
 * The QEMU log's grammar.
 *
 * The QEMU log's grammar: the line patterns of each -d item QEMU prints, and how a translated
 * block's last instruction decides whether leaving it is a taken branch (qemu-reader.ts reads
 * the log with these).
 */

export interface Block {
  start: number;
  /** Address of the last instruction. */
  last: number;
  /** One past the last byte of the last instruction: where a fall-through continues. */
  end: number;
  kind: number;
}

const KIND_PLAIN = 0; // falls through unless it jumps (conditional jumps, splits)
const KIND_UNCOND = 1; // jmp, call, ret, ...: always a taken branch
export const KIND_SYSCALL = 2;
const KIND_REP = 3; // rep-prefixed string instruction: re-entering it is no branch

export function taken(from: Block, to: number): boolean {
  switch (from.kind) {
    case KIND_UNCOND:
      return true;
    case KIND_REP:
      return to !== from.end && to !== from.last;
    default:
      return to !== from.end;
  }
}

const PREFIXES = new Set(['lock', 'rep', 'repe', 'repz', 'repne', 'repnz', 'bnd', 'notrack', 'data16', 'addr32', 'xacquire', 'xrelease']);
const UNCOND_RE = /^(?:l?jmp|l?call|l?ret|iret|sysret|sysexit)[wlq]?$/;
const STRING_RE = /^(?:movs|stos|cmps|scas|lods|ins|outs)[bwlq]?$/;

/** The kind of a block from its last instruction's text ("callq    0x4027e0", "rep stosq ..."). */
export function classify(text: string): number {
  const words = text.trim().split(/\s+/);
  let i = 0;
  let rep = false;
  while (i < words.length - 1 && PREFIXES.has(words[i]!)) {
    if (words[i]!.startsWith('rep')) rep = true;
    i++;
  }
  const op = words[i]!;
  if (op === 'syscall') return KIND_SYSCALL;
  if (UNCOND_RE.test(op)) return KIND_UNCOND;
  if (rep && STRING_RE.test(op)) return KIND_REP;
  return KIND_PLAIN;
}

export function parseAddr(hex: string): number {
  const v = parseInt(hex, 16);
  if (!(v <= Number.MAX_SAFE_INTEGER)) throw new RangeError(`address 0x${hex} out of range`);
  return v;
}

/** "Trace 0: 0xHOST [cs_base/pc/flags/cflags] sym" (QEMU 5-8), "Trace 0xHOST [pc] sym" (older). */
export const EXEC_RE = /^Trace (?:(\d+): )?\S+ \[([0-9a-fA-F]+(?:\/[0-9a-fA-F]+)*)\]/;
/** "0x00402820:  rest" */
export const INSN_RE = /^0x([0-9a-fA-F]+):\s+(.*)$/;
/** The bytes column ("48 83 c7 08"), then (after two spaces or more) the instruction, if any. */
export const BYTES_RE = /^((?:[0-9a-f]{2} )*[0-9a-f]{2})(?:\s{2,}(.*))?\s*$/;
/** "PID name(args) = ret", "PID Unknown syscall NR" */
export const STRACE_RE = /^(\d+) (?:Unknown syscall (\d+)|([a-z_][a-z0-9_]*)\()/;
/** "PID --- SIGSEGV {...} ---" (some versions put the pid first) */
export const STRACE_SIGNAL_RE = /^\d+ --- .* ---$/;
/** Headers of other -d items' listings, whose "0x..." lines are host code or ops. */
export const OTHER_LISTING_RE = /^(?:OUT:|OUT: \[|OP:|OP after|OBJD-[HT]:|PROLOGUE:|IN: PROLOGUE|Disassembler disagrees|host mmap_min_addr|guest_base|start\s+end\s+size\s+prot)/;
/** Other lines QEMU's -d items print (cpu state, page layout, notices). */
export const OTHER_LINE_RE =
  /^(?:[A-Z][A-Z0-9 ]{1,4}=|[0-9a-f]+-[0-9a-f]+ [0-9a-f]+ [-r][-w][-x]|(?:start_brk|end_code|start_code|start_data|end_data|start_stack|brk|entry|argv_start|env_start|auxv_start|page layout changed|Linking TBs|Chained|cpu_loop_exit|invalid|qemu:)\b)/;
export const HEXADDR_LINE_RE = /^0x[0-9a-fA-F]+:/;
