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
import { isGated } from '../model/consumer-gate.js';
import { EntryKind } from '../model/constants.js';
import { hashKey, Rng } from '../base/prng.js';
import { userAddress } from './addresses.js';
import { EventChunk, GATE_BODY, GATE_NONE } from './events.js';
import { epochCount, epochLength, generateEpoch } from './generator.js';

/** The consumer a gated thread waits for. */
export interface ThreadGate {
  consumer: string;
  /** Records per callback buffer: the thread blocks each time this many more are in its view. */
  size: number;
  /** Timeslices the callback takes (Infinity: it never returns). */
  delay: number;
}

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
  /** The pure pick for the next epoch, before blocked threads are filtered out (fixes the tails' shape). */
  nextRaw: Int32Array;
  epoch = 0;
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
  private scratch: EventChunk | null = null;
  /** The gate outcomes shared by every Schedule of this config's content (gated runs only). */
  private memo: Map<number, GateOutcome> | null = null;
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
    this.gates = threadGates(cfg);
    this.gateStart = new Float64Array(this.threads);
    this.gateEnd = new Float64Array(this.threads);
    this.blockedUntil = new Float64Array(this.threads);
    this.blockEpoch = new Int32Array(this.threads).fill(-1);
    this.blockState = new Array<ResumeState>(this.threads);
    this.prevBlockEpoch = new Int32Array(this.threads).fill(-1);
    this.prevBlockState = new Array<ResumeState>(this.threads);
    this.stall = [];
    this.gates.forEach((g, t) => {
      if (g) this.stall[t] = { tid: t + 1, consumer: g.consumer, blocks: 0, blockedSlots: 0, stalledBranches: 0, ranSlots: 0, blockedAtEnd: false };
    });
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
    return this.gates[tid - 1] ?? null;
  }

  /** The gated threads' stalls up to the current epoch. */
  stalls(): ThreadStall[] {
    return this.stall.filter((x) => x).map((x) => ({ ...x, blockedAtEnd: this.blockedUntil[x.tid - 1]! > this.epoch }));
  }

  /**
   * Find where the gated threads running in the current epoch block (see the top), then
   * filter the next epoch's pick.
   */
  private settle(): void {
    if (this.stall.length === 0) return;
    const e = this.epoch;
    for (let c = 0; c < this.cpus; c++) {
      const t = this.running[c]!;
      const g = t ? this.gates[t - 1] : null;
      if (!g) continue;
      const out = this.gateOutcome(c);
      const st = this.stall[t - 1]!;
      st.ranSlots++;
      this.gateEnd[t - 1] = this.gateStart[t - 1]! + out.records;
      if (out.block !== GATE_NONE) {
        st.blocks++;
        this.blockedUntil[t - 1] = e + g.delay;
        if (out.block === GATE_BODY) {
          this.prevBlockEpoch[t - 1] = this.blockEpoch[t - 1]!;
          this.prevBlockState[t - 1] = this.blockState[t - 1]!;
          this.blockEpoch[t - 1] = e;
          this.blockState[t - 1] = out.resume;
          st.stalledBranches += out.idleAfter;
        }
      }
    }
    this.next = this.filterBlocked(this.nextRaw, e + 1, false);
  }

  /**
   * What the gated thread running on `cpu` does in the current epoch. Every Schedule of the
   * same config computes the same outcome, so those of one thread (the sink's oracle streams)
   * share it: generated once per process, not once per stream.
   */
  private gateOutcome(cpu: number): GateOutcome {
    const memo = (this.memo ??= memoFor(this.cfg));
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

  /** `pick` without the threads blocked at `epoch` (their slots go to the idle task). */
  private filterBlocked(pick: Int32Array, epoch: number, count: boolean): Int32Array {
    const out = pick.slice();
    for (let c = 0; c < this.cpus; c++) {
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
    this.running = this.stall.length ? this.filterBlocked(this.nextRaw, this.epoch, true) : this.next;
    this.gateStart.set(this.gateEnd);
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
    if (epoch >= 0 && this.blockEpoch[tid - 1] === epoch) return this.blockState[tid - 1]!;
    if (epoch >= 0 && this.prevBlockEpoch[tid - 1] === epoch) return this.prevBlockState[tid - 1]!;
    const rng = new Rng(hashKey(this.cfg.seed, 0x7e5, tid, epoch));
    const a = userAddress(rng, mmOf(tid, this.cfg), this.cfg);
    // Before the trace every thread was preempted (docs/domain-model.md §3, views: its first return closes no visible entry).
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

interface GateOutcome {
  records: number;
  block: number;
  idleAfter: number;
  resume: ResumeState;
}

/**
 * Gate outcomes by (epoch, cpu), per config content (its JSON: a config object changed after
 * use, or an equal one resolved again, never sees another's outcomes). The last few configs
 * of the process are kept: a sweep or compare runs one after the other.
 */
const outcomes = new Map<string, Map<number, GateOutcome>>();
const MEMO_CONFIGS = 4;

function memoFor(cfg: SimConfig, replace?: Map<number, GateOutcome>): Map<number, GateOutcome> {
  const key = JSON.stringify(cfg);
  let memo = outcomes.get(key);
  if (replace || !memo) {
    memo = replace ?? new Map();
    outcomes.delete(key);
    outcomes.set(key, memo);
    while (outcomes.size > MEMO_CONFIGS) outcomes.delete(outcomes.keys().next().value!);
  }
  return memo;
}

const OUTCOME_WORDS = 7;

/** Bytes of a run's gate table (an upper bound): for the memory budget. */
export function gateTableBytes(cfg: SimConfig): number {
  const gated = threadGates(cfg).filter((g) => g).length;
  return epochCount(cfg) * Math.min(gated, cfg.cpus) * OUTCOME_WORDS * 8;
}

/**
 * Every gate outcome of a run, worked out once (by the main thread, before the workers
 * start) as a pure function of (config, seed): null when no thread is gated, or when
 * `signal` aborted meanwhile (the run then stops before it starts). Workers install it with
 * useGateTable() instead of each generating every gated thread's timeslices. It yields to
 * the event loop every few milliseconds, so that Ctrl-C is not kept waiting.
 */
export async function gateTable(cfg: SimConfig, signal?: AbortSignal): Promise<Float64Array | null> {
  if (!threadGates(cfg).some((g) => g)) return null;
  const s = new Schedule(cfg);
  const last = epochCount(cfg) - 1;
  let since = Date.now();
  while (s.epoch < last) {
    s.advance();
    if (Date.now() - since > 20) {
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) return null;
      since = Date.now();
    }
  }
  const memo = memoFor(cfg);
  const table = new Float64Array(memo.size * OUTCOME_WORDS);
  let k = 0;
  for (const [key, o] of memo) {
    table.set([key, o.records, o.block, o.idleAfter, o.resume.pc, o.resume.pcHi, o.resume.kind], k);
    k += OUTCOME_WORDS;
  }
  // The workers get the table; this thread has no use for the outcomes any more.
  outcomes.delete(JSON.stringify(cfg));
  return table;
}

/** Let every Schedule of a config with `cfg`'s content read its gate outcomes from `table`. */
export function useGateTable(cfg: SimConfig, table: Float64Array): void {
  const memo = new Map<number, GateOutcome>();
  for (let k = 0; k < table.length; k += OUTCOME_WORDS) {
    memo.set(table[k]!, {
      records: table[k + 1]!, block: table[k + 2]!, idleAfter: table[k + 3]!,
      resume: { pc: table[k + 4]!, pcHi: table[k + 5]!, kind: table[k + 6]! },
    });
  }
  memoFor(cfg, memo);
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
