/**
 * The oracle's generated epochs, shared by the expected streams of one sink thread.
 *
 * Several consumers see the same (epoch, CPU): a CPU's cpu-all and cpu-kernel streams, a ring
 * beside a continuous consumer, and a thread's streams on the CPU that runs it. Each regenerated
 * that epoch on its own; this keeps the last few generated, so the second stream to ask reads
 * the first one's. Before generating, it reads the epoch from the generator thread's queue if a
 * slot still holds it (workload/chunk-queue.ts): that is the workload as generateEpoch made it
 * on another thread, taken only with the checksum the generator stored beside it, so a slot the
 * CPU worker (the data path) had written to would fail and the epoch be generated here. Either
 * way the oracle derives nothing from what the data path produced, and every hit hands back
 * exactly the events generateEpoch makes here (a pure function of config, seed, epoch and
 * CPU), so no expected record depends on where the epoch came from.
 */
import type { SimConfig } from '../model/config.js';
import type { EventChunk } from '../workload/events.js';
import type { EpochSchedule } from '../workload/epoch-schedule.js';
import { generateEpoch, newChunk } from '../workload/generator.js';
import { attachQueue, type ChunkQueue, type QueueMemory } from '../workload/chunk-queue.js';

export class EpochCache {
  /** Cached chunks, least recently used first; `keys[i]` is chunk i's epoch * cpus + cpu. */
  private readonly chunks: EventChunk[] = [];
  private readonly keys: number[] = [];
  /** The furthest epoch any stream has asked for (rings' tails follow it: TailKeeper). */
  frontier = -1;
  hits = 0;
  misses = 0;
  /** Epochs read from the generator threads' queues. */
  shared = 0;
  /** Each CPU's queue and its index there (none: no generator thread, or no checking). */
  private readonly queues: ({ q: ChunkQueue; c: number } | null)[];

  constructor(private readonly cfg: SimConfig, private readonly capacity = Math.min(cfg.cpus, 16) + 4, queues?: QueueMemory[]) {
    this.queues = Array.from({ length: cfg.cpus }, () => null);
    for (const m of queues ?? []) {
      const q = attachQueue(cfg, m);
      m.cpus.forEach((cpu, c) => { this.queues[cpu] = { q, c }; });
    }
  }

  /**
   * Run `use` on epoch `schedule.epoch` of `cpu`: read from the generator's queue if it still
   * holds it (`undo` takes back a use whose read did not check out), else from this cache or
   * generated now.
   */
  withEpoch(schedule: EpochSchedule, cpu: number, use: (chunk: EventChunk) => void, undo: () => void): void {
    if (schedule.epoch > this.frontier) this.frontier = schedule.epoch;
    const at = this.queues[cpu];
    if (at && at.q.read(at.c, schedule.epoch, use, undo)) {
      this.shared++;
      return;
    }
    use(this.get(schedule, cpu));
  }

  /**
   * Epoch `schedule.epoch` of `cpu`, generated now or earlier for another stream. Valid until
   * the next call (the caller applies its view at once).
   */
  private get(schedule: EpochSchedule, cpu: number): EventChunk {
    const epoch = schedule.epoch;
    const key = epoch * this.cfg.cpus + cpu;
    const at = this.keys.lastIndexOf(key);
    if (at >= 0) {
      this.hits++;
      const chunk = this.chunks[at]!;
      if (at !== this.keys.length - 1) {
        this.keys.splice(at, 1);
        this.chunks.splice(at, 1);
        this.keys.push(key);
        this.chunks.push(chunk);
      }
      return chunk;
    }
    this.misses++;
    const chunk = this.chunks.length >= this.capacity ? this.chunks.shift()! : newChunk(this.cfg);
    if (this.keys.length >= this.capacity) this.keys.shift();
    generateEpoch(this.cfg, schedule, cpu, chunk);
    this.keys.push(key);
    this.chunks.push(chunk);
    return chunk;
  }
}
