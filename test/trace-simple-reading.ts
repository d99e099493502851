// A separate, simple reading of the trace fixtures (whole-text regexes), to check the
// streaming readers and the runs that replay them against figures computed another way.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const FIXTURES = new URL('./fixtures/traces/', import.meta.url).pathname;

export function fixtureText(name: string): string {
  const raw = readFileSync(join(FIXTURES, name));
  return (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('latin1');
}


/**
 * The figures of a QEMU log, read simply over the whole text: the blocks from the "IN:"
 * listings; then, in the order of the exec and strace lines, each exec line whose block does not
 * start where the previous block ends is a taken branch, except after a block ending with
 * `syscall` (that is the strace line's system call), after a signal ("--- SIG"), and when a
 * `rep` string instruction is re-entered; a jmp/call/ret is always one.
 */
export function simpleQemuReading(text: string, vcpu = 0) {
  const blocks = new Map<number, { last: number; end: number; op: string }>();
  for (const m of text.matchAll(/^IN:.*\n((?:0x.*\n)+)/gm)) {
    const insns = [...m[1]!.matchAll(/^0x([0-9a-f]+): +((?:[0-9a-f]{2} )*[0-9a-f]{2})(?: {2,}(\S.*))?$/gm)];
    const last = insns.filter((i) => i[3] !== undefined).pop()!;
    const tail = insns[insns.length - 1]!;
    blocks.set(parseInt(insns[0]![1]!, 16), {
      last: parseInt(last[1]!, 16),
      end: parseInt(tail[1]!, 16) + tail[2]!.split(' ').length,
      op: last[3]!.replace(/^(?:bnd|notrack) /, ''),
    });
  }
  let branches = 0;
  const syscalls: string[] = [];
  // Per thread (the "Trace N:" vCPU): its last block, whether a signal came, whether its syscall has its strace line.
  const threads = new Map<number, { prev: { last: number; end: number; op: string } | null; signalled: boolean; straced: boolean }>();
  let lastThread = 0;
  for (const m of text.matchAll(/^(?:Trace (\d+): \S+ \[[0-9a-f]+\/([0-9a-f]+)\/.*|\d+ (?:Unknown syscall (\d+)|(\w+)\(.*)|(--- SIG.*))$/gm)) {
    if (m[2] !== undefined) {
      const id = Number(m[1]);
      const t = threads.get(id) ?? { prev: null, signalled: false, straced: false };
      threads.set(id, t);
      lastThread = id;
      const start = parseInt(m[2], 16);
      const b = blocks.get(start)!;
      const prev = t.prev;
      if (id === vcpu && prev !== null && !prev.op.startsWith('syscall') && !t.signalled) {
        if (/^(?:jmp|call|ret)/.test(prev.op)) branches++;
        else if (/^rep/.test(prev.op) && start === prev.last) {
          /* another iteration */
        } else if (start !== prev.end) branches++;
      }
      t.prev = b;
      t.signalled = false;
      t.straced = false;
    } else if (m[5] !== undefined) {
      threads.get(lastThread)!.signalled = true;
    } else {
      // A strace line is the thread's whose last block ends with syscall and has no line yet.
      const owner = [...threads.entries()].find(([, t]) => t.prev !== null && t.prev.op.startsWith('syscall') && !t.straced);
      if (!owner) continue;
      owner[1].straced = true;
      const name = m[4] ?? `#${m[3]}`;
      if (owner[0] === vcpu) syscalls.push(name);
      if (name === 'exit' || name === 'exit_group') owner[1].prev = null;
    }
  }
  const nonReturning = syscalls.filter((n) => n === 'exit' || n === 'exit_group').length;
  return { branches, syscalls, nonReturning, threads: [...threads.keys()], straceLines: (text.match(/^\d+ (?:Unknown syscall \d+|\w+\()/gm) ?? []).length };
}
