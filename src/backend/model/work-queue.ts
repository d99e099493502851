/**
 * The work queue under the modelled clock (schedule_work). Deferred items become ready after
 * a seeded latency, run on `copiers` kworkers, each busy for its item's modelled time, and in
 * order per CPU (a CPU's buffers are drained in the order they were filled). A free kworker
 * takes the ready item that became ready first (ties: lower CPU, then queue order).
 */
import { workQueueLatency, type Costs } from '../../model/costs.js';
import type { EventQueue } from './event-queue.js';

export interface WorkItem {
  cpu: number;
  /** The n-th item of its CPU. */
  n: number;
  /** Queued (schedule_work) and ready (its latency over) at, modelled ns. */
  at: number;
  ready: number;
  /** Starts the item at `t` on kworker `worker`; it calls `finished` when it ends. */
  start: (t: number, finished: (t: number) => void, worker: number) => void;
}

export class WorkQueue {
  private readonly queued: WorkItem[][];
  private readonly counts: number[];
  private readonly running: boolean[];
  private readyItems: WorkItem[] = [];
  /** Idle kworkers, lowest id taken first. */
  private readonly freeWorkers: number[];
  /** Modelled ns from queueing to running, per item. */
  readonly waits: number[] = [];

  constructor(
    cpus: number,
    workers: number,
    private readonly costs: Costs,
    private readonly seed: number,
    private readonly queue: EventQueue,
    /** Called when a CPU's queue becomes empty (a flush may be waiting for it). */
    private readonly idle: (cpu: number, t: number) => void,
  ) {
    this.queued = Array.from({ length: cpus }, () => []);
    this.counts = new Array<number>(cpus).fill(0);
    this.running = new Array<boolean>(cpus).fill(false);
    this.freeWorkers = Array.from({ length: workers }, (_, k) => workers - 1 - k);
  }

  /** Items of `cpu` queued or running. */
  pending(cpu: number): boolean {
    return this.running[cpu]! || this.queued[cpu]!.length > 0;
  }

  /** schedule_work() at `t`. */
  add(t: number, cpu: number, start: WorkItem['start']): void {
    const n = this.counts[cpu]!++;
    const item: WorkItem = { cpu, n, at: t, ready: t + workQueueLatency(this.costs, this.seed, cpu, n), start };
    this.queued[cpu]!.push(item);
    this.queue.at(item.ready, cpu, () => {
      this.readyItems.push(item);
      this.dispatch(item.ready);
    });
  }

  private dispatch(t: number): void {
    while (this.freeWorkers.length > 0) {
      let best: WorkItem | undefined;
      for (const it of this.readyItems) {
        if (this.running[it.cpu] || this.queued[it.cpu]![0] !== it) continue;
        if (!best || it.ready < best.ready || (it.ready === best.ready && (it.cpu < best.cpu || (it.cpu === best.cpu && it.n < best.n)))) best = it;
      }
      if (!best) return;
      const item = best;
      this.readyItems = this.readyItems.filter((x) => x !== item);
      const worker = this.freeWorkers.pop()!;
      this.running[item.cpu] = true;
      this.waits.push(t - item.at);
      item.start(t, (end) => {
        this.queued[item.cpu]!.shift();
        this.running[item.cpu] = false;
        this.freeWorkers.push(worker);
        this.freeWorkers.sort((a, b) => b - a);
        this.dispatch(end);
        if (!this.pending(item.cpu)) this.idle(item.cpu, end);
      }, worker);
    }
  }
}
