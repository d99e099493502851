// The splay finds in-band annotations by their first word (ESCAPE), four records at a time while
// none starts with it: a branch record whose first word happens to be 0xffffffff (its second is
// not) must still reach the consumers as a record, wherever it falls in those groups of four.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../dist/src/model/resolve-config.js';
import { EV_TYPE_MASK, EV_USER } from '../dist/src/model/event-types.js';
import { RECORD_WORDS } from '../dist/src/model/hw-record.js';
import { Splay } from '../dist/src/backend/splay.js';
import { CaptureWriter } from '../dist/src/consumers/capture-writer.js';
import { RecordList, applyView } from '../dist/src/oracle/views.js';
import { DS_INDEX, cpuWord } from '../dist/src/mem/layout.js';
import { pregenerate, soloCpu } from '../dist/bench/common.js';

describe('the splay\'s scan for annotations', () => {
  it('a cpu-all consumer gets every record, those starting with 0xffffffff included, and the address-space switches, in order', () => {
    const cfg = resolveConfig({
      cpus: 1, branches: 30_000, check: false, workload: { threads: 4, addressSpaces: 3, timesliceBranches: 1_000 },
      consumers: [{ id: 'all', kind: 'cpu-all', target: 0, mode: 'continuous', size: 1_024 }],
    });
    const chunks = pregenerate(cfg);
    // Every user branch at an index of each residue mod 4 gets a first word of 0xffffffff (its
    // second word, a user address's high word, is never 0xffffffff).
    let edited = 0;
    for (const c of chunks) {
      for (let i = 0; i < c.length; i += 5) {
        if ((c.type[i]! & EV_TYPE_MASK) !== EV_USER) continue;
        c.rec[i * RECORD_WORDS] = 0xffff_ffff;
        edited++;
      }
    }
    expect(edited).toBeGreaterThan(1_000);
    const counts: number[] = [];
    const solo = soloCpu(cfg, 64, (_b, n) => counts.push(n));
    for (const c of chunks) solo.core.execute(c);
    counts.push(Atomics.load(solo.mem.words, cpuWord(0, DS_INDEX)));
    const got = new CaptureWriter(cfg.consumers[0]!, 0);
    const splay = new Splay(cfg, solo.bufs, [got]);
    counts.forEach((n, k) => splay.drain(0, k % 64, 0, n));

    const want = new RecordList();
    for (const c of chunks) applyView('cpu-all', c, 0, c.length, cfg, want);
    expect(want.length).toBeGreaterThan(30_000); // the switches' pseudo-records on top
    expect(got.entries).toBe(want.length);
    expect(got.words.subarray(0, got.entries * RECORD_WORDS)).toEqual(want.words.subarray(0, want.length * RECORD_WORDS));
  });
});
