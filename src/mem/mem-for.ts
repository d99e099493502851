/** The SharedMem a worker uses: plain Atomics, or Atomics with chaos when the run asks for it. */
import type { SimConfig } from '../model/config.js';
import { AtomicsMem } from './atomics-mem.js';
import { ChaosMem } from './chaos-mem.js';
import type { SharedMem } from './shared-mem.js';

/** `actor` distinguishes the delay streams: CPUs 0..n-1, the coordinator n, the sink n+1. */
export function memFor(cfg: SimConfig, ctl: SharedArrayBuffer, actor: number): SharedMem {
  const words = new Int32Array(ctl);
  return cfg.chaos ? new ChaosMem(words, cfg.chaos, actor) : new AtomicsMem(words);
}
