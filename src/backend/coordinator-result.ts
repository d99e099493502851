/**
 * What the coordinator reports at the end of a run. Its counts, latency quantiles and
 * timeline tracks, assembled once the last drain is done.
 */
import type { ConsumerCounters, ConsumerWriter } from '../consumers/consumer-writer.js';
import type { TimelineLog, TraceEvent } from '../model/timeline.js';
import type { ModelLoop } from './model/model-loop.js';

export interface CoordinatorResult {
  consumers: ConsumerCounters[];
  /** Overflow interrupts serviced and buffers swapped, per CPU. */
  serviced: number[];
  swaps: number[];
  flushes: number;
  copies: number;
  /** Overflow service latency: threshold crossing to tracing re-armed, nanoseconds. */
  serviceP50Ns: number;
  serviceP99Ns: number;
  /** Time spent inside onOverflow (the interrupt itself), nanoseconds. */
  interruptP50Ns: number;
  interruptP99Ns: number;
  hwRecordsDrained: number;
  /** Modelled clock only: copy durations and work-queue waits (queued to running), ns. */
  copyP50Ns?: number;
  copyP99Ns?: number;
  workQueueP50Ns?: number;
  workQueueP99Ns?: number;
  /** With a timeline: the coordinator's track and one per copier thread. */
  timeline?: { events: TraceEvent[]; dropped: number }[];
}

function quantiles(xs: number[]): { p50: number; p99: number } {
  if (xs.length === 0) return { p50: 0, p99: 0 };
  const s = xs.slice().sort((a, b) => a - b);
  const at = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

/** The result from the coordinator's counts, once the last drain is done. */
export function coordinatorResult(r: {
  writers: ConsumerWriter[];
  serviced: number[];
  swaps: number[];
  flushes: number;
  copies: number;
  /** Service latencies and interrupt (handler) times, ns. */
  latencyNs: number[];
  interruptNs: number[];
  /** Modelled clock: copy durations and work-queue waits come from its loop. */
  model: ModelLoop | null;
  hwRecordsDrained: number;
  /** With a timeline: the coordinator's track, then one per copier thread. */
  timelines: TimelineLog[] | null;
}): CoordinatorResult {
  const q = quantiles(r.latencyNs);
  const qi = quantiles(r.interruptNs);
  const model = r.model;
  const qc = model ? quantiles(model.bandwidth.durations) : null;
  const qw = model ? quantiles(model.work.waits) : null;
  return {
    consumers: r.writers.map((w) => w.counters()),
    serviced: r.serviced.slice(),
    swaps: r.swaps.slice(),
    flushes: r.flushes,
    copies: r.copies,
    serviceP50Ns: q.p50,
    serviceP99Ns: q.p99,
    interruptP50Ns: qi.p50,
    interruptP99Ns: qi.p99,
    hwRecordsDrained: r.hwRecordsDrained,
    ...(qc && qw ? { copyP50Ns: qc.p50, copyP99Ns: qc.p99, workQueueP50Ns: qw.p50, workQueueP99Ns: qw.p99 } : {}),
    ...(r.timelines ? { timeline: r.timelines.map((l) => ({ events: l.events, dropped: l.dropped })) } : {}),
  };
}
