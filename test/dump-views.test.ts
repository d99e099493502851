// The default scenario's dumped streams: all five kinds, no violation, and user-only streams
// never carry a kernel-half address (kernel entries only as the documented pseudo-PCs).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDump, decodeRecord } from '../dist/src/consumers/dump.js';
import { PSEUDO_HI, PseudoPc } from '../dist/src/model/constants.js';
import { expectAccountingHolds, run } from './helpers.js';

const KERNEL_HALF = 0xffff_8000_0000_0000n;
const PSEUDO = BigInt(PSEUDO_HI) << 32n;
const EXPLICIT = new Set([PseudoPc.SYSCALL, PseudoPc.SYSENTER, PseudoPc.INT80, ...Array.from({ length: 32 }, (_, v) => PseudoPc.EXCEPTION_BASE + v)].map((nn) => PSEUDO | BigInt(nn)));

describe('default scenario dump', () => {
  for (const format of [64, 32] as const) {
    it(`all five kinds, zero violations, user-only streams without kernel addresses (${format}-bit)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'btsim-views-'));
      const r = await run({ branches: 60_000, format, workload: { timesliceBranches: 5_000, syscallRate: 30, exceptionRate: 10 } }, { dumpDir: dir });
      expectAccountingHolds(r);
      expect(new Set(r.consumers.map((c) => c.kind))).toEqual(new Set(['cpu-all', 'cpu-kernel', 'thread-user', 'thread-kernel', 'thread-all']));
      const userOnly = r.consumers.filter((c) => c.kind === 'thread-user');
      expect(userOnly.length).toBeGreaterThan(0);
      for (const c of userOnly) {
        const recs = readDump(join(dir, `${c.id}.bts`));
        let pseudo = 0;
        for (const rec of recs) {
          const it = decodeRecord(rec);
          if (it.type === 'loss') continue;
          expect(it.type).toBe('branch');
          for (const a of [rec.from, rec.to]) {
            expect(a >= KERNEL_HALF, `kernel address 0x${a.toString(16)} in ${c.id}`).toBe(false);
            if (a >> 32n === BigInt(PSEUDO_HI)) {
              expect(EXPLICIT.has(a), `0x${a.toString(16)} is not an entry pseudo-PC`).toBe(true);
              pseudo++;
            }
          }
        }
        expect(pseudo).toBeGreaterThan(0);
        expect(c.violations.kernelAddressLeaks).toBe(0);
      }
      for (const c of r.consumers.filter((x) => x.kind.startsWith('thread'))) expect(c.violations.foreignThread).toBe(0);
    });
  }
});
