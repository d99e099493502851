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
 */
import type { SimConfig } from '../model/config.js';
import { EntryKind } from '../model/constants.js';
import { hashKey, Rng } from './prng.js';
import { userAddress } from './addresses.js';

export interface ResumeState {
  /** The user PC the thread returns to. */
  pc: number;
  pcHi: number;
  /** What the return closes: EntryKind.INTERRUPT (preempted) or a syscall kind (blocked). */
  kind: number;
}

export class Schedule {
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
  epoch = 0;
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
    for (let t = 0; t < this.threads; t++) this.home[t] = t % this.cpus;
    this.running = this.pick(this.home, 0);
    this.nextHome = this.migrate(this.home, 1);
    this.next = this.pick(this.nextHome, 1);
    for (let c = 0; c < this.cpus; c++) {
      const t = this.running[c]!;
      if (t) this.loadedMm[c] = mmOf(t, cfg);
    }
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
    this.running = this.next;
    this.nextHome = this.migrate(this.home, this.epoch + 1);
    this.next = this.pick(this.nextHome, this.epoch + 1);
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
    const rng = new Rng(hashKey(this.cfg.seed, 0x7e5, tid, epoch));
    const a = userAddress(rng, mmOf(tid, this.cfg), this.cfg);
    // Before the trace every thread was preempted (DESIGN.md views: its first return closes no visible entry).
    const blocked = epoch >= 0 && rng.chance(0.5);
    return { pc: a.lo, pcHi: a.hi, kind: blocked ? syscallKind(this.cfg) : EntryKind.INTERRUPT };
  }
}

/** Threads are spread over address spaces round-robin; mm ids start at 0. */
export function mmOf(tid: number, cfg: SimConfig): number {
  return (tid - 1) % cfg.workload.addressSpaces;
}

/** The cr3-like id of an address space: never 0 (0 means "no switch" in events). */
export function cr3Of(mm: number): number {
  return (mm + 1) * 0x1000;
}

/** The syscall instruction the workload uses: `syscall` on 64-bit CPUs, `int $0x80` when any CPU is 32-bit. */
export function syscallKind(cfg: SimConfig): number {
  return cfg.format.includes(32) ? EntryKind.INT80 : EntryKind.SYSCALL;
}
