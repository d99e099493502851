import { run } from '../dist/src/run/run.js';
import type { RunResult } from '../dist/src/run/result.js';
import { sumLost, violationCount } from '../dist/src/run/result.js';
import { expect } from 'vitest';

export { run };

/** Every consumer: identity holds, zero violations. */
export function expectAccountingHolds(r: RunResult): void {
  for (const c of r.consumers) {
    const ctx = `${c.id}: ${JSON.stringify({ expected: c.expected, delivered: c.delivered, overwritten: c.overwritten, lost: c.lost, violations: c.violations })}`;
    expect(c.expected, ctx).not.toBeNull();
    expect(c.expected, ctx).toBe(c.delivered + c.overwritten + sumLost(c.lost));
    expect(violationCount(c.violations), ctx).toBe(0);
    expect(c.identity, ctx).toBe(true);
  }
  expect(r.ok).toBe(true);
}

export const small = { branches: 40_000, workload: { timesliceBranches: 2_000 } };
