/**
 * A CPU's modelled clock.
 *
 * Under `--clock model` (the rule is in src/mem/clock-words.ts): the CPU's time,
 * the stamps on its requests, the answers' times, what it knows of tracing while it is off,
 * and its ledger of stalls and tracing-off time.
 *
 * The time is derived from counters (branches executed, records stored) and a base that
 * moves only at stalls, so it is the same however the write path splits its work into runs
 * and batches: base + (branches - b0) x branchNs + (records - r0) x recordNs.
 */
import type { Costs } from '../model/costs.js';
import { ClockWords } from '../mem/clock-words.js';
import { T_ANS, T_ARG, T_ON, T_REQ, T_WAKE } from '../mem/layout.js';

export class CpuClock {
  private base = 0;
  private b0 = 0;
  private r0 = 0;
  private readonly branchNs: number;
  private readonly recordNs: number;
  readonly pmiNs: number;
  /**
   * While tracing is off: it stays off until `grantEnd`, and is on again from there if
   * `onAtGrantEnd` (else the CPU must ask before it executes past grantEnd).
   */
  grantEnd = 0;
  onAtGrantEnd = false;
  /** The least SAFE this CPU may publish: an answer's time, which the coordinator stored already. */
  private promised = 0;
  /** Modelled ns with tracing off, by cause code (from resuming with it off to it coming back on). */
  readonly offNs = new Float64Array(256);
  private offSince = -1;
  private offCause = 0;

  constructor(costs: Costs, private readonly words: ClockWords, private readonly id: number) {
    this.branchNs = costs.branchNs;
    this.recordNs = costs.recordNs;
    this.pmiNs = costs.pmiNs;
  }

  now(branches: number, records: number): number {
    return this.base + (branches - this.b0) * this.branchNs + (records - this.r0) * this.recordNs;
  }

  /** The CPU resumes at `t` after a stall, with these counters. */
  resume(t: number, branches: number, records: number): void {
    this.base = t;
    this.b0 = branches;
    this.r0 = records;
  }

  /** The end of the event being executed at `t` (its records are counted, its branch not yet). */
  eventEnd(t: number): number {
    return t + this.branchNs;
  }

  /** Time of the `k`-th event from now while tracing is off (no record is stored). */
  offAfter(t: number, k: number): number {
    return t + k * this.branchNs;
  }

  /** Stamp the request about to be made (its counter is bumped right after, which publishes these). */
  stamp(t: number, arg = 0): void {
    const f = this.words.f64;
    f[this.words.at(this.id, T_REQ)] = t;
    f[this.words.at(this.id, T_ARG)] = arg;
  }

  /** The answer's time (read after the ACK was seen). */
  answered(): number {
    const at = this.words.f64[this.words.at(this.id, T_ANS)]!;
    this.promised = at;
    return at;
  }

  /** When tracing last came back on, as the last answer says (read after the ACK was seen). */
  onSince(): number {
    return this.words.f64[this.words.at(this.id, T_ON)]!;
  }

  /**
   * Raise SAFE to the clock (never below what an answer promised; Infinity: no more requests).
   * The caller then rings the doorbell if the coordinator sleeps (CpuCore.publish).
   */
  publish(t: number): void {
    const s = t === Infinity ? t : Math.max(t, this.promised);
    this.prevSafe = this.lastSafe;
    // What the coordinator will read (the word holds whole ns), so that "past T_WAKE" means
    // the same on both sides: a CPU that thought itself past while the coordinator did not
    // would never ring for that event again.
    this.lastSafe = Math.floor(s);
    this.words.setSafe(this.id, s);
  }

  /**
   * After publish(), with the coordinator seen asleep: does this SAFE take it past the time
   * of its earliest event (T_WAKE)? Only then can it do anything, so only then is it rung.
   * (The previous SAFE was at most T_WAKE, and this one is beyond it.)
   */
  /** The SAFE the coordinator knows for this CPU: its last publish, or a later answer's time. */
  lastPublished(): number {
    return Math.max(this.lastSafe, this.promised);
  }

  wakes(): boolean {
    const wake = this.wakeAt();
    return this.prevSafe <= wake && this.lastSafe > wake;
  }

  /** T_WAKE as this CPU's line holds it (read after G_COORD_SLEEP = 1). */
  wakeAt(): number {
    return this.words.f64[this.words.at(this.id, T_WAKE)]!;
  }

  /**
   * The SAFE this CPU published last, and the one before. (The coordinator may have stored a
   * later one in an answer since: then a ring may be one too many, never one too few.)
   */
  private lastSafe = -Infinity;
  private prevSafe = -Infinity;

  /** Tracing went off at `t` (cause `cause`): a new window; nothing known yet about its end. */
  off(t: number, cause: number): void {
    if (this.offSince < 0) {
      this.offSince = t;
      this.offCause = cause;
    }
    this.grantEnd = t;
    this.onAtGrantEnd = false;
  }

  /** Tracing is on again from `t`. */
  on(t: number): void {
    if (this.offSince >= 0) {
      this.offNs[this.offCause]! += t - this.offSince;
      this.offSince = -1;
    }
    this.onAtGrantEnd = false;
  }

  /** The run ended at `t`: an open window closes there. */
  close(t: number): void {
    if (this.offSince >= 0) this.on(t);
  }
}
