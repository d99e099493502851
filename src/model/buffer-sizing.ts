/** Hardware buffer and threshold sizing per CPU, from the consumers that can be on it. */
import type { ConsumerSpec, CpuBuffer } from './config.js';
import { DEFAULTS } from './config-defaults.js';
import { ConfigError } from './errors.js';

/**
 * Hardware buffer sizing per CPU from the consumers that can be on it (its own, and every
 * per-thread consumer, since threads migrate): all rings, the largest ring; any
 * continuous, the threshold follows the smallest continuous size, so the consumer with
 * the smallest limit is alerted in time. Explicit sizes override.
 */
export function sizeBuffers(
  cpus: number,
  consumers: ConsumerSpec[],
  bufferRecords: number | undefined,
  thresholdRecords: number | undefined,
  skid: number,
): CpuBuffer[] {
  const headroom = (n: number) => Math.max(skid + 16, Math.ceil(n / 8));
  return Array.from({ length: cpus }, (_, cpu) => {
    const here = consumers.filter((c) => c.kind.startsWith('thread') || c.target === cpu);
    const cont = here.filter((c) => c.mode === 'continuous').map((c) => c.size);
    const rings = here.filter((c) => c.mode === 'ring').map((c) => c.size);
    let records: number;
    let threshold: number;
    if (bufferRecords !== undefined) {
      records = bufferRecords;
      threshold = Math.max(1, records - Math.min(headroom(records), records >> 1));
      if (cont.length) threshold = Math.min(threshold, Math.min(...cont));
    } else if (cont.length) {
      threshold = Math.max(16, Math.min(...cont));
      records = threshold + headroom(threshold);
    } else if (rings.length) {
      records = Math.max(16, Math.max(...rings));
      threshold = records - Math.min(headroom(records), records >> 1);
    } else {
      records = DEFAULTS.bufferRecords;
      threshold = records - headroom(records);
    }
    if (thresholdRecords !== undefined) {
      if (thresholdRecords > records) {
        throw new ConfigError('thresholdRecords', thresholdRecords, `an integer from 1 to the buffer size (${records} records on cpu ${cpu})`);
      }
      threshold = thresholdRecords;
    }
    return { records, threshold };
  });
}
