/**
 * What a report plots, per sweep point: loss rates by cause (hardware records the CPUs could
 * not store, and records consumers lost), CPU stall and throughput.
 */
import { sumLost } from '../run/result.js';
import type { SweepLine } from '../sweep/ndjson.js';
import { canonicalJson } from '../sweep/params.js';

export interface MetricDef {
  id: string;
  title: string;
  /** Axis label. */
  unit: string;
  /** How the page prints a value. */
  fmt: 'pct' | 'num' | 'int';
}

export interface ReportAxis {
  path: string;
  /** Distinct values, sorted (numbers numerically). */
  values: unknown[];
  /** Every value a number: a numeric x axis (log2 when the values spread over 4x or more). */
  numeric: boolean;
  log: boolean;
}

export interface ReportPoint {
  design: number;
  seed: number;
  /** Axis path to index into that axis's values. */
  at: Record<string, number>;
  m: Record<string, number>;
}

export interface ReportData {
  title: string;
  designs: string[];
  axes: ReportAxis[];
  metrics: MetricDef[];
  points: ReportPoint[];
}

export function hwAttempted(l: SweepLine): number {
  return l.result.cpus.reduce((a, c) => a + c.hwRecords + sumLost(c.lost), 0);
}

export function consumerExpected(l: SweepLine): number {
  return l.result.consumers.reduce((a, c) => a + (c.expected ?? c.delivered + c.overwritten + sumLost(c.lost)), 0);
}

export function consumerLost(l: SweepLine): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of l.result.consumers) for (const [k, v] of Object.entries(c.lost)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Stall in µs per 1,000 branches (= ns per branch), all CPUs. */
export function stallPerKBranch(l: SweepLine): number {
  return l.result.totals.branches ? l.result.totals.stallNs / l.result.totals.branches : 0;
}

/** Virtual time (branches) threads spent waiting for their user-only tracers (notify-resume). */
export function threadStall(l: SweepLine): number {
  return (l.result.threads ?? []).reduce((a, t) => a + t.stalledBranches, 0);
}

/** Share of the CPUs' time spent stalled (all CPUs, over the machine's modelled time; host clock: wall time). */
export function stallShare(l: SweepLine): number {
  const t = l.result.totals;
  // Modelled clock: over the simulated machine's time; host clock: over the run's wall time
  // (which `btsim merge` keeps for host-clock lines; without it the share is unknown).
  const span = l.result.clock === 'model' ? t.modelNs : (l.result.host?.wallMs ?? NaN) * 1e6;
  const cpuNs = l.result.config.cpus * span;
  return cpuNs > 0 ? t.stallNs / cpuNs : 0;
}

function cmp(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = canonicalJson(a);
  const y = canonicalJson(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Line labels: the design's name, or its path when two designs share a name. */
export function designLabels(lines: SweepLine[]): Map<string, string> {
  const byDesign = new Map<string, string>();
  for (const l of lines) if (!byDesign.has(l.design)) byDesign.set(l.design, l.designName ?? l.design);
  const count = new Map<string, number>();
  for (const n of byDesign.values()) count.set(n, (count.get(n) ?? 0) + 1);
  for (const [d, n] of byDesign) if (count.get(n)! > 1) byDesign.set(d, d);
  return byDesign;
}

export function reportData(lines: SweepLine[], title: string): ReportData {
  const labels = designLabels(lines);
  const hostClock = lines.some((l) => l.result.clock !== 'model');
  const designs = [...new Set(lines.map((l) => l.design))];
  // Axes: every swept field; with none, the seeds (so there is still an x axis).
  const paths = [...new Set(lines.flatMap((l) => Object.keys(l.params)))];
  const axes: ReportAxis[] = paths.map((path) => {
    const uniq = new Map<string, unknown>();
    for (const l of lines) if (Object.hasOwn(l.params, path)) uniq.set(canonicalJson(l.params[path]), l.params[path]);
    const values = [...uniq.values()].sort(cmp);
    const numeric = values.every((v) => typeof v === 'number');
    const nums = values as number[];
    const log = numeric && values.length > 1 && nums[0]! > 0 && nums[nums.length - 1]! / nums[0]! >= 4;
    return { path, values, numeric, log };
  });
  const seedAxis = axes.length === 0;
  if (seedAxis) {
    const seeds = [...new Set(lines.map((l) => l.seed))].sort((a, b) => a - b);
    axes.push({ path: 'seed', values: seeds, numeric: true, log: false });
  }

  const hwCauses = new Set<string>();
  const consCauses = new Set<string>();
  for (const l of lines) {
    for (const [k, v] of Object.entries(l.result.totals.lost)) if (v > 0) hwCauses.add(k);
    for (const [k, v] of Object.entries(consumerLost(l))) if (v > 0) consCauses.add(k);
  }
  // Loss by cause: a chart per cause seen; an "all causes" chart too when there are two or
  // more (or none, so that loss still has a chart showing zero).
  const hwUnit = '% of records to store';
  const consUnit = '% of records expected';
  const lossCharts = (side: 'hw' | 'cons', what: string, unit: string, causes: Set<string>, always: boolean): MetricDef[] => {
    const each = [...causes].sort().map((c): MetricDef => ({ id: `${side}:${c}`, title: `${what} lost: ${c}`, unit, fmt: 'pct' }));
    const all: MetricDef = { id: `${side}:all`, title: `${what} lost, all causes`, unit, fmt: 'pct' };
    if (causes.size === 0) return always ? [all] : [];
    return causes.size === 1 ? each : [all, ...each];
  };
  const metrics: MetricDef[] = [
    ...lossCharts('hw', 'Hardware records', hwUnit, hwCauses, true),
    ...lossCharts('cons', 'Consumer records', consUnit, consCauses, false),
    { id: 'stall', title: `CPU stall (overflow interrupts, flushes, migrations, notify-resume waits)${hostClock ? ', host time' : ', modelled time'}`, unit: 'µs per 1,000 branches', fmt: 'num' },
  ];
  // The host's speed, not the simulated machine's: it varies from run to run, and `btsim
  // merge` drops it (merge.ts), so it is plotted only when every point has it.
  const hostFigures = lines.every((l) => l.result.host !== undefined);
  if (hostFigures) {
    metrics.push({ id: 'throughput', title: 'Host throughput: simulated branches per second of wall time (all CPUs)', unit: 'branches/s (host)', fmt: 'int' });
  }
  // Slow user-only tracers (callbackDelay) lose nothing: their threads wait instead.
  if (lines.some((l) => (l.result.threads ?? []).some((t) => t.consumer))) {
    metrics.push({ id: 'threadStall', title: 'Threads waiting for their user-only tracer', unit: 'branches of virtual time, all threads', fmt: 'int' });
  }

  const keyIndex = axes.map((a) => new Map(a.values.map((v, i) => [canonicalJson(v), i])));
  const points: ReportPoint[] = lines.map((l) => {
    const at: Record<string, number> = {};
    axes.forEach((a, i) => {
      const v = seedAxis ? l.seed : l.params[a.path];
      if (seedAxis || Object.hasOwn(l.params, a.path)) at[a.path] = keyIndex[i]!.get(canonicalJson(v))!;
    });
    const hw = hwAttempted(l);
    const ce = consumerExpected(l);
    const cl = consumerLost(l);
    const m: Record<string, number> = {
      'hw:all': hw ? sumLost(l.result.totals.lost) / hw : 0,
      stall: stallPerKBranch(l),
      threadStall: threadStall(l),
    };
    if (hostFigures) m.throughput = l.result.host!.branchesPerSec;
    for (const c of hwCauses) m[`hw:${c}`] = hw ? (l.result.totals.lost[c] ?? 0) / hw : 0;
    if (consCauses.size) m['cons:all'] = ce ? sumLost(cl) / ce : 0;
    for (const c of consCauses) m[`cons:${c}`] = ce ? (cl[c] ?? 0) / ce : 0;
    return { design: designs.indexOf(l.design), seed: l.seed, at, m };
  });
  return { title, designs: designs.map((d) => labels.get(d) ?? d), axes, metrics, points };
}
