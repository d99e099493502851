/**
 * Which real program's task runs where in each timeslice.
 *
 * Which real program's task runs where in each timeslice, and how much of its trace each
 * timeslice takes: a pure function of (config, seed) and of the tasks' lengths (measured
 * once, before the run, into `cfg.traceFiles`), so every CPU and every oracle stream walks
 * it forward on its own, like the synthetic Schedule it builds on (same homes, migrations
 * and round-robin picks over the same epochs).
 *
 * One epoch on one CPU, shaped by the raw picks only (never by what a trace contains, so
 * that how far each task gets is known without reading any trace):
 *
 *   head   when the raw pick changed since the last epoch: 1-3 kernel branches (the switch
 *          path's end), then one slot: the return to user (an interrupt's: the task was
 *          preempted) when the task is in user mode, else one more kernel branch
 *   body   the task's next events, as many as fit; a task whose trace ends there switches
 *          to idle, and the rest of the epoch is the idle task's
 *   tail   when the next raw pick differs: one slot (the timer interrupt's entry when the
 *          task is in user mode, else a kernel branch), 1-3 kernel branches, and the
 *          switch to the next task (a kernel branch when there is no one else to run)
 *
 * A CPU whose task is picked again keeps running it with no interrupt at all, so a trace
 * alone on its CPU runs exactly as it did before traces shared CPUs. A task whose trace has
 * ended is never picked again: its slots go to the idle task.
 */
import type { SimConfig } from '../model/config.js';
import { hashKey, Rng } from '../base/prng.js';
import { Schedule } from './schedule.js';

export interface EpochShape {
  /** Head length (0: none): `headKernel` kernel branches and the return slot. */
  head: number;
  headKernel: number;
  /** Tail length (0: none): the entry slot, `tailKernel` kernel branches and the switch slot. */
  tail: number;
  tailKernel: number;
  body: number;
  /** The generator's random source for this epoch, past the shape's own draws. */
  rng: Rng;
}

export class TraceSchedule {
  readonly raw: Schedule;
  /** Task running on each CPU in the current epoch (0: idle; a task whose trace ended is never picked). */
  running: Int32Array;
  /** The same for the next epoch. */
  next: Int32Array;
  /** Per task (index tid - 1): events it had done before the current epoch, and after it. */
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** The address space loaded on each CPU at the start of the current epoch (-1: none yet). */
  readonly loadedMm: Int32Array;
  /** The latest virtual time at which a task did its last natural event (+1), so far. */
  naturalEnd = 0;
  private readonly total: number[];
  private readonly natural: number[];
  private readonly ts: number;

  constructor(private readonly cfg: SimConfig) {
    const files = cfg.traceFiles;
    if (!files || files.some((f) => f.total === undefined || f.natural === undefined)) {
      throw new Error('internal: the trace schedule needs the measured traces (prepareTraces)');
    }
    this.total = files.map((f) => f.total!);
    this.natural = files.map((f) => f.natural!);
    this.ts = cfg.workload.timesliceBranches;
    this.raw = new Schedule(cfg);
    this.start = new Float64Array(files.length);
    this.end = new Float64Array(files.length);
    this.loadedMm = new Int32Array(cfg.cpus).fill(-1);
    this.running = this.alive(this.raw.running);
    this.next = new Int32Array(cfg.cpus);
    for (let c = 0; c < cfg.cpus; c++) if (this.running[c]) this.loadedMm[c] = taskMm(cfg, this.running[c]!);
    this.settle();
  }

  get epoch(): number {
    return this.raw.epoch;
  }

  /** The shape of the current epoch on `cpu` (a fresh random source each call). */
  shape(cpu: number): EpochShape {
    const e = this.raw.epoch;
    const rng = new Rng(hashKey(this.cfg.seed, 0x5ced, cpu, e));
    const T = this.raw.running[cpu]!;
    const headKernel = 1 + rng.below(3);
    const tailKernel = 1 + rng.below(3);
    const head = e > 0 && this.raw.previous[cpu] !== T ? headKernel + 1 : 0;
    const tail = this.raw.nextRaw[cpu] !== T ? tailKernel + 2 : 0;
    return { head, headKernel, tail, tailKernel, body: this.ts - head - tail, rng };
  }

  /** Advance to the next epoch. */
  advance(): void {
    for (let c = 0; c < this.cfg.cpus; c++) {
      const t = this.running[c]!;
      if (t) this.loadedMm[c] = taskMm(this.cfg, t);
    }
    this.start.set(this.end);
    this.raw.advance();
    this.running = this.next;
    this.settle();
  }

  /** Advance until `epoch` (forward only). */
  seek(epoch: number): void {
    if (epoch < this.epoch) throw new RangeError(`trace schedule cannot go back from epoch ${this.epoch} to ${epoch}`);
    while (this.epoch < epoch) this.advance();
  }

  /** Have all tasks done their natural events by the start of the current epoch? */
  done(): boolean {
    return this.start.every((s, t) => s >= this.natural[t]!);
  }

  /** How far each running task gets in the current epoch; then who runs in the next. */
  private settle(): void {
    const e = this.raw.epoch;
    for (let c = 0; c < this.cfg.cpus; c++) {
      const T = this.running[c]!;
      if (!T) continue;
      const s = this.shape(c);
      const from = this.start[T - 1]!;
      const n = Math.min(s.body, this.total[T - 1]! - from);
      this.end[T - 1] = from + n;
      const nat = this.natural[T - 1]!;
      if (from < nat && from + n >= nat) this.naturalEnd = Math.max(this.naturalEnd, e * this.ts + s.head + (nat - from));
    }
    this.next = this.aliveAfter(this.raw.nextRaw);
  }

  private alive(pick: Int32Array): Int32Array {
    return pick.map((t) => (t && this.start[t - 1]! < this.total[t - 1]! ? t : 0));
  }

  private aliveAfter(pick: Int32Array): Int32Array {
    return pick.map((t) => (t && this.end[t - 1]! < this.total[t - 1]! ? t : 0));
  }

  /** The virtual time at which the last task's natural events are done: the run's length. */
  static runLength(cfg: SimConfig): number {
    const s = new TraceSchedule(cfg);
    while (!s.done()) s.advance();
    return Math.max(1, s.naturalEnd);
  }
}

/** A task's address space: its trace's (the threads of one program share it). */
export function taskMm(cfg: SimConfig, tid: number): number {
  return cfg.traceFiles![tid - 1]!.trace;
}
