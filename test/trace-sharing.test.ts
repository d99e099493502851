// Issue 18: real programs' traces sharing CPUs (timeslices, context switches with switch_mm,
// migrations), checked against the traces themselves and against each trace run alone.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDump, type DumpRecord } from '../dist/src/consumers/dump.js';
import { PSEUDO_HI, PseudoPc } from '../dist/src/model/constants.js';
import { expectAccountingHolds, run } from './helpers.js';
import { FIXTURES, fixtureText, simpleQemuReading } from './trace-simple-reading.js';

const KERNEL_HALF = 0xffff_8000_0000_0000n;
const TRACES = [
  `qemu:${join(FIXTURES, 'qemu-loop-static.log.gz')}`,
  `qemu:${join(FIXTURES, 'qemu-tiny.log.gz')}`,
  `perf-script:${join(FIXTURES, 'perf-script-loop.txt')}`,
];
const isPseudo = (r: DumpRecord) => r.from >> 32n === BigInt(PSEUDO_HI);
const key = (r: DumpRecord) => `${r.from}:${r.to}`;
const userToUser = (r: DumpRecord) => !isPseudo(r) && r.from < KERNEL_HALF && r.to < KERNEL_HALF && r.to >> 32n !== BigInt(PSEUDO_HI);

/** The thread-user count a trace implies, read separately from the trace text. */
function userCount(spec: string): number {
  const name = spec.slice(spec.lastIndexOf('/') + 1);
  if (spec.startsWith('qemu:')) {
    const s = simpleQemuReading(fixtureText(name));
    return s.branches + 2 * (s.syscalls.length - s.nonReturning) + s.nonReturning;
  }
  const hex = /^[0-9a-f]{6,16}$/;
  return fixtureText(name).split('\n').filter((l) => l.includes('=>') && !l.startsWith('#')).filter((l) => {
    const [left, right] = l.split('=>');
    const f = left!.trim().split(/\s+/).filter((t) => hex.test(t)).pop();
    const t = right!.trim().split(/\s+/).find((x) => hex.test(x));
    return f && t && BigInt('0x' + f) < KERNEL_HALF && BigInt('0x' + t) < KERNEL_HALF;
  }).length;
}

/** Is `small` a subsequence of `big` (greedy, in order)? Returns the records of `big` left over. */
function extrasIfSubsequence(small: DumpRecord[], big: DumpRecord[]): DumpRecord[] | null {
  const extras: DumpRecord[] = [];
  let k = 0;
  for (const r of big) {
    if (k < small.length && key(small[k]!) === key(r) && small[k]!.flags === r.flags) k++;
    else extras.push(r);
  }
  return k === small.length ? extras : null;
}

describe('three traces (two QEMU, one perf script) sharing 2 CPUs', () => {
  it('every per-thread stream is its trace: thread-user as alone, thread-all and thread-kernel its trace with the preemptions; cpu-all shows each switch with its switch_mm', async () => {
    const aloneDir = mkdtempSync(join(tmpdir(), 'btsim-alone-'));
    const sharedDir = mkdtempSync(join(tmpdir(), 'btsim-shared-'));
    // Alone: a CPU each, nobody moves, so no trace is ever preempted.
    const alone = await run({ traces: TRACES, cpus: 3, workload: { migrationRate: 0 } }, { dumpDir: aloneDir });
    expectAccountingHolds(alone);
    const shared = await run({ traces: TRACES, cpus: 2, workload: { timesliceBranches: 64, migrationRate: 0.5 } }, { dumpDir: sharedDir });
    expectAccountingHolds(shared);
    const get = (r: typeof shared, id: string) => r.consumers.find((c) => c.id === id)!;
    const sets: Set<string>[] = [];
    for (let t = 1; t <= TRACES.length; t++) {
      expect(get(shared, `tid${t}-user`).expected).toBe(userCount(TRACES[t - 1]!));
      expect(get(shared, `tid${t}-user`).delivered).toBe(get(shared, `tid${t}-user`).expected);
      const userAlone = readDump(join(aloneDir, `tid${t}-user.bts`));
      const userShared = readDump(join(sharedDir, `tid${t}-user.bts`));
      expect(userShared.map(key)).toEqual(userAlone.map(key));
      for (const view of ['all', 'kernel']) {
        const a = readDump(join(aloneDir, `tid${t}-${view}.bts`));
        const s = readDump(join(sharedDir, `tid${t}-${view}.bts`));
        const extras = extrasIfSubsequence(a, s);
        expect(extras, `tid${t}-${view}: the trace alone is in order within the shared stream`).not.toBeNull();
        // What sharing adds is the scheduler's: timer interrupts' kernel paths and switches, never user code.
        expect(extras!.filter(userToUser)).toEqual([]);
        // Longer than a timeslice: preempted at least once.
        if (view === 'all' && a.length > 64) expect(extras!.length).toBeGreaterThan(0);
      }
      sets[t] = new Set(readDump(join(sharedDir, `tid${t}-all.bts`)).filter(userToUser).map(key));
    }
    // cpu-all: after each switch_mm (cr3 = (mm + 1) * 0x1000, mm = tid - 1) every user record is that task's.
    const cpusOf = new Map<number, Set<number>>();
    for (let c = 0; c < 2; c++) {
      let tid = 0;
      let mms = 0;
      for (const r of readDump(join(sharedDir, `cpu${c}-all.bts`))) {
        if (isPseudo(r) && (r.from & 0xffff_ffffn) === BigInt(PseudoPc.SWITCH_MM)) {
          tid = Number(r.to) / 0x1000;
          mms++;
          continue;
        }
        if (!userToUser(r)) continue;
        if (tid === 0) tid = [1, 2, 3].find((t) => sets[t]!.has(key(r)))!;
        expect(sets[tid]!.has(key(r)), `cpu${c}: ${key(r)} after the switch_mm to tid ${tid}`).toBe(true);
        if (!cpusOf.has(tid)) cpusOf.set(tid, new Set());
        cpusOf.get(tid)!.add(c);
      }
      expect(mms).toBeGreaterThan(0);
    }
    // Migrations: some trace ran user code on both CPUs.
    expect([...cpusOf.values()].some((s) => s.size === 2)).toBe(true);
  });
});

describe('a trace beside synthetic threads (workload.syntheticThreads)', () => {
  it('the real program under load: its thread-user stream as alone, every stream exact, switch_mm into every address space', async () => {
    const trace = TRACES[0]!;
    const aloneDir = mkdtempSync(join(tmpdir(), 'btsim-alone-'));
    const loadedDir = mkdtempSync(join(tmpdir(), 'btsim-loaded-'));
    const alone = await run({ traces: [trace], workload: { migrationRate: 0 } }, { dumpDir: aloneDir });
    expectAccountingHolds(alone);
    const loaded = await run({ traces: [trace], cpus: 2, workload: { timesliceBranches: 256, migrationRate: 0.5, syntheticThreads: 3 } }, { dumpDir: loadedDir });
    expectAccountingHolds(loaded);
    // The trace is tid 1; the synthetic threads tids 2-4, each with the default consumers.
    expect(loaded.consumers.map((c) => c.id)).toEqual(expect.arrayContaining(['tid1-user', 'tid2-user', 'tid4-all', 'cpu1-all']));
    const user = loaded.consumers.find((c) => c.id === 'tid1-user')!;
    expect(user.expected).toBe(userCount(trace));
    expect(readDump(join(loadedDir, 'tid1-user.bts')).map(key)).toEqual(readDump(join(aloneDir, 'tid1-user.bts')).map(key));
    const extras = extrasIfSubsequence(readDump(join(aloneDir, 'tid1-all.bts')), readDump(join(loadedDir, 'tid1-all.bts')));
    expect(extras).not.toBeNull();
    expect(extras!.filter(userToUser)).toEqual([]);
    for (let t = 2; t <= 4; t++) expect(loaded.consumers.find((c) => c.id === `tid${t}-user`)!.delivered).toBeGreaterThan(0);
    // Address spaces: the trace's (mm 0) and the synthetic threads' two (mm 1, 2).
    const cr3s = new Set<bigint>();
    for (let c = 0; c < 2; c++) {
      for (const r of readDump(join(loadedDir, `cpu${c}-all.bts`))) {
        if (isPseudo(r) && (r.from & 0xffff_ffffn) === BigInt(PseudoPc.SWITCH_MM)) cr3s.add(r.to);
      }
    }
    expect([...cr3s].sort((a, b) => (a < b ? -1 : 1))).toEqual([0x1000n, 0x2000n, 0x3000n]);
  });
});
