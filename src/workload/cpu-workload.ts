/** A CPU's synthetic workload: its timeslices generated in order, against its own Schedule. */
import type { SimConfig } from '../model/config.js';
import type { EventChunk } from './events.js';
import { epochCount, generateEpoch } from './generator.js';
import { Schedule } from './schedule.js';
import type { ThreadStall } from './thread-gates.js';

/** Walks one CPU's epochs in order. */
export class CpuWorkload {
  readonly schedule: Schedule;
  readonly epochs: number;
  private nextEpoch = 0;

  constructor(readonly cfg: SimConfig, readonly cpu: number) {
    this.schedule = new Schedule(cfg);
    this.epochs = epochCount(cfg);
  }

  stalls(): ThreadStall[] {
    return this.schedule.stalls();
  }

  /** Generate the next epoch into `out`; false when the workload is finished. */
  fill(out: EventChunk): boolean {
    if (this.nextEpoch >= this.epochs) return false;
    this.schedule.seek(this.nextEpoch);
    generateEpoch(this.cfg, this.schedule, this.cpu, out);
    this.nextEpoch++;
    return true;
  }
}
