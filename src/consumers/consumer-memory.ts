/**
 * Where each consumer's buffers live in the consumers' SharedArrayBuffer.
 *
 *   continuous: K callback buffers of `size` records (24 B each, uniform 64-bit ABI),
 *               handed to the consumer one by one (handoff words in ctl, see layout.ts)
 *   ring:       one ring of `size` records, overwritten oldest first
 *
 * Only the coordinator writes them; the consumer side (the sink) reads a continuous
 * buffer between its handoff and its return, and a ring once the coordinator finished.
 */
import type { SimConfig } from '../model/config.js';
import { RECORD_BYTES } from '../model/hw-record.js';


export interface ConsumerRegion {
  /** Byte offset of the consumer's first buffer. */
  offset: number;
  /** Records per buffer (ring: the ring). */
  size: number;
  /** Buffers (ring: 1). */
  buffers: number;
}

export function consumerRegions(cfg: SimConfig): { regions: ConsumerRegion[]; bytes: number } {
  let offset = 0;
  const regions = cfg.consumers.map((c) => {
    const buffers = c.mode === 'continuous' ? cfg.consumerBuffers : 1;
    const r = { offset, size: c.size, buffers };
    offset += buffers * c.size * RECORD_BYTES;
    return r;
  });
  return { regions, bytes: offset };
}
