// 32-bit widening and the dump format round trip.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { widenAddressHi } from '../dist/src/model/hw-record.js';
import { readDump, decodeRecord } from '../dist/src/consumers/dump.js';
import { ExpectedStream } from '../dist/src/oracle/expected.js';
import { resolveConfig } from '../dist/src/model/resolve-config.js';
import { expectAccountingHolds, run, small } from './helpers.js';

describe('32-bit hardware records', () => {
  it('widen kernel addresses into the kernel half and keep user ones below 4 GiB', () => {
    expect(widenAddressHi(0xc100_0000)).toBe(0xffff_ffff);
    expect(widenAddressHi(0xbfff_ffff)).toBe(0);
    expect(widenAddressHi(0x0040_0000)).toBe(0);
  });
});

describe('dump format', () => {
  it('round trip: the dumped stream is the expected stream record for record, plus markers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'btsim-dump-'));
    const r = await run({ ...small, cpus: 2, format: [64, 32], bufferRecords: 64, spares: 0 }, { dumpDir: dir });
    expectAccountingHolds(r);
    const files = readdirSync(dir).sort();
    for (const c of r.consumers) {
      expect(files).toContain(`${c.id}.bts`);
      expect(files).toContain(`${c.id}.json`);
      const desc = JSON.parse(readFileSync(join(dir, `${c.id}.json`), 'utf8'));
      expect(desc.delivered).toBe(c.delivered);
      expect(desc.kind).toBe(c.kind);
    }
    const cfg = resolveConfig(r.config);
    for (const c of r.consumers.filter((x) => x.mode === 'continuous')) {
      const recs = readDump(join(dir, `${c.id}.bts`));
      const items = recs.map(decodeRecord);
      const branches = items.filter((i) => i.type === 'branch').length;
      const switches = items.filter((i) => i.type === 'switch_mm').length;
      const markers = items.filter((i) => i.type === 'loss');
      expect(branches + switches).toBe(c.delivered);
      const lost = markers.reduce((a, m) => a + Number((m as { count: bigint }).count), 0);
      expect(lost).toBe(Object.values(c.lost).reduce((a, b) => a + b, 0));
      // Replay against the oracle: records in order, markers skip exactly their count.
      const spec = cfg.consumers.find((s) => s.id === c.id)!;
      const exp = new ExpectedStream(cfg, spec);
      const next = (): bigint[] | null => {
        if (!exp.ensure()) return null;
        const w = exp.batch.words, o = exp.pos++ * 6;
        const u64 = (k: number) => (BigInt(w[o + k + 1]!) << 32n) | BigInt(w[o + k]!);
        return [u64(0), u64(2), u64(4)];
      };
      for (const rec of recs) {
        const it = decodeRecord(rec);
        if (it.type === 'loss') {
          for (let k = 0n; k < it.count; k++) next();
          continue;
        }
        expect(next()).toEqual([rec.from, rec.to, rec.flags]);
      }
      expect(next()).toBeNull();
    }
  });
});
