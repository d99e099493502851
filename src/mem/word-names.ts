/**
 * The names of the ctl words, read from the protocol table (layout.ts TABLES), for explore
 * traces and deadlock reports.
 */
import { CPU_BASE, CPU_STRIDE, MAIL_WORDS, TABLES, type Layout } from './layout.js';

export function wordNamer(l: Layout): (index: number) => string {
  const globals = new Map<number, string>(TABLES.global.map((word) => [word.at, word.name]));
  const cpuFields = new Map<number, string>(TABLES.cpu.map((word) => [word.at, word.name]));
  return (i: number) => {
    if (i < 0) return '-';
    if (i < CPU_BASE) return globals.get(i) ?? `global[${i}]`;
    if (i < l.poolBase) {
      const c = Math.floor((i - CPU_BASE) / CPU_STRIDE);
      const f = (i - CPU_BASE) % CPU_STRIDE;
      return `cpu${c}.${cpuFields.get(f) ?? `word${f}`}`;
    }
    if (i < l.mailBase) return `pool.link[${i - l.poolBase}]`;
    if (i < l.relBase) return `mailbox[${Math.floor((i - l.mailBase) / MAIL_WORDS)}]`;
    if (i < l.consBase) return `released[tid ${i - l.relBase}]`;
    return `consumer-handoff[${i - l.consBase}]`;
  };
}
