/** The error raised for a trace file that is not in the format it was named as. */
import { ConfigError } from '../../model/errors.js';

/**
 * A trace file is not in the format it was named as (`--workload qemu:FILE` on a perf script
 * file, garbage, a log made without the needed -d flags, ...). A ConfigError, so the CLI exits 2.
 * The message is one line: `FILE:LINE: ...: expected ...`.
 */
export class TraceFormatError extends ConfigError {
  override name = 'TraceFormatError';
  constructor(
    /** The file read (the path given, or the decompressed temporary file). */
    readonly file: string,
    /** 1-based line number (0 when the problem is not one line's, e.g. a read error). */
    readonly line: number,
    /** The format the file was read as. */
    readonly format: 'qemu' | 'perf-script',
    /** What was expected at that line. */
    readonly expected: string,
    /** The offending line's text, when there is one. */
    readonly text?: string,
  ) {
    super('--workload', `${format}:${file}`, expected);
    const got = text === undefined ? '' : `, got ${JSON.stringify(text.length > 80 ? text.slice(0, 77) + '...' : text)}`;
    this.message = `--workload ${format}:${file}: line ${line}: not a ${FORMAT_NAMES[format]} line: expected ${expected}${got}`;
  }
}

/**
 * A `perf script` file with samples of more than one thread. Each trace is one task, and
 * interleaving several threads into one task would make a program no thread ran; so the
 * file is refused, and the message says how to split it.
 */
export class MixedThreadsError extends TraceFormatError {
  override name = 'MixedThreadsError';
  constructor(file: string, line: number, readonly firstTid: number, readonly tid: number) {
    super(file, line, 'perf-script', `samples of one thread (the first are of thread ${firstTid})`);
    this.message = `--workload perf-script:${file}: line ${line}: a sample of thread ${tid}, after samples of thread ${firstTid}: ` +
      'expected one thread per trace; split the file with perf script --tid=TID, one --workload each';
  }
}

const FORMAT_NAMES = {
  qemu: 'QEMU -d in_asm,exec,nochain,strace log',
  'perf-script': 'perf script branch',
} as const;
