/**
 * The notify-resume gates' state machine.
 *
 * The notify-resume gates' state machine: which threads wait for a tracer, where each last
 * blocked, until when it may not be picked, and what the waits cost it (docs/domain-model.md §4;
 * the rules are at the top of schedule.ts, which drives this once per epoch).
 */
import type { SimConfig } from '../model/config.js';
import { isGated } from '../model/consumer-gate.js';
import type { ResumeState, ThreadGate } from './epoch-schedule.js';
import { GATE_BODY, GATE_NONE } from './events.js';
import type { GateOutcome } from './gate-memo.js';
import { epochLength } from './generator.js';

/** How long a gated thread waited for its tracer (virtual time), from the scheduler's account. */
export interface ThreadStall {
  tid: number;
  consumer: string;
  /** Times it blocked in do_notify_resume. */
  blocks: number;
  /** Its timeslices that went to the idle task because it was blocked. */
  blockedSlots: number;
  /** Branches of virtual time it was blocked (the rest of a blocking slot plus whole slots). */
  stalledBranches: number;
  /** Timeslices it ran. */
  ranSlots: number;
  /** Still blocked when the run ended. */
  blockedAtEnd: boolean;
}

/** Per thread (index tid - 1): the consumer it waits for in do_notify_resume, if any. */
export function threadGates(cfg: SimConfig): (ThreadGate | null)[] {
  const gates: (ThreadGate | null)[] = new Array(cfg.workload.threads).fill(null);
  for (const c of cfg.consumers) {
    if (!isGated(c)) continue;
    gates[c.target - 1] = { consumer: c.id, size: c.size, delay: c.callbackDelay === 'never' ? Infinity : c.callbackDelay! };
  }
  return gates;
}

/** Every thread's gate state, for one Schedule. */
export class GateState {
  /** Per thread (index tid - 1): its gate, or null. */
  private readonly gates: (ThreadGate | null)[];
  /** Per thread: gated-view records before the current epoch (the generator's starting count). */
  readonly gateStart: Float64Array;
  private readonly gateEnd: Float64Array;
  /** Per thread: the first epoch it may be picked in again (0: not blocked). */
  private readonly blockedUntil: Float64Array;
  /**
   * Per thread: the epoch it last blocked in mid-timeslice (-1: none) and where it resumes;
   * and the block before that, which the head of the timeslice that blocks again still
   * returns from (settle() records the new block before the CPUs generate that timeslice).
   */
  private readonly blockEpoch: Int32Array;
  private readonly blockState: ResumeState[];
  private readonly prevBlockEpoch: Int32Array;
  private readonly prevBlockState: ResumeState[];
  private readonly stall: ThreadStall[];

  constructor(private readonly cfg: SimConfig) {
    const threads = cfg.workload.threads;
    this.gates = threadGates(cfg);
    this.gateStart = new Float64Array(threads);
    this.gateEnd = new Float64Array(threads);
    this.blockedUntil = new Float64Array(threads);
    this.blockEpoch = new Int32Array(threads).fill(-1);
    this.blockState = new Array<ResumeState>(threads);
    this.prevBlockEpoch = new Int32Array(threads).fill(-1);
    this.prevBlockState = new Array<ResumeState>(threads);
    this.stall = [];
    this.gates.forEach((g, t) => {
      if (g) this.stall[t] = { tid: t + 1, consumer: g.consumer, blocks: 0, blockedSlots: 0, stalledBranches: 0, ranSlots: 0, blockedAtEnd: false };
    });
  }

  /** Is any thread gated? (Ungated runs skip every step below.) */
  get any(): boolean {
    return this.stall.length > 0;
  }

  /** The gate of `tid`, or null. */
  gateOf(tid: number): ThreadGate | null {
    return this.gates[tid - 1] ?? null;
  }

  /** Account what gated `tid` did in its timeslice of `epoch`: its records, and where it blocked. */
  record(tid: number, epoch: number, out: GateOutcome): void {
    const g = this.gates[tid - 1]!;
    const st = this.stall[tid - 1]!;
    st.ranSlots++;
    this.gateEnd[tid - 1] = this.gateStart[tid - 1]! + out.records;
    if (out.block !== GATE_NONE) {
      st.blocks++;
      this.blockedUntil[tid - 1] = epoch + g.delay;
      if (out.block === GATE_BODY) {
        this.prevBlockEpoch[tid - 1] = this.blockEpoch[tid - 1]!;
        this.prevBlockState[tid - 1] = this.blockState[tid - 1]!;
        this.blockEpoch[tid - 1] = epoch;
        this.blockState[tid - 1] = out.resume;
        st.stalledBranches += out.idleAfter;
      }
    }
  }

  /** The epoch ends: the next one's gated-view counts start where this one's ended. */
  endEpoch(): void {
    this.gateStart.set(this.gateEnd);
  }

  /** `pick` without the threads blocked at `epoch` (their slots go to the idle task); `count`: charge them the slot. */
  filterBlocked(pick: Int32Array, epoch: number, count: boolean): Int32Array {
    const out = pick.slice();
    for (let c = 0; c < out.length; c++) {
      const t = out[c]!;
      if (t && this.blockedUntil[t - 1]! > epoch) {
        out[c] = 0;
        if (count) {
          const st = this.stall[t - 1]!;
          st.blockedSlots++;
          st.stalledBranches += epochLength(this.cfg, epoch);
        }
      }
    }
    return out;
  }

  /** Where `tid` resumes if it blocked in mid-timeslice in `epoch` (>= 0), else undefined. */
  blockedResume(tid: number, epoch: number): ResumeState | undefined {
    if (this.blockEpoch[tid - 1] === epoch) return this.blockState[tid - 1]!;
    if (this.prevBlockEpoch[tid - 1] === epoch) return this.prevBlockState[tid - 1]!;
    return undefined;
  }

  /** The gated threads' stalls up to `epoch` (the current one). */
  stalls(epoch: number): ThreadStall[] {
    return this.stall.filter((x) => x).map((x) => ({ ...x, blockedAtEnd: this.blockedUntil[x.tid - 1]! > epoch }));
  }
}
