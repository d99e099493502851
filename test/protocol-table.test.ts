// mem/layout.ts's table is the protocol (issue 16): words do not overlap or move, every word has
// its writer, operation and reader rule, and the explorer names every word from it.
import { describe, expect, it } from 'vitest';
import * as L from '../dist/src/mem/layout.js';
import { wordNamer } from '../dist/src/mem/word-names.js';
import { KIND_CLASS_MASK } from '../dist/src/backend/splay.js';
import { isKernelHi, KERNEL_HALF_HI } from '../dist/src/model/constants.js';

describe('protocol table (mem/layout.ts)', () => {
  it('gives each word of a block its own offset, inside the block', () => {
    const size: Record<string, number> = { global: L.CPU_BASE, cpu: L.CPU_STRIDE, clock: L.CLOCK_STRIDE, statsCoord: L.COORD_STAT_WORDS };
    for (const [table, words] of Object.entries(L.TABLES)) {
      const offsets = words.map((w) => w.at);
      expect(new Set(offsets).size, table).toBe(offsets.length);
      expect(new Set(words.map((w) => w.name)).size, table).toBe(words.length);
      if (size[table] !== undefined) for (const at of offsets) expect(at, table).toBeLessThan(size[table]!);
      for (const w of words) expect(w.writer.length > 0 && w.readers.length > 0, `${table}.${w.name}`).toBe(true);
    }
  });

  it('keeps the numeric values the code was written against', () => {
    expect([L.G_DOORBELL, L.G_STOP, L.G_SINK_BELL, L.G_COORD_BELL, L.G_POOL_HEAD, L.G_HEARTBEAT, L.G_CPUS_DONE, L.G_KWORK_BELL, L.G_COORD_SLEEP]).toEqual([0, 1, 2, 3, 4, 5, 8, 9, 10]);
    expect([L.DS_BASE, L.MAIL_N, L.DS_CIRCULAR, L.DS_SYNC, L.WAIT_REQ, L.ANS_ON, L.HOST_BELL]).toEqual([0, 12, 13, 17, 18, 23, 24]);
    expect([L.CPU_STAT_STARTED, L.CPU_STAT_STRIDE, L.COORD_STAT_DESIGN_CPU, L.statsBytes(2)]).toEqual([4, 5, 1, (2 * 5 + 4) * 8]);
    expect([L.T_REQ, L.T_ARG, L.T_ANS, L.T_SAFE, L.T_ON, L.CLOCK_STRIDE]).toEqual([0, 1, 2, 3, 4, 8]);
    expect([L.MAIL_ENTRY_WORDS, L.MAIL_WORDS, L.HW_SLOT_BYTES]).toEqual([4, 256, 24]);
    expect([L.syncTid(L.packSync(7, 0x21)), L.syncKind(L.packSync(7, 0x21))]).toEqual([7, 0x21]);
  });

  it('names every ctl word for the explorer from the table', () => {
    const layout = L.makeLayout(2, 1, 16, 1, 2, 3);
    const name = wordNamer(layout);
    for (const w of L.TABLES.global) expect(name(w.at)).toBe(w.name);
    for (const w of L.TABLES.cpu) expect(name(L.cpuWord(1, w.at))).toBe(`cpu1.${w.name}`);
    expect(name(layout.mailBase + L.MAIL_WORDS)).toBe('mailbox[1]');
    expect(name(-1)).toBe('-');
  });
});

describe('facts defined once', () => {
  it('loss-class masks keep their bits', () => {
    expect(KIND_CLASS_MASK).toEqual({ 'cpu-all': 0b111_1111, 'thread-all': 0b011_1111, 'cpu-kernel': 0b011_1110, 'thread-kernel': 0b011_1110, 'thread-user': 0b001_0101 });
  });

  it('the kernel-half test agrees with hi >= KERNEL_HALF_HI, as u32 or int32', () => {
    for (const hi of [0, 1, 0x7fff_ffff, 0x8000_0000, 0xc000_0000, KERNEL_HALF_HI - 1, KERNEL_HALF_HI, 0xffff_ffff]) {
      expect(isKernelHi(hi), hi.toString(16)).toBe(hi >= KERNEL_HALF_HI);
      expect(isKernelHi(hi | 0), hi.toString(16)).toBe(hi >= KERNEL_HALF_HI);
    }
  });
});
