/**
 * What a CPU hands the coordinator in words besides its DS area. That is the losses in its
 * mailbox (at a flush, or leaving circular mode) and, leaving circular mode, where its buffer
 * wrapped.
 *
 * Who writes these words and when is in src/mem/layout.ts; they are read while the CPU
 * waits for its answer, which is why designs must read them in the interrupt.
 */
import { DS_INDEX, DS_SYNC, DS_WRAPPED, MAIL_ENTRIES, MAIL_N, cpuWord, type Layout } from '../mem/layout.js';
import type { SharedMem } from '../mem/shared-mem.js';
import type { CircularExit, Step } from '../designs/design.js';

/** A CPU's mailbox: (cause, tid, class, count) x MAIL_N, as the CPU wrote them before its request. */
export function* readMailbox(mem: SharedMem, layout: Layout, cpu: number): Step<[number, number, number, number][]> {
  const mail = layout.mailBase + cpu * MAIL_ENTRIES * 4;
  const n = yield* mem.load(cpuWord(cpu, MAIL_N));
  const out: [number, number, number, number][] = [];
  for (let k = 0; k < n; k++) {
    out.push([
      yield* mem.load(mail + k * 4), yield* mem.load(mail + k * 4 + 1),
      yield* mem.load(mail + k * 4 + 2), yield* mem.load(mail + k * 4 + 3),
    ]);
  }
  return out;
}

/** What a CPU leaving circular mode handed over (ctx.circularExit). */
export function* readCircularExit(mem: SharedMem, layout: Layout, cpu: number, records: number): Step<CircularExit> {
  const idx = yield* mem.load(cpuWord(cpu, DS_INDEX));
  const wrapped = (yield* mem.load(cpuWord(cpu, DS_WRAPPED))) === 1;
  const sync = yield* mem.load(cpuWord(cpu, DS_SYNC));
  const counts = yield* readMailbox(mem, layout, cpu);
  return { count: wrapped ? records : idx, start: wrapped ? idx : 0, syncTid: sync & 0xffff, syncKind: sync >>> 16, counts };
}
