// Issue 15, item 2: a kernel return's source reaches kernel-only views with its real high word
// (BTS_OFF_USR: the CPU writes RET_SRC + RETURN; the splay once hard-coded 0xffffffff).
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../dist/src/model/resolve-config.js';
import { EV_RETURN, EV_TYPE_MASK } from '../dist/src/model/event-types.js';
import { RECORD_WORDS } from '../dist/src/model/hw-record.js';
import { Splay } from '../dist/src/backend/splay.js';
import { CaptureWriter } from '../dist/src/consumers/capture-writer.js';
import { PseudoPc } from '../dist/src/model/constants.js';
import { pregenerate, soloCpu } from '../dist/bench/common.js';

describe('RET_SRC carries the return source\'s high word', () => {
  it('a kernel-only view shows (kernel source with its own high word, USER) for each return to user', () => {
    const cfg = resolveConfig({
      cpus: 1, branches: 20_000, dsCpl: true, check: false,
      consumers: [{ id: 'k', kind: 'cpu-kernel', target: 0, mode: 'continuous', size: 1_024 }],
    });
    const chunks = pregenerate(cfg);
    // Returns from a kernel half that is not 0xffffffff_xxxxxxxx (still >= 0xffff8000_00000000).
    const HI = 0xffff_8123;
    let returns = 0;
    for (const c of chunks) {
      for (let i = 0; i < c.length; i++) {
        if ((c.type[i]! & EV_TYPE_MASK) === EV_RETURN) {
          c.rec[i * RECORD_WORDS + 1] = HI;
          returns++;
        }
      }
    }
    expect(returns).toBeGreaterThan(50);
    const counts: number[] = [];
    const solo = soloCpu(cfg, 64, (_b, n) => counts.push(n));
    for (const c of chunks) solo.core.execute(c);
    counts.push(Atomics.load(solo.mem.words, 32 + 1 /* cpu 0, DS_INDEX */));
    const w = new CaptureWriter(cfg.consumers[0]!, 0);
    const splay = new Splay(cfg, solo.bufs, [w]);
    counts.forEach((n, k) => splay.drain(0, k % 64, 0, n));
    let seen = 0;
    for (let r = 0; r < w.entries; r++) {
      const o = r * 6;
      if (w.words[o + 2] === PseudoPc.USER) {
        expect(w.words[o + 1]).toBe(HI);
        seen++;
      }
    }
    expect(seen).toBe(returns);
  });
});
