// Issue 8, reading real traces: the QEMU and perf script readers against a separate, simple
// reading of each fixture, their errors, gzip input and bounded memory.
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { countTrace, openReader, prepareTrace } from '../dist/src/workload/trace/open-trace.js';
import { QemuTraceReader } from '../dist/src/workload/trace/qemu-reader.js';
import { PerfScriptReader } from '../dist/src/workload/trace/perf-script-reader.js';
import { TraceFormatError } from '../dist/src/workload/trace/trace-error.js';
import type { TraceEvent } from '../dist/src/workload/trace/trace-event.js';
import { ConfigError } from '../dist/src/model/errors.js';

import { fixtureText, simpleQemuReading } from './trace-simple-reading.js';

const FIXTURES = new URL('./fixtures/traces/', import.meta.url).pathname;
const QEMU_FIXTURES = ['qemu-tiny.log.gz', 'qemu-loop-static.log.gz', 'qemu-loop-dynamic.log.gz'];
const PERF_FIXTURE = 'perf-script-loop.txt';

const tmp = mkdtempSync(join(tmpdir(), 'btsim-trace-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function readAll(reader: { next(): TraceEvent | null; close(): void }): TraceEvent[] {
  const out: TraceEvent[] = [];
  try {
    for (let e = reader.next(); e !== null; e = reader.next()) out.push(e);
  } finally {
    reader.close();
  }
  return out;
}

async function eventsOf(spec: string): Promise<TraceEvent[]> {
  const p = await prepareTrace(spec);
  try {
    return readAll(openReader(p));
  } finally {
    p.cleanup();
  }
}

describe('QEMU reader on the fixtures', () => {
  for (const name of QEMU_FIXTURES) {
    it(`${name}: counts match a simple reading of the log`, async () => {
      const simple = simpleQemuReading(fixtureText(name));
      const c = await countTrace(`qemu:${join(FIXTURES, name)}`);
      expect(simple.straceLines).toBe(simple.syscalls.length);
      expect(c.branches).toBe(simple.branches);
      expect(c.userBranches).toBe(simple.branches);
      expect(c.kernelBranches).toBe(0);
      expect(c.syscalls).toBe(simple.syscalls.length);
      expect(c.nonReturningSyscalls).toBe(simple.nonReturning);
      expect(c.nonReturningSyscalls).toBe(1);
      expect(c.returningSyscalls).toBe(simple.syscalls.length - simple.nonReturning);
      expect(c.events).toBe(c.branches + c.syscalls);
      expect(c.branches).toBeGreaterThan(0);
    });

    it(`${name}: system calls in strace order, at a syscall instruction, resuming after it`, async () => {
      const text = fixtureText(name);
      const events = await eventsOf(`qemu:${join(FIXTURES, name)}`);
      const sys = events.filter((e): e is Extract<TraceEvent, { kind: 'syscall' }> => e.kind === 'syscall');
      const strace = simpleQemuReading(text).syscalls;
      // "PID Unknown syscall 334" lines give the number (the reader names it from the table)
      expect(sys.map((s, i) => (strace[i]?.startsWith('#') ? `#${s.nr}` : s.name))).toEqual(strace);
      for (const s of sys) {
        expect(text).toMatch(new RegExp(`^0x0*${s.pc.toString(16)}:  0f 05 +syscall`, 'm'));
        expect(s.returns).toBe(s.name !== 'exit' && s.name !== 'exit_group');
        if (s.name === 'write') expect(s.resume).toBe(s.pc + 2n);
        expect(s.nr).toBeGreaterThanOrEqual(0);
      }
      const last = events[events.length - 1]!;
      expect(last.kind).toBe('syscall');
      if (last.kind === 'syscall') {
        expect(last.returns).toBe(false);
        expect(last.resume).toBe(last.pc + 2n);
      }
    });
  }

  it('qemu-tiny: the exact stream of a freestanding program (checked by hand against the log)', async () => {
    const events = await eventsOf(`qemu:${join(FIXTURES, 'qemu-tiny.log.gz')}`);
    const b = events.filter((e) => e.kind === 'branch');
    const s = events.filter((e) => e.kind === 'syscall');
    expect(b.length).toBe(13);
    expect(s.map((e) => e.kind === 'syscall' && `${e.name}/${e.nr}/${e.returns}`)).toEqual([
      'write/1/true', 'write/1/true', 'write/1/true', 'write/1/true', 'exit/60/false',
    ]);
    // `call 1f; 1:` is a taken branch even though it lands on the next instruction...
    const text = fixtureText('qemu-tiny.log.gz');
    const call = /^0x0*([0-9a-f]+):  e8 00 00 00 00 +callq +0x([0-9a-f]+)$/m.exec(text)!;
    expect(b).toContainEqual({ kind: 'branch', from: BigInt('0x' + call[1]), to: BigInt('0x' + call[2]) });
    // ...and re-entering `rep stosb` is none.
    const rep = /^0x0*([0-9a-f]+):  f3 aa +rep stosb/m.exec(text)!;
    const repPc = BigInt('0x' + rep[1]);
    expect(b.some((e) => e.kind === 'branch' && e.to === repPc)).toBe(false);
  });

  it('qemu-loop-static: a signal: kill resumes in the handler, rt_sigreturn back after kill', async () => {
    const text = fixtureText('qemu-loop-static.log.gz');
    const handler = BigInt('0x' + /^IN: on_usr1\n0x([0-9a-f]+):/m.exec(text)![1]);
    const events = await eventsOf(`qemu:${join(FIXTURES, 'qemu-loop-static.log.gz')}`);
    const kill = events.find((e) => e.kind === 'syscall' && e.name === 'kill');
    const sigret = events.find((e) => e.kind === 'syscall' && e.name === 'rt_sigreturn');
    expect(kill && kill.kind === 'syscall' && kill.resume).toBe(handler);
    expect(kill && kill.kind === 'syscall' && sigret && sigret.kind === 'syscall' && sigret.resume).toBe(
      kill && kill.kind === 'syscall' && kill.pc + 2n,
    );
    expect(sigret && sigret.kind === 'syscall' && sigret.nr).toBe(15);
  });
});

describe('perf script reader', () => {
  it('counts match a simple reading of the fixture; kernel-half addresses are kernel branches', async () => {
    const text = fixtureText(PERF_FIXTURE);
    const branchLines = text.split('\n').filter((l) => l.includes(' => '));
    const zero = branchLines.filter((l) => /\s0 \[unknown\]/.test(l) || /=> +0\s/.test(l));
    const kernel = branchLines.filter((l) => !zero.includes(l) && /\bffff[89a-f][0-9a-f]{11}\b/.test(l));
    const c = await countTrace(`perf-script:${join(FIXTURES, PERF_FIXTURE)}`);
    expect(zero.length).toBe(1);
    expect(c.branches).toBe(branchLines.length - zero.length);
    expect(c.kernelBranches).toBe(kernel.length);
    expect(c.userBranches).toBe(c.branches - kernel.length);
    expect(c.kernelBranches).toBeGreaterThan(0);
    expect(c.syscalls).toBe(0);
    expect(c.events).toBe(c.branches);
  });

  it('takes the addresses from every column layout', async () => {
    const events = await eventsOf(`perf-script:${join(FIXTURES, PERF_FIXTURE)}`);
    const pairs = events.map((e) => e.kind === 'branch' && `${e.from.toString(16)}>${e.to.toString(16)}`);
    expect(pairs[0]).toBe('40150b>4028a0');
    expect(pairs).toContain('433fd9>ffffffff81c00000'); // entry: syscall instruction to the kernel
    expect(pairs).toContain('ffffffff81c001a6>433fdb'); // sysret back to user
    expect(pairs).toContain('401620>401700'); // symbol "add" looks like hex
    expect(pairs).toContain('7f3a1c2d9b10>7f3a1c2d9c00'); // C++ symbol with spaces
    expect(pairs).toContain('401704>408a30'); // -F +flags
    expect(pairs).toContain('40171e>401a44'); // -F ip,addr
    expect(pairs).toContain('408f70>408fa0'); // -F comm,tid,ip,sym,dso,addr
    expect(pairs[pairs.length - 1]).toBe('ffffffff81a3b22e>ffffffff8109c7a0');
  });

  it('CRLF line ends and a last line without a newline', () => {
    const f = join(tmp, 'crlf.txt');
    writeFileSync(f, '  a 1 [000] 1.000001: 1 branches: 401000 f+0x0 (/a) => 401010 g+0x0 (/a)\r\n      401020 =>     401030');
    expect(readAll(new PerfScriptReader(f))).toEqual([
      { kind: 'branch', from: 0x401000n, to: 0x401010n },
      { kind: 'branch', from: 0x401020n, to: 0x401030n },
    ]);
  });
});

describe('errors name the file, the line and what was expected', () => {
  const expectFormatError = (fn: () => unknown, file: string, line: number, what: RegExp) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceFormatError);
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as TraceFormatError;
    expect(e.field).toBe('--workload');
    expect(e.line).toBe(line);
    expect(e.message).not.toContain('\n');
    expect(e.message).toContain(file);
    expect(e.message).toContain(`line ${line}:`);
    expect(e.message).toMatch(what);
  };

  it('a perf script file read as a QEMU log', () => {
    const f = join(FIXTURES, PERF_FIXTURE);
    expectFormatError(() => readAll(new QemuTraceReader(f)), f, 1, /expected an in_asm .*exec .*strace/);
  });

  it('a QEMU log read as perf script', async () => {
    const f = join(tmp, 'tiny.log');
    writeFileSync(f, fixtureText('qemu-tiny.log.gz'));
    expectFormatError(() => readAll(new PerfScriptReader(f)), f, 1, /expected a branch sample line .*=>/);
    await expect(countTrace(`perf-script:${f}`)).rejects.toThrow(/line 1: .*expected a branch sample line/);
  });

  it('a gzip-compressed file is named as the user gave it', async () => {
    const f = join(FIXTURES, 'qemu-tiny.log.gz');
    await expect(countTrace(`perf-script:${f}`)).rejects.toThrow(`--workload perf-script:${f}: line 1:`);
  });

  it('garbage in the middle of a QEMU log: the line number of the garbage', () => {
    const lines = fixtureText('qemu-tiny.log.gz').split('\n');
    const at = lines.findIndex((l) => l.startsWith('Trace ')) + 3;
    lines.splice(at, 0, 'this is not a QEMU log line');
    const f = join(tmp, 'garbled.log');
    writeFileSync(f, lines.join('\n'));
    expectFormatError(() => readAll(new QemuTraceReader(f)), f, at + 1, /got "this is not a QEMU log line"/);
  });

  it('binary garbage, read as either format', () => {
    const f = join(tmp, 'garbage.bin');
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) & 0xff;
    writeFileSync(f, bytes);
    expectFormatError(() => readAll(new QemuTraceReader(f)), f, 1, /expected/);
    expectFormatError(() => readAll(new PerfScriptReader(f)), f, 1, /expected/);
  });

  it('a QEMU log without strace: the syscall has no strace line', () => {
    const text = fixtureText('qemu-tiny.log.gz').replace(/^\d+ .*\n/gm, '');
    const f = join(tmp, 'nostrace.log');
    writeFileSync(f, text);
    expect(() => readAll(new QemuTraceReader(f))).toThrow(/expected a strace line .*for the syscall at 0x/);
  });

  it('a perf script line without a target address', () => {
    const f = join(tmp, 'notarget.txt');
    writeFileSync(f, '# header\n      401000 =>     401010\n      401020 => [unknown]\n');
    expectFormatError(() => readAll(new PerfScriptReader(f)), f, 3, /a hex target address after "=>"/);
  });

  it('bad specs: ConfigErrors naming --workload, the value and what is accepted', async () => {
    for (const spec of ['qemu', 'lttng:/x', `qemu:${join(tmp, 'missing.log')}`, 'perf-script:']) {
      const err = await prepareTrace(spec).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe('--workload');
      expect((err as ConfigError).message).toContain(JSON.stringify(spec));
      expect((err as ConfigError).message).toMatch(/qemu:FILE or perf-script:FILE/);
    }
    const corrupt = join(tmp, 'corrupt.gz');
    writeFileSync(corrupt, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(64, 0x55)]));
    await expect(prepareTrace(`qemu:${corrupt}`)).rejects.toThrow(/not valid gzip data/);
  });
});

describe('gzip and plain inputs', () => {
  it('give the same events (QEMU: decompressed fixture; perf script: compressed fixture, any name)', async () => {
    for (const name of ['qemu-tiny.log.gz', 'qemu-loop-static.log.gz']) {
      const plain = join(tmp, name.replace(/\.gz$/, ''));
      writeFileSync(plain, fixtureText(name));
      const a = await eventsOf(`qemu:${join(FIXTURES, name)}`);
      const b = await eventsOf(`qemu:${plain}`);
      expect(a.length).toBeGreaterThan(0);
      expect(b).toEqual(a);
    }
    const gz = join(tmp, 'perf-compressed.txt'); // gzip data under a plain name: found by its magic
    writeFileSync(gz, gzipSync(readFileSync(join(FIXTURES, PERF_FIXTURE))));
    const a = await eventsOf(`perf-script:${join(FIXTURES, PERF_FIXTURE)}`);
    expect(await eventsOf(`perf-script:${gz}`)).toEqual(a);
  });

  it('the decompressed copy is a temporary file that cleanup() deletes; a plain file is read in place', async () => {
    const p = await prepareTrace(`qemu:${join(FIXTURES, 'qemu-tiny.log.gz')}`);
    expect(p.format).toBe('qemu');
    expect(p.path).not.toBe(join(FIXTURES, 'qemu-tiny.log.gz'));
    expect(existsSync(p.path)).toBe(true);
    p.cleanup();
    expect(existsSync(p.path)).toBe(false);
    p.cleanup();
    const q = await prepareTrace(`perf-script:${join(FIXTURES, PERF_FIXTURE)}`);
    expect(q).toMatchObject({ format: 'perf-script', path: join(FIXTURES, PERF_FIXTURE) });
    q.cleanup();
    expect(existsSync(q.path)).toBe(true);
  });
});

describe('bounded memory', () => {
  it('streams a multi-megabyte perf script file with heap growth far below its size', () => {
    const f = join(tmp, 'big.txt');
    const fd = openSync(f, 'w');
    const linesPerChunk = 2000;
    const chunks = 400;
    let size = 0;
    for (let c = 0; c < chunks; c++) {
      let s = '';
      for (let i = 0; i < linesPerChunk; i++) {
        const n = c * linesPerChunk + i;
        const from = 0x401000 + ((n * 16) % 0x10000);
        const kernel = n % 10 === 0;
        s += `            loop    8462 [001]  ${(5432 + n / 1e6).toFixed(6)}:          1    branches: ${(kernel ? 0xffffffff81000000 + n : from).toString(16).padStart(16)} f+0x10 (/tmp/loop) => ${(from + 0x40).toString(16).padStart(16)} g+0x0 (/tmp/loop)\n`;
      }
      size += writeSync(fd, s);
    }
    closeSync(fd);
    expect(size).toBeGreaterThan(80 * 1024 * 1024);

    const mem = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = mem();
    let peak = before;
    let count = 0;
    let kernel = 0;
    const r = new PerfScriptReader(f);
    for (let e = r.next(); e !== null; e = r.next()) {
      count++;
      if (e.kind === 'branch' && e.from >= 0xffff800000000000n) kernel++;
      if ((count & 0x3fff) === 0) peak = Math.max(peak, mem());
    }
    r.close();
    rmSync(f);
    expect(count).toBe(chunks * linesPerChunk);
    expect(kernel).toBe(count / 10);
    // Garbage not yet collected counts too: allow 32 MiB, a fraction of the 80+ MiB file.
    console.log(`bounded memory: ${(size / 2 ** 20).toFixed(0)} MiB file, peak growth ${((peak - before) / 2 ** 20).toFixed(1)} MiB`);
    expect(peak - before).toBeLessThan(32 * 1024 * 1024);
  });
});
