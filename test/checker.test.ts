// The checker finds each kind of violation in a doctored stream (so a clean run means something).
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../dist/src/model/resolve-config.js';
import type { ConsumerSpec } from '../dist/src/model/config.js';
import { ExpectedStream, expectedTail } from '../dist/src/oracle/expected.js';
import { StreamChecker, checkRing } from '../dist/src/oracle/checker.js';
import { Flags, LossCause, PSEUDO_HI, PseudoPc } from '../dist/src/model/constants.js';

const cfg = resolveConfig({ cpus: 2, branches: 3_000, workload: { threads: 3, timesliceBranches: 500, syscallRate: 40 } });

function expectedRecords(spec: ConsumerSpec): number[][] {
  const s = new ExpectedStream(cfg, spec);
  const out: number[][] = [];
  while (s.ensure()) {
    for (; s.pos < s.batch.length; s.pos++) out.push([...s.batch.words.subarray(s.pos * 6, s.pos * 6 + 6)]);
  }
  return out;
}

function check(spec: ConsumerSpec, recs: number[][]) {
  const c = new StreamChecker(cfg, spec);
  c.feed(new Uint32Array(recs.flat()), 0, recs.length);
  return c.finish();
}

const marker = (n: number) => [PseudoPc.LOSS, PSEUDO_HI, n, 0, LossCause['no-spare-buffer'], Flags.LOSS_HI];
const cpuAll: ConsumerSpec = { id: 'a', kind: 'cpu-all', target: 0, mode: 'continuous', size: 64 };
const user1: ConsumerSpec = { id: 'u', kind: 'thread-user', target: 1, mode: 'continuous', size: 64 };

describe('checker', () => {
  const exp = expectedRecords(cpuAll);

  it('accepts the exact stream', () => {
    const r = check(cpuAll, exp);
    expect(r.matched).toBe(exp.length);
    expect(Object.values(r.violations).every((v) => v === 0)).toBe(true);
  });
  it('a marked gap is loss, an unmarked one silent loss', () => {
    const marked = check(cpuAll, [...exp.slice(0, 100), marker(10), ...exp.slice(110)]);
    expect(marked.lost).toEqual({ 'no-spare-buffer': 10 });
    expect(marked.violations.silentLoss).toBe(0);
    const silent = check(cpuAll, [...exp.slice(0, 100), ...exp.slice(110)]);
    expect(silent.violations.silentLoss).toBe(10);
    const tail = check(cpuAll, exp.slice(0, -5));
    expect(tail.violations.silentLoss).toBe(5);
  });
  it('finds duplicates, reordering and torn records', () => {
    expect(check(cpuAll, [...exp.slice(0, 50), exp[49]!, ...exp.slice(50)]).violations.duplicates).toBe(1);
    const swapped = exp.slice();
    [swapped[60], swapped[61]] = [swapped[61]!, swapped[60]!];
    expect(check(cpuAll, swapped).violations.reordered).toBe(1);
    const torn = exp.slice();
    torn[70] = [...exp[70]!.slice(0, 2), ...exp[300]!.slice(2)];
    expect(check(cpuAll, torn).violations.torn).toBe(1);
  });
  it('finds kernel addresses in user-only streams and foreign threads in per-thread streams', () => {
    const u = expectedRecords(user1);
    const leak = u.slice();
    leak[5] = [u[5]![0]!, u[5]![1]!, 0x8100_0000, 0xffff_ffff, 0, 0];
    expect(check(user1, leak).violations.kernelAddressLeaks).toBe(1);
    const other = expectedRecords({ ...user1, target: 2 });
    expect(check(user1, [...u.slice(0, 10), other[3]!, ...u.slice(10)]).violations.foreignThread).toBe(1);
  });

  it('a ring is checked against the end of its stream, read in one pass (expectedTail)', () => {
    for (const keep of [0, 1, 7, 499, exp.length - 1, exp.length, exp.length + 10]) {
      const { total, tail } = expectedTail(cfg, cpuAll, keep);
      expect(total).toBe(exp.length);
      const want = exp.slice(Math.max(0, exp.length - keep));
      expect(tail.length).toBe(want.length);
      expect([...tail.words.subarray(0, tail.length * 6)]).toEqual(want.flat());
    }
    // A ring of 64 holding the stream's last 64 records, then a doctored one: a duplicate.
    const ringSpec: ConsumerSpec = { ...cpuAll, mode: 'ring', size: 64 };
    const last = exp.slice(-64);
    const clean = checkRing(cfg, ringSpec, new Uint32Array(last.flat()), 64, exp.length - 64, 0);
    expect(clean.matched).toBe(64);
    expect(Object.values(clean.violations).every((v) => v === 0)).toBe(true);
    const dup = [...last.slice(0, 10), last[5]!, ...last.slice(11)];
    const bad = checkRing(cfg, ringSpec, new Uint32Array(dup.flat()), 64, exp.length - 64, 0);
    expect(bad.violations.duplicates + bad.violations.reordered + bad.violations.silentLoss).toBeGreaterThan(0);
  });
});
