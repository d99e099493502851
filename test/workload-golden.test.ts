// The synthetic workload is a pure function of (config, seed), and its draw order is part of
// it: every figure of every run depends on it. These digests were taken from the generator as
// it was before its store loops moved into epoch-writer.ts; a change to the generator that
// moves a single draw changes them.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../dist/src/model/resolve-config.js';
import { CpuWorkload } from '../dist/src/workload/cpu-workload.js';
import { newChunk } from '../dist/src/workload/generator.js';

const others = [
  { kind: 'thread-user', target: 3, mode: 'continuous', size: 512 },
  { kind: 'thread-all', target: 1, mode: 'continuous', size: 512 },
  { kind: 'cpu-kernel', target: 0, mode: 'ring', size: 256 },
] as const;
const gatedBase = { cpus: 2, branches: 60_000, spares: 64 };

const CASES: { name: string; config: object; events: number; digest: string }[] = [
  { name: 'defaults, 4 CPUs', config: { seed: 3, cpus: 4, branches: 300_000 }, events: 1_200_000, digest: 'd14f2601' },
  {
    name: 'busy kernel, irqs off, short timeslices',
    config: { seed: 77, cpus: 3, branches: 100_000, workload: { threads: 7, syscallRate: 40, exceptionRate: 10, interruptRate: 20, irqsOffRate: 0.3, irqsOffBranches: 7, timesliceBranches: 1000 } },
    events: 300_000, digest: '90df2fe6',
  },
  {
    name: 'an unresponsive gated tracer',
    config: { ...gatedBase, seed: 2, workload: { threads: 4, migrationRate: 0, timesliceBranches: 3_000 }, consumers: [{ kind: 'thread-user', target: 1, mode: 'continuous', size: 300, callbackDelay: 'never' }, ...others] },
    events: 120_000, digest: '340fa6db',
  },
  {
    name: 'a slow gated tracer, migrating threads',
    config: { ...gatedBase, seed: 12345, workload: { threads: 4, timesliceBranches: 3_000 }, consumers: [{ kind: 'thread-user', target: 1, mode: 'continuous', size: 250, callbackDelay: 2 }, ...others] },
    events: 120_000, digest: 'db7e0a37',
  },
  { name: 'idle CPUs', config: { seed: 1, cpus: 5, branches: 50_000, workload: { threads: 2, timesliceBranches: 777 } }, events: 250_000, digest: '836cda3b' },
  { name: '32-bit and 64-bit CPUs', config: { seed: 5, cpus: 2, branches: 40_000, format: [32, 64] }, events: 80_000, digest: '276f2f4e' },
  // Tiny gates, so that threads block in every way the generator knows (found with V8's block
  // coverage of generator.ts and epoch-writer.ts): in an entry's kernel path, at the return of
  // the head, in user mode, in the tail (GATE_TAIL), and too late in the last epoch.
  {
    name: 'gated threads blocking in the body and too late in the last epoch',
    config: {
      seed: 22, cpus: 2, branches: 160, spares: 256,
      workload: { threads: 3, timesliceBranches: 64, syscallRate: 250, interruptRate: 60, exceptionRate: 60, kernelPathMean: 3 },
      consumers: [5, 7, 9].map((size, k) => ({ kind: 'thread-user', target: k + 1, mode: 'continuous', size, callbackDelay: [0, 1, 'never'][k] })),
    },
    events: 320, digest: '8981bcb7',
  },
  {
    name: 'gated threads leaving CPUs idle to the end of their timeslice',
    config: {
      seed: 6, cpus: 2, branches: 213, spares: 256,
      workload: { threads: 5, timesliceBranches: 64, syscallRate: 300, interruptRate: 40, exceptionRate: 40, kernelPathMean: 2 },
      consumers: [4, 5, 6, 4, 5].map((size, k) => ({ kind: 'thread-user', target: k + 1, mode: 'continuous', size, callbackDelay: [0, 1, 0, 1, 'never'][k] })),
    },
    events: 426, digest: '8624dfa5',
  },
  {
    name: 'gated threads whose buffer fills at the entry that switches them out',
    config: {
      seed: 1, cpus: 2, branches: 1_301, spares: 256,
      workload: { threads: 5, timesliceBranches: 64, syscallRate: 300, interruptRate: 40, exceptionRate: 40, kernelPathMean: 2 },
      consumers: [21, 25, 29, 31, 37].map((size, k) => ({ kind: 'thread-user', target: k + 1, mode: 'continuous', size, callbackDelay: [0, 1, 0, 1, 2][k] })),
    },
    events: 2_602, digest: '692d989b',
  },
  { name: 'long kernel paths in 64-branch timeslices', config: { seed: 1, cpus: 2, branches: 20_011, workload: { timesliceBranches: 64, kernelPathMean: 30 } }, events: 40_022, digest: 'd27ddd13' },
];

/** FNV-1a over every field of every epoch the CPUs execute. */
function digest(config: object): { events: number; digest: string } {
  const cfg = resolveConfig(config);
  let h = 0x811c9dc5 | 0;
  let events = 0;
  const mix = (x: number) => { h = Math.imul(h ^ (x | 0), 0x01000193); };
  for (let cpu = 0; cpu < cfg.cpus; cpu++) {
    const wl = new CpuWorkload(cfg, cpu);
    const ch = newChunk(cfg);
    while (wl.fill(ch)) {
      const n = ch.length;
      events += n;
      for (let i = 0; i < n * 6; i++) mix(ch.rec[i]!);
      for (let i = 0; i < n; i++) { mix(ch.type[i]!); mix(ch.kindOrTid[i]!); mix(ch.switchCr3[i]!); mix(ch.switchPendingKind[i]!); }
      for (const v of [ch.length, ch.tid, ch.start, ch.epoch, ch.migratedAfter, ch.ownedEnd, ch.gateRecords, ch.gateBlock, ch.gatePc, ch.gatePcHi, ch.gateKind]) mix(v);
    }
  }
  return { events, digest: (h >>> 0).toString(16) };
}

describe('the synthetic workload, event for event', () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(digest(c.config)).toEqual({ events: c.events, digest: c.digest });
    });
  }
});
