/**
 * Shared pieces of the benchmark: the workload every figure uses (so every figure moves the
 * same 24-byte records), an inline "zero-cost coordinator" for measuring the CPU's record
 * path alone, and the capture of the hardware record stream that the drain, splay and
 * transport figures replay.
 */
import { resolveConfig } from '../src/model/resolve-config.js';
import type { ConsumerSpec, SimConfig } from '../src/model/config.js';
import { AtomicsMem } from '../src/mem/atomics-mem.js';
import type { Op } from '../src/mem/shared-mem.js';
import {
  DS_ABSMAX, DS_BASE, DS_CAUSE, DS_ENABLED, DS_INDEX, DS_THRESHOLD, FLUSH_ACK, FLUSH_REQ, HW_SLOT_BYTES, PMI_ACK, PMI_REQ,
  cpuWord, makeLayout, type Layout,
} from '../src/mem/layout.js';
import { CpuCore } from '../src/frontend/cpu-core.js';
import { CPU_STAT_STRIDE } from '../src/mem/layout.js';
import { CpuWorkload } from '../src/workload/cpu-workload.js';
import { newChunk } from '../src/workload/generator.js';
import type { EventChunk } from '../src/workload/events.js';

export const RECORD_BYTES = 24;
export const RECORD_WORDS = 6;
/** Records per push/pop (ringbuf.js), per message (postMessage), per memcpy chunk. */
export const BLOCK_RECORDS = 1024;

/** One CPU's consumers: a single continuous cpu-all consumer, or all five kinds. */
export const ONE: ConsumerSpec[] = [{ id: 'cpu0-all', kind: 'cpu-all', target: 0, mode: 'continuous', size: 4096 }];
export const FIVE: ConsumerSpec[] = [
  { id: 'cpu0-all', kind: 'cpu-all', target: 0, mode: 'continuous', size: 4096 },
  { id: 'cpu0-kernel-ring', kind: 'cpu-kernel', target: 0, mode: 'ring', size: 4096 },
  { id: 'tid1-user', kind: 'thread-user', target: 1, mode: 'continuous', size: 4096 },
  { id: 'tid2-kernel-ring', kind: 'thread-kernel', target: 2, mode: 'ring', size: 4096 },
  { id: 'tid1-all', kind: 'thread-all', target: 1, mode: 'continuous', size: 4096 },
];

/** One simulated CPU, two threads, the default workload rates; nothing checked. */
export function benchConfig(consumers: ConsumerSpec[], branches: number): SimConfig {
  return resolveConfig({ cpus: 1, seed: 1, branches, check: false, consumers });
}

export function benchLayout(cfg: SimConfig): Layout {
  return makeLayout(cfg.cpus, cfg.spares, cfg.bufferRecords, cfg.consumers.length, cfg.consumerBuffers, cfg.workload.threads);
}

/** Every epoch of CPU 0, generated up front (the "generation excluded" input). */
export function pregenerate(cfg: SimConfig): EventChunk[] {
  const wl = new CpuWorkload(cfg, 0);
  const chunks: EventChunk[] = [];
  for (;;) {
    const c = newChunk(cfg);
    if (!wl.fill(c)) break;
    chunks.push(c);
  }
  return chunks;
}

/**
 * SharedMem for a CPU alone: the overflow interrupt and the context-switch flush are
 * serviced inline, inside the CPU's own `Atomics.add` of PMI_REQ / FLUSH_REQ, by
 * re-installing the same (or the next) buffer at once. A coordinator that costs nothing,
 * so what is measured is the CPU's record path itself. `onFull` sees each full buffer.
 */
export class InlineServiceMem extends AtomicsMem {
  constructor(
    words: Int32Array,
    private readonly cfg: SimConfig,
    private readonly buffers: number,
    private readonly onFull?: (buffer: number, count: number) => void,
  ) {
    super(words);
  }

  /** Program CPU 0's DS area with `buffer`, empty (what Coordinator.program does). */
  program(buffer: number): void {
    const w = this.words;
    Atomics.store(w, cpuWord(0, DS_BASE), buffer);
    Atomics.store(w, cpuWord(0, DS_INDEX), 0);
    Atomics.store(w, cpuWord(0, DS_ABSMAX), this.cfg.cpuBuffers[0]!.records);
    Atomics.store(w, cpuWord(0, DS_THRESHOLD), this.cfg.cpuBuffers[0]!.threshold);
    Atomics.store(w, cpuWord(0, DS_CAUSE), 0);
    Atomics.store(w, cpuWord(0, DS_ENABLED), 1);
  }

  override *add(index: number, value: number): Generator<Op, number, unknown> {
    const w = this.words;
    const old = Atomics.add(w, index, value);
    if (index === cpuWord(0, PMI_REQ)) {
      const base = Atomics.load(w, cpuWord(0, DS_BASE));
      this.onFull?.(base, Atomics.load(w, cpuWord(0, DS_INDEX)));
      this.program((base + 1) % this.buffers);
      Atomics.store(w, cpuWord(0, PMI_ACK), old + value);
    } else if (index === cpuWord(0, FLUSH_REQ)) {
      Atomics.store(w, cpuWord(0, FLUSH_ACK), old + value);
    }
    return old;
  }
}

/** A CPU with its own DS area and an inline coordinator (see InlineServiceMem). */
export function soloCpu(cfg: SimConfig, buffers: number, onFull?: (buffer: number, count: number) => void): {
  core: CpuCore; mem: InlineServiceMem; bufs: SharedArrayBuffer; layout: Layout;
} {
  const layout = benchLayout(cfg);
  const ctl = new Int32Array(new SharedArrayBuffer(layout.ctlWords * 4));
  const bufs = new SharedArrayBuffer(buffers * cfg.bufferRecords * HW_SLOT_BYTES);
  const mem = new InlineServiceMem(ctl, cfg, buffers, onFull);
  mem.program(0);
  // Released epochs: no thread ever waits for a migration here.
  for (let t = 0; t <= cfg.workload.threads; t++) Atomics.store(ctl, layout.relBase + t, 0x7fff_ffff);
  const stats = new Float64Array(new SharedArrayBuffer(cfg.cpus * CPU_STAT_STRIDE * 8));
  const core = new CpuCore(cfg, 0, mem, layout, bufs, stats);
  return { core, mem, bufs, layout };
}

/**
 * The hardware records CPU 0 stores for `cfg` (branches and annotations, in order), as the
 * sequence of full buffers the coordinator would drain: `bufs` holds buffer k at slot k,
 * `counts[k]` records. `stream` is the same records back to back.
 */
export interface Capture {
  bufs: SharedArrayBuffer;
  counts: number[];
  stream: Uint32Array;
  records: number;
}

export function capture(cfg: SimConfig): Capture {
  const chunks = pregenerate(cfg);
  const slotWords = (cfg.bufferRecords * HW_SLOT_BYTES) / 4;
  const estimate = Math.ceil((cfg.branches * 1.05) / cfg.cpuBuffers[0]!.threshold) + 4;
  const counts: number[] = [];
  const solo = soloCpu(cfg, estimate, (_b, count) => counts.push(count));
  for (const c of chunks) solo.core.execute(c);
  counts.push(Atomics.load(solo.mem.words, cpuWord(0, DS_INDEX)));
  const u = new Uint32Array(solo.bufs);
  const records = counts.reduce((a, b) => a + b, 0);
  const stream = new Uint32Array(new SharedArrayBuffer(records * RECORD_BYTES));
  let o = 0;
  counts.forEach((n, k) => {
    stream.set(u.subarray(k * slotWords, k * slotWords + n * RECORD_WORDS), o);
    o += n * RECORD_WORDS;
  });
  return { bufs: solo.bufs, counts, stream, records };
}
