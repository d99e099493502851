/**
 * The producer side of the benchmark, in a worker (as a simulated CPU is): each command
 * moves the same records once and replies with the records moved. Commands:
 *
 *   bare        copy the captured records into a SharedArrayBuffer ring of DS-buffer size,
 *               plain stores, one Atomics.store of the index per batch (the bare limit)
 *   record      CpuCore.execute over pre-generated chunks, overflows serviced inline
 *   record-gen  the same with CpuWorkload.fill before each execute (generation included)
 *   e2e         CpuCore over pre-generated chunks against the real coordinator (main thread)
 *   ringbuf     push the captured records through ringbuf.js, 1,024 records per push
 *   post        post them in transferred buffers of 1,024 records
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import type { SimConfig } from '../../src/model/config.js';
import { AtomicsMem } from '../../src/mem/atomics-mem.js';
import { G_DOORBELL, G_STOP, HW_SLOT_BYTES } from '../../src/mem/layout.js';
import { CpuCore } from '../../src/frontend/cpu-core.js';
import { CpuWorkload } from '../../src/workload/cpu-workload.js';
import { newChunk } from '../../src/workload/generator.js';
import { BLOCK_RECORDS, RECORD_WORDS, benchLayout, pregenerate, soloCpu } from '../common.js';

interface Init {
  cfg: SimConfig;
  stream: Uint32Array;
  /** Buffers in the ring the bare loop and the solo CPU write into. */
  ringBuffers: number;
}

const { cfg, stream, ringBuffers } = workerData as Init;
const port = parentPort!;
const chunks = pregenerate(cfg);
const solo = soloCpu(cfg, ringBuffers);
const streamRecords = stream.length / RECORD_WORDS;

// The bare limit's ring: the same bytes as the solo CPU's buffers; its index word in its own SAB.
const bareRing = new Uint32Array(new SharedArrayBuffer(ringBuffers * cfg.bufferRecords * HW_SLOT_BYTES));
const bareIndex = new Int32Array(new SharedArrayBuffer(128));
const bareRecords = ringBuffers * cfg.bufferRecords;

function bare(batch: number): number {
  const src = stream, dst = bareRing;
  const n = streamRecords;
  let idx = 0;
  let untilPublish = batch;
  for (let r = 0; r < n; r++) {
    const s = r * 6;
    const p = idx * 6;
    dst[p] = src[s]!; dst[p + 1] = src[s + 1]!; dst[p + 2] = src[s + 2]!;
    dst[p + 3] = src[s + 3]!; dst[p + 4] = src[s + 4]!; dst[p + 5] = 0;
    if (++idx === bareRecords) idx = 0;
    if (--untilPublish === 0) {
      untilPublish = batch;
      Atomics.store(bareIndex, 0, idx);
    }
  }
  Atomics.store(bareIndex, 0, idx);
  return n;
}

function stored(core: CpuCore): number {
  return core.hwRecords + core.annotations;
}

function record(): number {
  const before = stored(solo.core);
  for (const c of chunks) solo.core.execute(c);
  return stored(solo.core) - before;
}

const genChunk = newChunk(cfg);
function recordGen(): number {
  const before = stored(solo.core);
  const wl = new CpuWorkload(cfg, 0);
  while (wl.fill(genChunk)) solo.core.execute(genChunk);
  return stored(solo.core) - before;
}

let e2e: { ctl: Int32Array; bufs: SharedArrayBuffer; stats: Float64Array } | undefined;
function endToEnd() {
  const { ctl, bufs, stats } = e2e!;
  const core = new CpuCore(cfg, 0, new AtomicsMem(ctl), benchLayout(cfg), bufs, stats);
  for (const c of chunks) if (!core.execute(c)) break;
  // Tell the coordinator the CPU is done (its service loop returns once idle).
  Atomics.store(ctl, G_STOP, 1);
  Atomics.add(ctl, G_DOORBELL, 1);
  Atomics.notify(ctl, G_DOORBELL);
  return core.result();
}

function ringbuf(sab: SharedArrayBuffer): number {
  const rb = new RingBuffer(sab, Uint32Array);
  const words = BLOCK_RECORDS * RECORD_WORDS;
  const total = stream.length;
  for (let o = 0; o < total;) {
    const n = Math.min(words, total - o);
    while (rb.availableWrite() < n) { /* spin: ringbuf.js is wait-free, it has no wait */ }
    rb.push(stream, n, o);
    o += n;
  }
  return streamRecords;
}

function post(): number {
  const words = BLOCK_RECORDS * RECORD_WORDS;
  const total = stream.length;
  for (let o = 0; o < total; o += words) {
    const n = Math.min(words, total - o);
    const b = new Uint32Array(n);
    b.set(stream.subarray(o, o + n));
    port.postMessage({ block: b }, [b.buffer]);
  }
  return streamRecords;
}

port.on('message', (m: { cmd: string; batch?: number; sab?: SharedArrayBuffer; ctl?: SharedArrayBuffer; bufs?: SharedArrayBuffer; stats?: SharedArrayBuffer }) => {
  switch (m.cmd) {
    case 'bare': port.postMessage({ records: bare(m.batch!) }); break;
    case 'record': port.postMessage({ records: record() }); break;
    case 'record-gen': port.postMessage({ records: recordGen() }); break;
    case 'e2e-setup':
      e2e = { ctl: new Int32Array(m.ctl!), bufs: m.bufs!, stats: new Float64Array(m.stats!) };
      port.postMessage({ ok: true });
      break;
    case 'e2e': port.postMessage({ result: endToEnd() }); break;
    case 'ringbuf': port.postMessage({ records: ringbuf(m.sab!) }); break;
    case 'post': port.postMessage({ records: post(), done: true }); break;
    default: throw new Error(`unknown command ${m.cmd}`);
  }
});
port.postMessage({ ready: true });
