/**
 * The run's watchdog: notices an actor that makes no progress and decides whom to blame (a
 * CPU, the coordinator, or the design it was running).
 *
 * The coordinator bumps G_HEARTBEAT at each pass of its service loop and each CPU publishes
 * its branch count at each batch; an actor whose figure has not moved for watchdogMs is hung
 * (a design that never returns blocks the whole coordinator thread, so its comlink calls never
 * answer: only this can notice).
 */
import type { SimConfig } from '../model/config.js';
import { FLUSH_ACK, FLUSH_REQ, G_HEARTBEAT, PMI_ACK, PMI_REQ, WAIT_ACK, WAIT_REQ, cpuWord } from '../mem/layout.js';
import { attachQueue, type ChunkQueue, type QueueMemory } from '../workload/chunk-queue.js';
import { cpuWorkerActor } from '../model/cpu-workers.js';
import type { CpuResult } from '../frontend/cpu-result.js';
import { CPU_STAT_BRANCHES, CPU_STAT_MIGRATION_WAIT, CPU_STAT_RESUME_WAIT, CPU_STAT_STARTED, CPU_STAT_STRIDE } from '../mem/layout.js';
import { COORD_STAT_DESIGN_CPU, COORD_STAT_IN_DESIGN, coordStat } from '../mem/layout.js';

/** Why a run stopped: the actor that failed and what it did. */
export interface Fault {
  actor: string;
  cause: string;
  /** The whole line, when "<actor> failed: <cause>" does not read well. */
  message?: string;
}

export type Phase = 'init' | 'cpus' | 'finish' | 'check';

/**
 * A CPU worker that has not begun its run is still starting up (module loading, which for
 * many workers on few cores takes a while): it is hung only if no worker has begun its run
 * for this long (or the watchdog's limit, if longer).
 */
const CPU_START_MS = 30_000;

const HINT = 'watchdog; raise --watchdog-ms if it is only slow';

export class Watchdog {
  private phaseNow: Phase = 'init';
  private phaseSince = Date.now();
  private lastBeat = -1;
  private beatAt = Date.now();
  private readonly cpuSeen: number[];
  private readonly cpuSeenAt: number[];
  /** CPU workers that have begun their run, and when the last one did. */
  private cpusStarted = 0;
  private lastStartAt = Date.now();
  private readonly cpuSpawnAt: number[];
  /** When each CPU last was not in an overflow interrupt (host clock: a held CPU). */
  private readonly pmiSince: number[];
  /**
   * The CPU workers' generator threads (workload/chunk-queue.ts): each one's progress (epochs
   * published), and which generator feeds each CPU. A CPU waiting for its next epoch is not
   * hung while its generator moves on; a generator that does not is.
   */
  private readonly generators: { q: ChunkQueue; actor: string; seen: number; seenAt: number }[];
  private readonly fedBy: ({ g: number; k: number } | null)[];

  constructor(
    private readonly cfg: SimConfig,
    private readonly ctl: Int32Array,
    private readonly stats: Float64Array,
    private readonly designName: string,
    /** The CPUs' handed-over results, as the run fills them in: a CPU that has one is done. */
    private readonly cpuResults: readonly (CpuResult | undefined)[],
    private readonly stop: (fault: Fault) => void,
    queues: QueueMemory[] = [],
  ) {
    this.generators = queues.map((m) => ({
      q: attachQueue(cfg, m),
      actor: cpuWorkerActor(m.cpus),
      seen: 0,
      seenAt: Date.now(),
    }));
    this.fedBy = new Array<{ g: number; k: number } | null>(cfg.cpus).fill(null);
    queues.forEach((m, g) => m.cpus.forEach((cpu, k) => { this.fedBy[cpu] = { g, k }; }));
    this.cpuSeen = new Array<number>(cfg.cpus).fill(0);
    this.cpuSeenAt = new Array<number>(cfg.cpus).fill(Date.now());
    this.cpuSpawnAt = new Array<number>(cfg.cpus).fill(Date.now());
    this.pmiSince = new Array<number>(cfg.cpus).fill(Date.now());
  }

  get phase(): Phase {
    return this.phaseNow;
  }

  enter(phase: Phase): void {
    this.phaseNow = phase;
    this.phaseSince = Date.now();
  }

  /** The worker of these CPUs was just started: their progress is watched from now. */
  spawned(cpus: number[]): void {
    for (const c of cpus) this.cpuSeenAt[c] = this.cpuSpawnAt[c] = Date.now();
  }

  /** One look at the run (every tick while it is not stopping): stop it if an actor is hung. */
  watch(): void {
    const now = Date.now();
    const limit = this.cfg.watchdogMs;
    const beat = Atomics.load(this.ctl, G_HEARTBEAT);
    if (beat !== this.lastBeat) {
      this.lastBeat = beat;
      this.beatAt = now;
    }
    switch (this.phaseNow) {
      case 'init':
        // Loading the design module in the coordinator thread.
        if (now - this.phaseSince > Math.max(limit, CPU_START_MS)) this.stop({ actor: 'coordinator', cause: `did not start within ${Math.max(limit, CPU_START_MS)} ms` });
        return;
      case 'cpus':
        return this.watchCpus(now, limit);
      case 'finish':
        // The coordinator's last drain: bounded by the buffers it holds (the memory budget).
        if (now - Math.max(this.beatAt, this.phaseSince) > limit) this.hung(limit);
        return;
      case 'check':
        return;
    }
  }

  private watchCpus(now: number, limit: number): void {
    if (now - Math.max(this.beatAt, this.phaseSince) > limit) return this.hung(limit);
    let started = 0;
    for (let c = 0; c < this.cfg.cpus; c++) started += this.stats[c * CPU_STAT_STRIDE + CPU_STAT_STARTED]!;
    if (started > this.cpusStarted) {
      this.cpusStarted = started;
      this.lastStartAt = now;
    }
    for (const g of this.generators) {
      const n = g.q.published();
      if (n !== g.seen) {
        g.seen = n;
        g.seenAt = now;
      }
    }
    for (let c = 0; c < this.cfg.cpus; c++) {
      if (this.cpuResults[c]) continue;
      const fed = this.fedBy[c];
      const gen = fed ? this.generators[fed.g] : undefined;
      if (fed && gen && gen.q.waitsForEpoch(fed.k)) {
        // Waiting for its next epoch: progress while the generator makes progress (before its
        // first epoch, the generator is still starting: as long as a worker may take to start).
        const allowed = gen.seen === 0 ? Math.max(limit, CPU_START_MS) : limit;
        if (now - gen.seenAt > allowed) return this.stop({ actor: gen.actor, cause: `its workload generator made no progress for ${allowed} ms (${HINT})` });
        this.cpuSeenAt[c] = now;
        continue;
      }
      if (this.stats[c * CPU_STAT_STRIDE + CPU_STAT_STARTED] === 0) {
        // Still loading: hung only when no worker has begun its run for a long while.
        const since = Math.max(this.lastStartAt, this.cpuSpawnAt[c]!);
        if (now - since > Math.max(limit, CPU_START_MS)) return this.stop({ actor: `cpu${c}`, cause: `did not start within ${Math.max(limit, CPU_START_MS)} ms` });
        // Its progress is watched from the moment it begins.
        this.cpuSeenAt[c] = now;
        continue;
      }
      const b = this.stats[c * CPU_STAT_STRIDE + CPU_STAT_BRANCHES]!;
      // Host clock: a CPU held in its interrupt while the coordinator is alive is waiting
      // for a design that holds it (holdCpu) and never acknowledges. (Modelled clock: the
      // model loop sees that exactly, as a machine that cannot go on.)
      const inPmi = Atomics.load(this.ctl, cpuWord(c, PMI_REQ)) > Atomics.load(this.ctl, cpuWord(c, PMI_ACK));
      if (!inPmi) this.pmiSince[c] = now;
      // (Only while the coordinator is alive: a design stuck in its code is hung() above.)
      else if (this.cfg.clock === 'host' && now - this.pmiSince[c]! > limit && now - this.beatAt < Math.min(limit, 1_000)) {
        const cause = `to acknowledge cpu${c}'s overflow interrupt within ${limit} ms (holdCpu without ds.ack? ${HINT})`;
        return this.stop({ actor: `design ${this.designName}`, cause, message: `design "${this.designName}" failed ${cause}` });
      }
      // A CPU waiting for the coordinator (in its interrupt or a flush) is not the one
      // that hangs: the heartbeat check above blames the coordinator or the design.
      const waiting = Atomics.load(this.ctl, cpuWord(c, PMI_REQ)) > Atomics.load(this.ctl, cpuWord(c, PMI_ACK))
        || Atomics.load(this.ctl, cpuWord(c, FLUSH_REQ)) > Atomics.load(this.ctl, cpuWord(c, FLUSH_ACK))
        || Atomics.load(this.ctl, cpuWord(c, WAIT_REQ)) > Atomics.load(this.ctl, cpuWord(c, WAIT_ACK));
      if (b !== this.cpuSeen[c] || waiting) {
        this.cpuSeen[c] = b;
        this.cpuSeenAt[c] = now;
      } else if (now - this.cpuSeenAt[c]! > limit) {
        const fault = this.cpuHang(c, limit, now);
        if (fault) return this.stop(fault);
      }
    }
  }

  /**
   * CPU `c` made no progress: say what it waits for. A CPU waiting for a thread that another
   * CPU has not released yet is not the cause when that one has held a thread at its return
   * to user mode (notify-resume) just as long, for tracing the design never turned back on:
   * blame that one; while that one has not waited as long yet, blame nobody (null).
   */
  private cpuHang(c: number, limit: number, now: number): Fault | null {
    const stat = (cpu: number, word: number) => this.stats[cpu * CPU_STAT_STRIDE + word]!;
    const resumeWait = (cpu: number): Fault => ({
      actor: `cpu${cpu}`,
      cause: `thread ${stat(cpu, CPU_STAT_RESUME_WAIT)} waited ${limit} ms at its return to user mode for tracing to come back on (notify-resume: the design ${this.designName} did not re-enable it; ${HINT})`,
    });
    if (stat(c, CPU_STAT_RESUME_WAIT) > 0) return resumeWait(c);
    const migrating = stat(c, CPU_STAT_MIGRATION_WAIT);
    if (migrating > 0) {
      for (let d = 0; d < this.cfg.cpus; d++) {
        if (d === c || stat(d, CPU_STAT_RESUME_WAIT) === 0) continue;
        return now - this.cpuSeenAt[d]! > limit ? resumeWait(d) : null;
      }
      return { actor: `cpu${c}`, cause: `waited ${limit} ms for thread ${migrating} to be released by the CPU it ran on (${HINT})` };
    }
    return { actor: `cpu${c}`, cause: `made no progress for ${limit} ms (${HINT})` };
  }

  /** The coordinator thread stopped answering: blame the design if it was inside it. */
  private hung(limit: number): void {
    const where = this.stats[coordStat(this.cfg.cpus, COORD_STAT_IN_DESIGN)]!;
    const cpu = this.stats[coordStat(this.cfg.cpus, COORD_STAT_DESIGN_CPU)]!;
    if (where === 1 || where === 2) {
      const inWhat = where === 1 ? `onOverflow (cpu ${cpu})` : `deferred work (cpu ${cpu})`;
      const cause = `${inWhat} did not return for ${limit} ms (${HINT})`;
      this.stop({ actor: `design ${this.designName}`, cause, message: `design "${this.designName}" hung: ${cause}` });
    } else {
      this.stop({ actor: 'coordinator', cause: `made no progress for ${limit} ms (${HINT})`, message: `coordinator hung: no progress for ${limit} ms (${HINT})` });
    }
  }
}
