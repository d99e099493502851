/** The `perf script` branch-sample reader (the layouts it accepts are on the class). */
import { LineReader } from './line-reader.js';
import { MixedThreadsError, TraceFormatError } from './trace-error.js';
import type { TraceEvent, TraceReader } from './trace-event.js';

/**
 * Reads the text `perf script` prints for branch samples (`perf record -e intel_bts//` or
 * `-e branches:u -c 1`, then `perf script`): one line per taken branch, the source and the
 * target address separated by `=>`, with whichever of perf script's columns were asked for
 * around them. The default layout (perf's builtin-script.c: comm `%16s`, tid `%7d`, cpu
 * `[%03d]`, time `%12s:`, period `%10u`, event name `NAME:`, optional flags `  %-21s`, then
 * the ip `%16x`, ` sym+0xoff`, ` (dso)`, ` => `, and the address the same way):
 *
 * ```
 *               ls  1234 [001]  5432.123456:          1 branches:u:      7f1234567890 _dl_start+0x10 (/lib/ld.so) =>     7f1234567000 _dl_start_user+0x0 (/lib/ld.so)
 *               ls  1234 [001]  5432.123457:          1 branches:   ffffffff81a00010 entry_SYSCALL_64+0x10 ([kernel.kallsyms]) => ffffffff81a00040 ...
 *     7f1234567890 =>     7f1234567000                       (perf script -F ip,addr)
 * ```
 *
 * Every such line is one `branch` event (addresses in the kernel half are kernel branches; no
 * system call events can be derived). The source address is the first hex column after the
 * last column ending with ":" (the time or the event name); with neither, the hex column just
 * before the symbol (`sym+0x...`, `[unknown]`, `(dso)`) or the last one. The target is the
 * first column after `=>`. Lines whose source or target is 0 (the trace begin / end markers of
 * Intel PT decoding) are skipped. Blank lines, `#` comments and side-band event lines
 * (`PERF_RECORD_MMAP2 ...`, from --show-mmap-events and the like) are skipped; any other line
 * is a TraceFormatError. Not supported: callchains printed under the sample (-G off), srcline
 * and brstack columns.
 *
 * A trace is one thread: where the thread can be told (the column just before `[CPU]`, or
 * before the time when there is no CPU column; `PID/TID` as well), a sample of another
 * thread than the first is refused (MixedThreadsError). Without either column (`-F ip,addr`)
 * the file is taken as one thread.
 */
export class PerfScriptReader implements TraceReader {
  private readonly lines: LineReader;
  private readonly name: string;
  private done = false;
  /** The thread of the first sample that names one. */
  private tid: number | null = null;

  /**
   * @param path an uncompressed `perf script` output (see `prepareTrace` for gzip-compressed ones)
   * @param displayName the name errors give the file (default: `path`)
   */
  constructor(path: string, displayName: string = path) {
    this.name = displayName;
    this.lines = new LineReader(path, (n) => this.error(n, 'a line of at most 1 MiB'));
  }

  next(): TraceEvent | null {
    while (!this.done) {
      const line = this.lines.nextLine();
      if (line === null) {
        this.close();
        return null;
      }
      const arrow = line.indexOf('=>');
      if (arrow === -1) {
        const t = line.trimStart();
        if (t === '' || t.startsWith('#') || SIDEBAND_RE.test(t)) continue;
        throw this.error(this.lines.lineNo, 'a branch sample line "[COMM TID [CPU] TIME: PERIOD EVENT:] FROM [SYM] [(DSO)] => TO [SYM] [(DSO)]"', line);
      }
      const tid = sampleTid(line.slice(0, arrow));
      if (tid !== null) {
        if (this.tid === null) this.tid = tid;
        else if (tid !== this.tid) throw new MixedThreadsError(this.name, this.lines.lineNo, this.tid, tid);
      }
      const from = sourceAddress(line.slice(0, arrow));
      const to = targetAddress(line.slice(arrow + 2));
      if (from === null || to === null)
        throw this.error(this.lines.lineNo, `a hex ${from === null ? 'source' : 'target'} address ${from === null ? 'before' : 'after'} "=>"`, line);
      if (from === 0n || to === 0n) continue;
      return { kind: 'branch', from, to };
    }
    return null;
  }

  close(): void {
    this.done = true;
    this.lines.close();
  }

  private error(line: number, expected: string, text?: string): TraceFormatError {
    return new TraceFormatError(this.name, line, 'perf-script', expected, text);
  }
}

const HEX_RE = /^(?:0x)?[0-9a-fA-F]{1,16}$/;
const CPU_RE = /^\[\d+\]$/;
const SIDEBAND_RE = /(?:^|\s)PERF_RECORD_[A-Z0-9_]+/;

function hex(tok: string): bigint {
  return BigInt(tok.startsWith('0x') ? tok : '0x' + tok);
}

function isSymbolish(tok: string): boolean {
  return tok.includes('+0x') || tok.startsWith('(') || (tok.startsWith('[') && !CPU_RE.test(tok));
}

const TIME_RE = /^\d+\.\d+:$/;
const TID_RE = /^(?:\d+\/)?(\d+)$/;

/** The thread of a sample line (the text before "=>"), or null when it has no such column. */
function sampleTid(left: string): number | null {
  const toks = left.trim().split(/\s+/);
  let anchor = toks.findIndex((t) => CPU_RE.test(t));
  if (anchor === -1) anchor = toks.findIndex((t) => TIME_RE.test(t));
  const m = anchor > 0 ? TID_RE.exec(toks[anchor - 1]!) : null;
  return m ? Number(m[1]) : null;
}

/** The source address in the text before "=>", or null when there is none. */
function sourceAddress(left: string): bigint | null {
  const toks = left.trim().split(/\s+/);
  let start = 0;
  for (let i = 0; i < toks.length; i++) if (toks[i]!.endsWith(':')) start = i + 1;
  if (start > 0) {
    for (let i = start; i < toks.length; i++) if (HEX_RE.test(toks[i]!)) return hex(toks[i]!);
    return null;
  }
  // No time or event column: the hex column just before the symbol, else the last hex column.
  let last = -1;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (isSymbolish(t)) {
      if (i > 0 && HEX_RE.test(toks[i - 1]!)) return hex(toks[i - 1]!);
      break;
    }
    if (HEX_RE.test(t)) last = i;
  }
  return last === -1 ? null : hex(toks[last]!);
}

/** The target address: the first column after "=>". */
function targetAddress(right: string): bigint | null {
  const m = /^\s*(\S+)/.exec(right);
  if (m === null || !HEX_RE.test(m[1]!)) return null;
  return hex(m[1]!);
}
