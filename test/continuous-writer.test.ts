// The continuous consumer's writer on its own: records, runs and loss markers from the data
// path, a consumer that frees callback buffers at seeded moments, both policies, and the DS
// callback contract. Every gap in what the consumer reads must be marked exactly where it is.
import { describe, expect, it } from 'vitest';
import { ContinuousWriter } from '../dist/src/consumers/continuous-writer.js';
import { AtomicsMem } from '../dist/src/mem/atomics-mem.js';
import { CONS_FREE_SEQ, CONS_FULL_SEQ, CONS_LEN } from '../dist/src/mem/layout.js';
import { Rng } from '../dist/src/base/prng.js';
import { LossCause } from '../dist/src/model/constants.js';
import type { Layout } from '../dist/src/mem/layout.js';

interface Opts {
  size: number;
  buffers: number;
  policy: 'wait' | 'drop';
  stayDisabled?: { every: number; records: number };
  pLoss: number;
  steps: number;
}

type Item = { rec: number } | { loss: number; cause: number };

function trial(seed: number, o: Opts) {
  const rng = new Rng(seed);
  const consBase = 16;
  const words = new Int32Array(new SharedArrayBuffer(4 * (consBase + CONS_LEN + o.buffers + 8)));
  const mem = new AtomicsMem(words);
  const cons = new SharedArrayBuffer(o.size * o.buffers * 24);
  const u32 = new Uint32Array(cons);
  const spec = { id: 'x', kind: 'cpu-all' as const, target: 0, mode: 'continuous' as const, size: o.size, ...(o.stayDisabled ? { stayDisabled: o.stayDisabled } : {}) };
  const layout = { consBase, consStride: CONS_LEN + o.buffers } as unknown as Layout;
  const w = new ContinuousWriter(spec, 0, cons, { offset: 0, size: o.size, buffers: o.buffers }, mem, layout, o.policy);
  const out: Item[] = [];
  let read = 0;
  // The consumer: takes full buffers (some, or all when the writer waits for it).
  const consume = (all: boolean): void => {
    while (read < words[consBase + CONS_FULL_SEQ]! && (all || rng.chance(0.5))) {
      const j = read % o.buffers;
      for (let k = 0; k < words[consBase + CONS_LEN + j]!; k++) {
        const at = (j * o.size + k) * 6;
        if (u32[at + 1] === 0x8000_0000 && u32[at + 5] === 0x8000_0000) out.push({ loss: u32[at + 2]!, cause: u32[at + 4]! & 0xff });
        else out.push({ rec: u32[at]! });
      }
      words[consBase + CONS_FREE_SEQ] = ++read;
    }
  };
  // A writer that waits is woken by the consumer freeing a buffer.
  (mem as unknown as { wait: unknown }).wait = function* () {
    consume(true);
    return 'ok';
  };
  // Records put while the tracer is disabled break the contract even when the counts add up.
  let whileDisabled = 0;
  const wx = w as unknown as { put: (...a: unknown[]) => void; disabledLeft: number };
  const put = wx.put.bind(w);
  wx.put = (...a: unknown[]) => {
    if (!a[6] && wx.disabledLeft > 0) whileDisabled++;
    put(...a);
  };

  const truth: number[] = [];
  let id = 1;
  for (let step = 0; step < o.steps; step++) {
    const x = rng.next() / 0x1_0000_0000;
    if (x < o.pLoss) {
      const n = 1 + rng.below(5);
      for (let k = 0; k < n; k++) truth.push(id++);
      w.marker(LossCause['past-absolute-maximum'], n);
    } else if (x < o.pLoss + 0.3) {
      const n = 1 + rng.below(12);
      const run = new Uint32Array(n * 6);
      for (let k = 0; k < n; k++) {
        run[k * 6] = id;
        truth.push(id++);
      }
      w.pushRun(run, 0, n);
    } else {
      w.push(id, 0, 0, 0, 0, 0);
      truth.push(id++);
    }
    if (rng.chance(0.2)) consume(false);
  }
  consume(true);
  w.flush();
  consume(true);

  // Walk what the consumer read against what happened.
  const problems: string[] = [];
  let p = 0;
  for (const it of out) {
    if ('loss' in it) p += it.loss;
    else if (truth[p] === it.rec) p++;
    else problems.push(`record ${it.rec} at position ${p} (expected ${truth[p]})`);
  }
  if (p !== truth.length) problems.push(`stream covers ${p} of ${truth.length}`);
  const c = w.counters();
  const lost = Object.values(c.lost).reduce((a, b) => a + b, 0);
  if (c.delivered + lost !== truth.length) problems.push(`identity: ${c.delivered} + ${lost} != ${truth.length}`);
  if (whileDisabled) problems.push(`${whileDisabled} records delivered while disabled`);
  return { problems: problems.slice(0, 3), counters: c, total: truth.length };
}

describe('ContinuousWriter', () => {
  const variants: [string, Omit<Opts, 'size' | 'steps'>][] = [
    ['drop', { buffers: 2, policy: 'drop', pLoss: 0.15 }],
    ['drop, stay disabled every callback for 3', { buffers: 2, policy: 'drop', pLoss: 0.15, stayDisabled: { every: 1, records: 3 } }],
    ['drop, stay disabled every 2nd callback for 5', { buffers: 2, policy: 'drop', pLoss: 0.15, stayDisabled: { every: 2, records: 5 } }],
    ['wait, stay disabled', { buffers: 2, policy: 'wait', pLoss: 0.15, stayDisabled: { every: 2, records: 7 } }],
  ];
  it.each(variants)('%s: every gap is marked where it is, nothing delivered while disabled (600 seeded trials)', (_, v) => {
    for (let seed = 1; seed <= 300; seed++) {
      for (const size of [4, 6]) {
        const r = trial(seed, { ...v, size, steps: 200 });
        expect(r.problems, `seed ${seed} size ${size}`).toEqual([]);
      }
    }
  });

  it('wait, no other loss: exactly the records of each disabled window are lost as disabled-by-callback', () => {
    const r = trial(5, { size: 10, buffers: 2, policy: 'wait', pLoss: 0, steps: 2_000, stayDisabled: { every: 3, records: 17 } });
    expect(r.problems).toEqual([]);
    // Buffers of 10 slots; every 3rd callback stays off for 17 records; the marker after it takes a slot.
    let inBuf = 0, callbacks = 0, off = 0, lost = 0;
    const slot = (): void => {
      if (++inBuf === 10) {
        inBuf = 0;
        if (++callbacks % 3 === 0) off = 17;
      }
    };
    for (let i = 0; i < r.total; i++) {
      if (off > 0) {
        lost++;
        if (--off === 0) slot();
      } else slot();
    }
    expect(r.counters.lost['disabled-by-callback']).toBe(lost);
  });
});
