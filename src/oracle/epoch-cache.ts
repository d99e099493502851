/**
 * The oracle's generated epochs, shared by the expected streams of one sink thread.
 *
 * Several consumers see the same (epoch, CPU): a CPU's cpu-all and cpu-kernel streams, a ring
 * beside a continuous consumer, and a thread's streams on the CPU that runs it. Each regenerated
 * that epoch on its own; this keeps the last few generated, so the second stream to ask reads
 * the first one's. What is cached is the workload regenerated from (config, seed) by the oracle
 * itself, never anything the data path wrote, so the oracle stays independent of what it checks.
 * A hit hands back exactly the events generateEpoch would have made (it is a pure function of
 * config, seed, epoch and CPU), so no expected record depends on which stream asked first.
 */
import type { SimConfig } from '../model/config.js';
import type { EventChunk } from '../workload/events.js';
import type { EpochSchedule } from '../workload/epoch-schedule.js';
import { generateEpoch, newChunk } from '../workload/generator.js';

export class EpochCache {
  /** Cached chunks, least recently used first; `keys[i]` is chunk i's epoch * cpus + cpu. */
  private readonly chunks: EventChunk[] = [];
  private readonly keys: number[] = [];
  /** The furthest epoch any stream has asked for (rings' tails follow it: TailKeeper). */
  frontier = -1;
  hits = 0;
  misses = 0;

  constructor(private readonly cfg: SimConfig, private readonly capacity = Math.min(cfg.cpus, 16) + 4) {}

  /**
   * Epoch `schedule.epoch` of `cpu`, generated now or earlier for another stream. Valid until
   * the next call (the caller applies its view at once).
   */
  get(schedule: EpochSchedule, cpu: number): EventChunk {
    const epoch = schedule.epoch;
    if (epoch > this.frontier) this.frontier = epoch;
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
