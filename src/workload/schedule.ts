/**
 * Which thread runs on which CPU in each timeslice ("epoch"), as a pure function of
 * (config, seed).
 *
 * Virtual time is the per-CPU event index; every CPU reschedules at each multiple of the
 * timeslice, so epoch k spans the same virtual interval on every CPU. Each thread has one
 * home CPU per epoch and runs only there, so it never runs on two CPUs at the same virtual
 * time. Migrations move a thread's home at epoch boundaries (seeded).
 *
 * A thread's state at a switch-out is canonical: `resumeState(tid, epochOfSwitchOut)`
 * fixes the user PC it was stopped at and whether it entered the kernel through an
 * interrupt (preemption) or a blocking syscall. The CPU that next runs the thread derives
 * the same state without knowing anything else about the CPU that ran it before.
 *
 * Every CPU and every oracle stream walks this chain forward on its own (cheap: a few
 * operations per thread per epoch), so no actor ever asks another for the schedule.
 *
 * Gated threads (notify-resume, docs/domain-model.md §4). A thread whose thread-user continuous
 * consumer has a `callbackDelay` waits for that consumer in do_notify_resume: when the
 * consumer's buffer is full (its view's record count reaches a multiple of its size), the
 * thread blocks at its next return to user mode, and may be picked again only
 * `callbackDelay` timeslices later (never, for an unresponsive consumer). Its slots in
 * between go to the idle task; every other thread keeps its own slots. The block point is
 * a count of ground-truth records and the delay is virtual time, so the whole schedule stays
 * a pure function of (config, seed). The block points come from generating the gated
 * threads' timeslices (settle(), gateOutcome()), a cost only gated runs pay, and once per
 * config: the outcomes are memoised per config content, and a run's main thread works them
 * all out before the workers start and hands them the table (gateTable, useGateTable).
 *
 * Order within one advance to epoch e: `running` (effective: blocked threads filtered
 * out) is known from earlier epochs; `nextRaw` is the pure pick for e + 1, which fixes
 * every timeslice's shape; settle() generates e for each gated thread running in it, records
 * where it blocked, and only then filters `next`, which the tails of e switch to.
 */
import type { SimConfig } from '../model/config.js';
import { EntryKind } from '../model/constants.js';
import { hashKey, Rng } from '../base/prng.js';
import { mmOf, userAddress } from './addresses.js';
import type { EpochSchedule, ResumeState, ThreadGate } from './epoch-schedule.js';
import { EventChunk } from './events.js';
import { outcomesFor, type GateOutcome, type GateOutcomes } from './gate-memo.js';
import { generateEpoch, syscallKind } from './generator.js';
import { GateState, type ThreadStall } from './thread-gates.js';

export class Schedule implements EpochSchedule {
  /** Home CPU of each thread (index tid - 1) in the current epoch. */
  home: Int32Array;
  /** Epoch in which each thread last ran before the current epoch (-1: never). */
  readonly lastRan: Int32Array;
  /** CPU on which each thread last ran before the current epoch (-1: never). */
  readonly lastCpu: Int32Array;
  /** Thread run by each CPU in the current epoch (0: idle). */
  running: Int32Array;
  /** Thread each CPU runs in the next epoch (0: idle). */
  next: Int32Array;
  /** Thread run by each CPU in the previous epoch (0: idle, -1: none, at epoch 0). */
  readonly previous: Int32Array;
  /** The address space loaded on each CPU at the start of the current epoch (-1: none yet). */
  readonly loadedMm: Int32Array;
  /** The pure pick for the next epoch, before blocked threads are filtered out (fixes the tails' shape). */
  nextRaw: Int32Array;
  epoch = 0;
  /** Per thread: gated-view records before the current epoch (the gates' own array). */
  readonly gateStart: Float64Array;
  private readonly gates: GateState;
  private scratch: EventChunk | null = null;
  /** The gate outcomes shared by every Schedule of this config's content (gated runs only). */
  private memo: GateOutcomes | null = null;
  private nextHome: Int32Array;
  private readonly threads: number;
  private readonly cpus: number;

  constructor(private readonly cfg: SimConfig) {
    this.threads = cfg.workload.threads;
    this.cpus = cfg.cpus;
    this.home = new Int32Array(this.threads);
    this.lastRan = new Int32Array(this.threads).fill(-1);
    this.lastCpu = new Int32Array(this.threads).fill(-1);
    this.previous = new Int32Array(this.cpus).fill(-1);
    this.loadedMm = new Int32Array(this.cpus).fill(-1);
    this.gates = new GateState(cfg);
    this.gateStart = this.gates.gateStart;
    for (let t = 0; t < this.threads; t++) this.home[t] = t % this.cpus;
    this.running = this.pick(this.home, 0);
    this.nextHome = this.migrate(this.home, 1);
    this.nextRaw = this.pick(this.nextHome, 1);
    this.next = this.nextRaw.slice();
    for (let c = 0; c < this.cpus; c++) {
      const t = this.running[c]!;
      if (t) this.loadedMm[c] = mmOf(t, cfg);
    }
    this.settle();
  }

  /** The gate of `tid`, or null. */
  gateOf(tid: number): ThreadGate | null {
    return this.gates.gateOf(tid);
  }

  /** The gated threads' stalls up to the current epoch. */
  stalls(): ThreadStall[] {
    return this.gates.stalls(this.epoch);
  }

  /**
   * Find where the gated threads running in the current epoch block (see the top), then
   * filter the next epoch's pick.
   */
  private settle(): void {
    if (!this.gates.any) return;
    const e = this.epoch;
    for (let c = 0; c < this.cpus; c++) {
      const t = this.running[c]!;
      if (!t || !this.gates.gateOf(t)) continue;
      this.gates.record(t, e, this.gateOutcome(c));
    }
    this.next = this.gates.filterBlocked(this.nextRaw, e + 1, false);
  }

  /**
   * What the gated thread running on `cpu` does in the current epoch. Every Schedule of the
   * same config computes the same outcome, so those of one thread (the sink's oracle streams)
   * share it: generated once per process, not once per stream.
   */
  private gateOutcome(cpu: number): GateOutcome {
    const memo = (this.memo ??= outcomesFor(this.cfg));
    const key = this.epoch * this.cpus + cpu;
    let o = memo.get(key);
    if (!o) {
      this.scratch ??= new EventChunk(this.cfg.workload.timesliceBranches);
      const out = this.scratch;
      generateEpoch(this.cfg, this, cpu, out);
      o = {
        records: out.gateRecords, block: out.gateBlock, idleAfter: out.length - out.ownedEnd,
        resume: { pc: out.gatePc, pcHi: out.gatePcHi, kind: out.gateKind },
      };
      memo.set(key, o);
    }
    return o;
  }

  /** Advance to the next epoch: record who ran, then make the lookahead current. */
  advance(): void {
    for (let c = 0; c < this.cpus; c++) {
      const t = this.running[c]!;
      this.previous[c] = t;
      if (t) {
        this.lastRan[t - 1] = this.epoch;
        this.lastCpu[t - 1] = c;
        this.loadedMm[c] = mmOf(t, this.cfg);
      }
    }
    this.epoch++;
    this.home = this.nextHome;
    this.running = this.gates.any ? this.gates.filterBlocked(this.nextRaw, this.epoch, true) : this.next;
    this.gates.endEpoch();
    this.nextHome = this.migrate(this.home, this.epoch + 1);
    this.nextRaw = this.pick(this.nextHome, this.epoch + 1);
    this.next = this.nextRaw;
    this.settle();
  }

  /** Advance until `epoch` (forward only). */
  seek(epoch: number): void {
    if (epoch < this.epoch) throw new RangeError(`schedule cannot go back from epoch ${this.epoch} to ${epoch}`);
    while (this.epoch < epoch) this.advance();
  }

  /** Is `tid` running on some CPU in the current epoch? */
  isRunning(tid: number): boolean {
    return this.running.includes(tid);
  }

  /** The epoch whose end last switched `tid` out, seen from the end of the current epoch. */
  switchOutEpoch(tid: number): number {
    return this.isRunning(tid) ? this.epoch : this.lastRan[tid - 1]!;
  }

  private migrate(home: Int32Array, epoch: number): Int32Array {
    const out = home.slice();
    const rate = this.cfg.workload.migrationRate;
    if (this.cpus < 2 || rate <= 0) return out;
    const rng = new Rng(hashKey(this.cfg.seed, 0x6d16, epoch));
    if (!rng.chance(rate)) return out;
    const t = rng.below(this.threads);
    out[t] = (out[t]! + 1 + rng.below(this.cpus - 1)) % this.cpus;
    return out;
  }

  /** Round-robin over each CPU's home threads, by epoch number. */
  private pick(home: Int32Array, epoch: number): Int32Array {
    const running = new Int32Array(this.cpus);
    const counts = new Int32Array(this.cpus);
    for (let t = 0; t < this.threads; t++) counts[home[t]!]!++;
    const seen = new Int32Array(this.cpus);
    for (let t = 0; t < this.threads; t++) {
      const c = home[t]!;
      if (seen[c]! === epoch % counts[c]!) running[c] = t + 1;
      seen[c]!++;
    }
    return running;
  }

  /** The state a thread switched out at the end of `epoch` resumes from (epoch -1: before the trace). */
  resumeState(tid: number, epoch: number): ResumeState {
    const gated = epoch >= 0 ? this.gates.blockedResume(tid, epoch) : undefined;
    if (gated) return gated;
    const rng = new Rng(hashKey(this.cfg.seed, 0x7e5, tid, epoch));
    const a = userAddress(rng, mmOf(tid, this.cfg), this.cfg);
    // Before the trace every thread was preempted (docs/domain-model.md §3, views: its first return closes no visible entry).
    const blocked = epoch >= 0 && rng.chance(0.5);
    return { pc: a.lo, pcHi: a.hi, kind: blocked ? syscallKind(this.cfg) : EntryKind.INTERRUPT };
  }
}
