/**
 * The run's timeline in the Chrome trace-event format (Perfetto and chrome://tracing open
 * it): one log per actor, spans as complete events ("X": always balanced), moments as
 * instant events ("i"). Timestamps are microseconds: of modelled time under the modelled
 * clock (each actor's own clock), else from the run's origin on process.hrtime, which every
 * thread of the process shares.
 *
 * Each log keeps at most `cap` events: a long run's timeline shows its beginning, and says
 * how many events it dropped.
 */
export interface TraceEvent {
  name: string;
  ph: 'X' | 'i' | 'M';
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  s?: 't';
  args?: Record<string, unknown>;
}

export const TIMELINE_PID = 1;
export const DEFAULT_TIMELINE_CAP = 100_000;

export function nowUs(originNs: number): number {
  return (Number(process.hrtime.bigint()) - originNs) / 1000;
}

export class TimelineLog {
  readonly events: TraceEvent[] = [];
  dropped = 0;

  constructor(
    readonly tid: number,
    private readonly originNs: number,
    private readonly cap = DEFAULT_TIMELINE_CAP,
    /** The actor's modelled clock in µs (modelled time); absent: host time. */
    private readonly clock?: () => number,
  ) {}

  now(): number {
    return this.clock ? this.clock() : nowUs(this.originNs);
  }

  span(name: string, startUs: number, endUs: number, args?: Record<string, unknown>): void {
    this.push({ name, ph: 'X', ts: startUs, dur: Math.max(0, endUs - startUs), pid: TIMELINE_PID, tid: this.tid, ...(args ? { args } : {}) });
  }

  instant(name: string, args?: Record<string, unknown>, atUs = this.now()): void {
    this.push({ name, ph: 'i', s: 't', ts: atUs, pid: TIMELINE_PID, tid: this.tid, ...(args ? { args } : {}) });
  }

  private push(e: TraceEvent): void {
    if (this.events.length >= this.cap) this.dropped++;
    else this.events.push(e);
  }
}

/** Assemble the file: thread names first, then every actor's events; `extra` goes in otherData. */
export function timelineFile(threads: { tid: number; name: string }[], logs: { events: TraceEvent[]; dropped: number }[], extra: Record<string, unknown> = {}): object {
  const meta: TraceEvent[] = threads.map((t) => ({ name: 'thread_name', ph: 'M', ts: 0, pid: TIMELINE_PID, tid: t.tid, args: { name: t.name } }));
  meta.push({ name: 'process_name', ph: 'M', ts: 0, pid: TIMELINE_PID, tid: 0, args: { name: 'btsim' } });
  const events = logs.flatMap((l) => l.events);
  const dropped = logs.reduce((a, l) => a + l.dropped, 0);
  return { traceEvents: [...meta, ...events], displayTimeUnit: 'ms', otherData: { droppedEvents: dropped, ...extra } };
}
