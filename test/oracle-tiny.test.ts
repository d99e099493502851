// The oracle against workloads small enough to compute by hand, and the generator's
// structural invariants (what the view rules rely on).
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../dist/src/model/resolve-config.js';
import { ExpectedStream } from '../dist/src/oracle/expected.js';
import { CpuWorkload } from '../dist/src/workload/cpu-workload.js';
import { newChunk } from '../dist/src/workload/generator.js';
import { EV_ENTRY, EV_KERNEL, EV_RETURN, EV_SWITCH, EV_TYPE_MASK, EV_USER } from '../dist/src/model/event-types.js';
import { EntryKind, PSEUDO_HI, PseudoPc } from '../dist/src/model/constants.js';

const quiet = { syscallRate: 0, exceptionRate: 0, interruptRate: 0, irqsOffRate: 0, migrationRate: 0 };

function count(cfgIn: object, consumer: object): number {
  const cfg = resolveConfig({ ...cfgIn, consumers: [consumer] });
  return ExpectedStream.count(cfg, cfg.consumers[0]!);
}

describe('oracle on hand-computed workloads', () => {
  it('one CPU, one thread, no kernel entries: every branch is a user branch', () => {
    const cfg = { cpus: 1, branches: 100, workload: { ...quiet, threads: 1, timesliceBranches: 100 } };
    expect(count(cfg, { kind: 'cpu-all', target: 0, mode: 'continuous', size: 16 })).toBe(100);
    const s = new ExpectedStream(resolveConfig({ ...cfg, consumers: [{ kind: 'cpu-all', target: 0, mode: 'ring', size: 16 }] }),
      { id: 'x', kind: 'cpu-all', target: 0, mode: 'ring', size: 16 });
    expect(s.ensure()).toBe(true);
    const w = s.batch.words;
    for (let i = 0; i < s.batch.length; i++) {
      expect(w[i * 6 + 1]! < 0x8000, 'user from').toBe(true);
      expect(w[i * 6 + 3]! < 0x8000, 'user to').toBe(true);
    }
  });

  it('two threads in two address spaces on one CPU: one switch_mm marker per timeslice boundary', () => {
    // 4 timeslices of 64: switches at the end of slices 0, 1 and 2, each changing mm.
    const base = { cpus: 1, branches: 256, workload: { ...quiet, threads: 2, addressSpaces: 2, timesliceBranches: 64 } };
    expect(count(base, { kind: 'cpu-all', target: 0, mode: 'continuous', size: 16 })).toBe(256 + 3);
    // Same threads sharing one address space: no marker.
    const shared = { ...base, workload: { ...base.workload, addressSpaces: 1 } };
    expect(count(shared, { kind: 'cpu-all', target: 0, mode: 'continuous', size: 16 })).toBe(256);
    // A thread sees its own two timeslices (thread-all: every branch of its slices, no marker).
    expect(count(base, { kind: 'thread-all', target: 1, mode: 'continuous', size: 16 })).toBe(128);
    expect(count(base, { kind: 'thread-all', target: 2, mode: 'continuous', size: 16 })).toBe(128);
  });

  it('thread-user view of a syscall-only workload: 2 pseudo-records per syscall, none per interrupt', () => {
    const cfg = resolveConfig({
      cpus: 1, branches: 5_000,
      workload: { ...quiet, threads: 1, timesliceBranches: 5_000, syscallRate: 50, kernelPathMean: 4 },
      consumers: [{ kind: 'thread-user', target: 1, mode: 'continuous', size: 16 }],
    });
    // Count by hand from the events.
    const wl = new CpuWorkload(cfg, 0);
    const ch = newChunk(cfg);
    let user = 0, sys = 0;
    while (wl.fill(ch)) {
      for (let i = 0; i < ch.length; i++) {
        const t = ch.type[i]! & EV_TYPE_MASK;
        if (t === EV_USER) user++;
        if (t === EV_ENTRY && ch.kindOrTid[i] === EntryKind.SYSCALL) sys++;
      }
    }
    expect(sys).toBeGreaterThan(100);
    expect(ExpectedStream.count(cfg, cfg.consumers[0]!)).toBe(user + 2 * sys);
  });
});

describe('generator invariants', () => {
  const cfg = resolveConfig({ cpus: 3, branches: 60_000, seed: 5, workload: { timesliceBranches: 1_000, migrationRate: 0.8 } });

  it('entries and returns pair up with the right kinds and PCs; a thread runs on one CPU per timeslice', () => {
    const loads = [0, 1, 2].map((c) => new CpuWorkload(cfg, c));
    const chunks = [0, 1, 2].map(() => newChunk(cfg));
    let epochs = 0;
    for (;;) {
      const more = loads.map((l, c) => l.fill(chunks[c]!));
      if (!more.some(Boolean)) break;
      const tids = chunks.map((c) => c.tid).filter((t) => t !== 0);
      expect(new Set(tids).size, `epoch ${epochs}: a thread on two CPUs`).toBe(tids.length);
      for (const ch of chunks) {
        let inKernel = ch.start !== 0; // slices after the first start in the kernel (the switch path)
        let entryFrom = -1, kind = -1;
        for (let i = 0; i < ch.length; i++) {
          const t = ch.type[i]! & EV_TYPE_MASK;
          const fromK = ch.rec[i * 6 + 1]! >= 0xffff8000;
          const toK = ch.rec[i * 6 + 3]! >= 0xffff8000;
          if (t === EV_USER) { expect(inKernel).toBe(false); expect([fromK, toK]).toEqual([false, false]); }
          if (t === EV_KERNEL || t === EV_SWITCH) { expect(inKernel).toBe(true); expect([fromK, toK]).toEqual([true, true]); }
          if (t === EV_ENTRY) {
            expect(inKernel).toBe(false); expect([fromK, toK]).toEqual([false, true]);
            inKernel = true; entryFrom = ch.rec[i * 6]!; kind = ch.kindOrTid[i]!;
          }
          if (t === EV_RETURN) {
            expect(inKernel).toBe(true); expect([fromK, toK]).toEqual([true, false]);
            inKernel = false;
            if (entryFrom >= 0) {
              expect(ch.kindOrTid[i]).toBe(kind);
              if (kind === EntryKind.SYSCALL) expect(ch.rec[i * 6 + 2]).toBe(entryFrom + 2);
              if (kind === EntryKind.INTERRUPT) expect(ch.rec[i * 6 + 2]).toBe(entryFrom);
            }
            entryFrom = -1;
          }
        }
      }
      epochs++;
    }
    expect(epochs).toBe(60);
  });

  it('pseudo-PCs are non-canonical constants', () => {
    for (const nn of Object.values(PseudoPc)) {
      const v = (BigInt(PSEUDO_HI) << 32n) | BigInt(nn);
      expect(v >> 47n).not.toBe(0n); // not a user address
      expect(v >> 47n).not.toBe((1n << 17n) - 1n); // not a kernel address
    }
  });
});
