/**
 * Checks of the ids and counts a design hands the coordinator. An out-of-range id must not
 * reach another CPU's words or another buffer (the guard names the design).
 */
import type { SimConfig } from '../model/config.js';
import { BtsimError } from '../model/errors.js';

export class DesignIds {
  constructor(private readonly cfg: SimConfig) {}

  /** A CPU id a design gave, checked. */
  cpu(what: string, cpu: number): number {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cfg.cpus) throw new BtsimError(`${what}: cpu ${String(cpu)} is not a CPU id (0 to ${this.cfg.cpus - 1})`);
    return cpu;
  }

  /** A buffer id a design gave: a hardware buffer (staging buffers too, where `staging`). */
  buffer(what: string, buffer: number, staging = false): number {
    const n = this.cfg.cpus + this.cfg.spares + (staging ? this.cfg.cpus : 0);
    if (!Number.isInteger(buffer) || buffer < 0 || buffer >= n) throw new BtsimError(`${what}: buffer ${String(buffer)} is not a buffer id (0 to ${n - 1})`);
    return buffer;
  }

  recordCount(what: string, cpu: number, count: number): number {
    const max = this.cfg.cpuBuffers[cpu]!.records;
    if (!Number.isInteger(count) || count < 0 || count > max) throw new BtsimError(`${what}: count ${String(count)} is not a record count of cpu ${cpu}'s buffers (0 to ${max})`);
    return count;
  }

  /** The staging buffer of a CPU: after the pool's spares, one per CPU, never in the pool. */
  staging(cpu: number): number {
    return this.cfg.cpus + this.cfg.spares + cpu;
  }
}
