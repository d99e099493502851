// The oracle's view rules reproduce test/fixtures/views.json (docs/domain-model.md §3) record for record.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EntryKind, PSEUDO_HI, PseudoPc } from '../dist/src/model/constants.js';
import { EV_ENTRY, EV_KERNEL, EV_RETURN, EV_SWITCH, EV_USER } from '../dist/src/model/event-types.js';
import { EventChunk } from '../dist/src/workload/events.js';
import { applyView, inScope, RecordList } from '../dist/src/oracle/views.js';
import type { ConsumerKind } from '../dist/src/model/config.js';

const vectorsPath = new URL('./fixtures/views.json', import.meta.url);
const V = JSON.parse(readFileSync(vectorsPath, 'utf8'));

const hex = (s: string) => BigInt(s);
const lo = (b: bigint) => Number(b & 0xffffffffn);
const hi = (b: bigint) => Number(b >> 32n);

function entryKind(name: string): number {
  if (name === 'SYSCALL') return EntryKind.SYSCALL;
  const m = /^EXC\((\d+)\)$/.exec(name);
  if (m) return EntryKind.EXCEPTION_BASE + Number(m[1]);
  throw new Error(name);
}

/** Split the vector's events into per-thread chunks, tracking each thread's pending entry kind. */
function chunks(): EventChunk[] {
  const out: EventChunk[] = [];
  let cur = new EventChunk(64);
  cur.tid = V.initialThread;
  // Thread 2 was preempted by an interrupt before the trace began.
  const pending: Record<number, number> = { 2: EntryKind.INTERRUPT };
  let loadedCr3 = hex(V.threads[String(V.initialThread)].cr3);
  for (const ev of V.events) {
    const i = cur.length++;
    const f = hex(ev.from), t = hex(ev.to);
    cur.rec.set([lo(f), hi(f), lo(t), hi(t), 0, 0], i * 6);
    switch (ev.type) {
      case 'user-branch': cur.type[i] = EV_USER; break;
      case 'kernel-branch': cur.type[i] = EV_KERNEL; break;
      case 'syscall': case 'exception':
        cur.type[i] = EV_ENTRY; cur.kindOrTid[i] = entryKind(ev.entry); pending[cur.tid] = cur.kindOrTid[i]!; break;
      case 'interrupt':
        cur.type[i] = EV_ENTRY; cur.kindOrTid[i] = EntryKind.INTERRUPT; pending[cur.tid] = EntryKind.INTERRUPT; break;
      case 'return-to-user':
        cur.type[i] = EV_RETURN; cur.kindOrTid[i] = pending[cur.tid]!; break;
      case 'context-switch': {
        cur.type[i] = EV_SWITCH;
        cur.kindOrTid[i] = ev.next;
        const cr3 = hex(V.threads[String(ev.next)].cr3);
        cur.switchCr3[i] = cr3 !== loadedCr3 ? Number(cr3) : 0;
        loadedCr3 = cr3;
        out.push(cur);
        const next = new EventChunk(64);
        next.tid = ev.next;
        cur = next;
        break;
      }
      default: throw new Error(ev.type);
    }
  }
  out.push(cur);
  return out;
}

function render(list: RecordList): unknown[] {
  const res: unknown[] = [];
  for (let k = 0; k < list.length; k++) {
    const w = list.words.subarray(k * 6, k * 6 + 6);
    if (w[5] === 1 << 30) {
      expect(w[0]).toBe(PseudoPc.SWITCH_MM);
      expect(w[1]).toBe(PSEUDO_HI);
      res.push({ annotation: 'switch_mm', cr3: '0x' + w[2]!.toString(16) });
      continue;
    }
    res.push([addr(w[0]!, w[1]!), addr(w[2]!, w[3]!)]);
  }
  return res;
}

function addr(l: number, h: number): string {
  if (h === PSEUDO_HI) {
    if (l === PseudoPc.USER) return 'USER';
    if (l === PseudoPc.SYSCALL) return 'SYSCALL';
    if (l >= PseudoPc.EXCEPTION_BASE && l < PseudoPc.EXCEPTION_BASE + 32) return `EXC(${l - PseudoPc.EXCEPTION_BASE})`;
  }
  return '0x' + ((BigInt(h) << 32n) | BigInt(l)).toString(16);
}

function view(kind: ConsumerKind, target: number, userPc: 'hide' | 'show'): unknown[] {
  const out = new RecordList(8);
  for (const c of chunks()) {
    if (inScope(kind, target, 0, c)) applyView(kind, c, 0, c.length, { userPc }, out);
  }
  return render(out);
}

function parseName(name: string): [ConsumerKind, number] {
  const [kind, t] = name.split(' ');
  return [kind as ConsumerKind, Number(t!.replace('cpu', ''))];
}

describe('views.json vectors', () => {
  for (const [section, userPc] of [
    ['views, user PC hidden in kernel-only views', 'hide'],
    ['views, user PC shown in kernel-only views', 'show'],
  ] as const) {
    for (const [name, want] of Object.entries(V[section])) {
      it(`${name} (${userPc})`, () => {
        const [kind, target] = parseName(name);
        expect(view(kind, target, userPc)).toEqual(want);
      });
    }
  }
});
