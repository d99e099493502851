/**
 * How the consumers are shared among the sink threads.
 *
 * Checking is the sink's heavy part: each checked consumer's expected stream regenerates the
 * workload it sees and applies its view (src/oracle), and a ring's tail is checked at the end.
 * The streams are independent, so with checking on two sink threads take half each, balanced
 * by what each costs; unchecked, one sink only hands buffers back. Which sink takes a
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
  // Units that go to one sink together: a CPU's cpu-* streams read the same generated epochs,
  // which that sink's cache then generates once (oracle/epoch-cache.ts); a thread's stream
  // reads whichever CPU runs it, so it is a unit of its own. A unit costs its generation (a
  // thread's share of all CPUs' epochs) and, per stream, its view and check (about 0.6 of a
  // generation in a profile of the default run).
  const threadShare = cfg.cpus / Math.max(1, cfg.workload.threads);
  const units = new Map<string, number[]>();
  for (const k of all) {
    const s = cfg.consumers[k]!;
    const key = s.kind.startsWith('cpu') ? `cpu${s.target}` : `stream${k}`;
    units.set(key, [...(units.get(key) ?? []), k]);
  }
  const cost = (key: string, members: number[]): number => (key.startsWith('cpu') ? 1 : threadShare) + 0.6 * members.length;
  const parts: number[][] = Array.from({ length: CHECKING_SINKS }, () => []);
  const load = new Array<number>(CHECKING_SINKS).fill(0);
  // Greedy, heaviest first (ties by first consumer): a pure function of the config.
  const order = [...units].sort((a, b) => cost(b[0], b[1]) - cost(a[0], a[1]) || a[1][0]! - b[1][0]!);
  for (const [key, members] of order) {
    const p = load.indexOf(Math.min(...load));
    parts[p]!.push(...members);
    load[p]! += cost(key, members);
  }
  return parts.filter((p) => p.length > 0).map((p) => p.sort((a, b) => a - b));
}
