/**
 * Opening a `--workload` trace: its spec parsed (`FORMAT:FILE`), a gzip file unpacked to a
 * temporary file for the synchronous readers, the right reader opened, and whole-trace counts.
 */
import { createReadStream, createWriteStream, closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ConfigError } from '../../model/errors.js';
import { PerfScriptReader } from './perf-script-reader.js';
import { QemuTraceReader } from './qemu-reader.js';
import { isKernelAddress } from './trace-event.js';

export type TraceFormat = 'qemu' | 'perf-script';

/** A trace ready to be read synchronously: `path` is an uncompressed file. */
export interface PreparedTrace {
  format: TraceFormat;
  /** The uncompressed file to read (the file given, or a temporary decompressed copy). */
  path: string;
  /** Deletes the temporary copy, if any (idempotent; also done at process exit). */
  cleanup(): void;
  /** The file as the user named it (for messages); equals `path` when it was not compressed. */
  source?: string;
}

/** Counts over a whole trace (`countTrace`). */
export interface TraceCounts {
  /** `branch` events. */
  branches: number;
  /** Branches with both addresses in the user half. */
  userBranches: number;
  /** Branches with an address in the kernel half (kernel to kernel, entries, returns). */
  kernelBranches: number;
  /** `syscall` events. */
  syscalls: number;
  returningSyscalls: number;
  /** exit and exit_group. */
  nonReturningSyscalls: number;
  /** All events: branches + syscalls. */
  events: number;
}

const ACCEPTED = 'qemu:FILE or perf-script:FILE, FILE an existing trace file (plain or gzip-compressed)';

/**
 * A compressed trace is unpacked into a temporary file (the readers are synchronous and each
 * actor reads its own copy): past this size it would fill the temporary directory. An
 * uncompressed trace is read where it is, whatever its size.
 */
export const MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024;

export interface PrepareOptions {
  /** Stop unpacking at once (the temporary file is removed); the promise rejects with an AbortError. */
  signal?: AbortSignal;
  /** Default MAX_UNPACKED_BYTES. */
  maxUnpackedBytes?: number;
}

/** Temporary directories not cleaned up yet, removed at exit whatever happens. */
const pendingTemps = new Set<string>();
let exitHookInstalled = false;

function removeTemp(dir: string): void {
  if (!pendingTemps.delete(dir)) return;
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

/**
 * Checks a `--workload` trace spec (`qemu:FILE` or `perf-script:FILE`) and makes the file
 * readable by the synchronous readers: a gzip-compressed file (recognised by its magic bytes,
 * whatever its name) is decompressed by streaming into a temporary file. Bad specs, missing
 * files and corrupt gzip data are ConfigErrors naming `--workload`.
 */
export async function prepareTrace(spec: string, opts: PrepareOptions = {}): Promise<PreparedTrace> {
  const m = /^(qemu|perf-script):(.+)$/.exec(spec);
  if (m === null) throw new ConfigError('--workload', spec, ACCEPTED);
  const format = m[1] as TraceFormat;
  const file = m[2]!;
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) throw new ConfigError('--workload', spec, `${ACCEPTED}; ${JSON.stringify(file)} is not an existing file`);
  let magic: Buffer;
  try {
    magic = readHead(file, 2);
  } catch (e) {
    throw new ConfigError('--workload', spec, `${ACCEPTED}; ${JSON.stringify(file)} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (magic.length < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) {
    return { format, path: file, cleanup: () => {}, source: file };
  }
  const dir = mkdtempSync(join(tmpdir(), 'btsim-trace-'));
  pendingTemps.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const d of [...pendingTemps]) removeTemp(d);
    });
  }
  const path = join(dir, 'trace');
  const max = opts.maxUnpackedBytes ?? MAX_UNPACKED_BYTES;
  let unpacked = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      unpacked += chunk.length;
      if (unpacked > max) done(new TooLarge());
      else done(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(file), createGunzip(), cap, createWriteStream(path), { signal: opts.signal });
  } catch (e) {
    removeTemp(dir);
    if ((e as Error).name === 'AbortError') throw e;
    if (e instanceof TooLarge) {
      throw new ConfigError('--workload', spec, `a compressed trace that unpacks to at most ${fmtBytes(max)} (it unpacks to more; give it uncompressed: an uncompressed trace is read in place, whatever its size)`);
    }
    throw new ConfigError('--workload', spec, `${ACCEPTED}; ${JSON.stringify(file)} is not valid gzip data (${(e as Error).message})`);
  }
  return { format, path, cleanup: () => removeTemp(dir), source: file };
}

class TooLarge extends Error {}

function fmtBytes(n: number): string {
  return n >= 1024 * 1024 * 1024 ? `${n / 1024 / 1024 / 1024} GiB` : n >= 1024 * 1024 ? `${n / 1024 / 1024} MiB` : `${n} bytes`;
}

function readHead(file: string, n: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** The synchronous reader for a prepared trace (its errors name the file as the user gave it). */
export function openReader(prepared: PreparedTrace): QemuTraceReader | PerfScriptReader {
  const name = prepared.source ?? prepared.path;
  return prepared.format === 'qemu' ? new QemuTraceReader(prepared.path, name) : new PerfScriptReader(prepared.path, name);
}

/** Streams a whole trace once (`qemu:FILE` or `perf-script:FILE`) and counts its events. */
export async function countTrace(spec: string): Promise<TraceCounts> {
  const prepared = await prepareTrace(spec);
  try {
    const reader = openReader(prepared);
    try {
      const c: TraceCounts = { branches: 0, userBranches: 0, kernelBranches: 0, syscalls: 0, returningSyscalls: 0, nonReturningSyscalls: 0, events: 0 };
      for (let ev = reader.next(); ev !== null; ev = reader.next()) {
        c.events++;
        if (ev.kind === 'branch') {
          c.branches++;
          if (isKernelAddress(ev.from) || isKernelAddress(ev.to)) c.kernelBranches++;
          else c.userBranches++;
        } else {
          c.syscalls++;
          if (ev.returns) c.returningSyscalls++;
          else c.nonReturningSyscalls++;
        }
      }
      return c;
    } finally {
      reader.close();
    }
  } finally {
    prepared.cleanup();
  }
}
