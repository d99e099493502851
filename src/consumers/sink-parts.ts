/**
 * How the consumers are shared among the sink threads.
 *
 * Checking is the sink's heavy part: each checked consumer's expected stream regenerates the
 * workload it sees and applies its view (src/oracle), and a ring is checked at the end. The
 * streams are independent, so with checking on two sink threads take half each, balanced by
 * what each stream costs; unchecked, one sink only hands buffers back. Which sink takes a
 * consumer changes no figure: a consumer's buffers are returned by whichever sink owns it,
 * at the same point of its stream (the coordinator waits for them in modelled order).
 */
import type { SimConfig } from '../model/config.js';

/** Sink threads when checking (on a two-core machine the CPU workers wait for them otherwise). */
export const CHECKING_SINKS = 2;

/** The consumers (indices into cfg.consumers) each sink thread owns; every consumer once. */
export function sinkParts(cfg: SimConfig): number[][] {
  const all = cfg.consumers.map((_, k) => k);
  if (!cfg.check || all.length < 2) return [all];
  // A cpu stream regenerates one CPU's workload; a thread's, its share of all of them. A
  // ring is regenerated twice at the end (counted, then its tail checked).
  const threadShare = cfg.cpus / Math.max(1, cfg.workload.threads);
  const cost = (k: number): number => {
    const s = cfg.consumers[k]!;
    return (s.kind.startsWith('cpu') ? 1 : threadShare) * (s.mode === 'ring' ? 2 : 1);
  };
  const parts: number[][] = Array.from({ length: CHECKING_SINKS }, () => []);
  const load = new Array<number>(CHECKING_SINKS).fill(0);
  // Greedy, heaviest first (ties by index): a pure function of the config.
  for (const k of [...all].sort((a, b) => cost(b) - cost(a) || a - b)) {
    const p = load.indexOf(Math.min(...load));
    parts[p]!.push(k);
    load[p]! += cost(k);
  }
  return parts.filter((p) => p.length > 0).map((p) => p.sort((a, b) => a - b));
}
