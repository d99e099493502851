/**
 * btsim's benchmark: the data path against the machine's limits, on the same 24-byte records.
 *
 *   node dist/bench/bench.js [--quick] [--json FILE]
 *
 * Every figure moves the hardware records CPU 0 stores for one seeded workload (1 CPU, two
 * threads, default rates). Throughputs are tinybench medians of whole passes over those
 * records; compare them only as ratios within one run (the machine is shared and noisy).
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus as osCpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Bench } from 'tinybench';
import { RingBuffer } from 'ringbuf.js';
import type { SimConfig } from '../src/model/config.js';
import { AtomicsMem } from '../src/mem/atomics-mem.js';
import type { Op } from '../src/mem/shared-mem.js';
import { CONS_FREE_SEQ, CONS_FULL_SEQ, consWord, type Layout } from '../src/mem/layout.js';
import type { CpuResult } from '../src/frontend/cpu-result.js';
import { CPU_STAT_STRIDE } from '../src/mem/layout.js';
import { Splay } from '../src/backend/splay.js';
import { Coordinator } from '../src/backend/coordinator.js';
import type { ConsumerWriter } from '../src/consumers/consumer-writer.js';
import { ContinuousWriter } from '../src/consumers/continuous-writer.js';
import { RingWriter } from '../src/consumers/ring-writer.js';
import { consumerRegions } from '../src/consumers/consumer-memory.js';
import { BUILTIN_DESIGNS } from '../src/designs/registry.js';
import { spareSwap } from '../src/designs/spare-swap.js';
import { run } from '../src/run/run.js';
import type { RunResult } from '../src/run/result.js';
import { BLOCK_RECORDS, FIVE, ONE, RECORD_BYTES, RECORD_WORDS, benchConfig, benchLayout, capture, type Capture } from './common.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
if (jsonAt >= 0 && !jsonFile) {
  console.error('usage: bench.js [--quick] [--json FILE]');
  process.exit(2);
}

const BRANCHES = quick ? 200_000 : 1_000_000;
const BENCH_OPTS = quick
  ? { time: 400, iterations: 3, warmupTime: 100, warmupIterations: 2 }
  : { time: 2_500, iterations: 12, warmupTime: 500, warmupIterations: 4 };
/** Spare-swap's default for one CPU: its own buffer and four spares. */
const RING_BUFFERS = 5;

interface RunThroughput {
  cpus: number;
  checked: boolean;
  branches: number;
  wallMs: number;
  branchesPerSec: number;
  ratio: number;
  /** The run of an eighth of the length. */
  shortBranches: number;
  shortWallMs: number;
  /** Wall time not proportional to the branches (the line through the two runs at 0 branches). */
  fixedMs: number | null;
  /** Branches per second of wall time beyond the fixed part. */
  steadyBranchesPerSec: number | null;
  steadyRatio: number | null;
}

interface Row {
  name: string;
  recordsPerSec: number;
  gbPerSec: number;
  limit: string;
  ratio: number;
  note: string;
}

// ---------------------------------------------------------------------------------------
// Consumers on the coordinator's side whose callback takes each buffer at once.

/**
 * The coordinator's SharedMem, with the consumers' side inline: when a continuous
 * consumer's buffer is handed over (add to its FULL_SEQ) the consumer takes it and gives
 * it back at once. The records are already in the consumer's memory (the splay's copy is
 * the delivery), so this consumer costs nothing and the drain is measured alone.
 */
class InlineConsumerMem extends AtomicsMem {
  private readonly fullWords: Set<number>;
  constructor(words: Int32Array, layout: Layout, consumers: number) {
    super(words);
    this.fullWords = new Set(Array.from({ length: consumers }, (_, k) => consWord(layout, k, CONS_FULL_SEQ)));
  }
  override *add(index: number, value: number): Generator<Op, number, unknown> {
    const old = Atomics.add(this.words, index, value);
    if (this.fullWords.has(index)) Atomics.add(this.words, index + (CONS_FREE_SEQ - CONS_FULL_SEQ), value);
    return old;
  }
}

function makeWriters(cfg: SimConfig, mem: AtomicsMem, layout: Layout, cons: SharedArrayBuffer): ConsumerWriter[] {
  const { regions } = consumerRegions(cfg);
  return cfg.consumers.map((spec, i) =>
    spec.mode === 'ring'
      ? new RingWriter(spec, i, cons, regions[i]!)
      : new ContinuousWriter(spec, i, cons, regions[i]!, mem, layout, 'wait'),
  );
}

/** A Splay over the captured buffers with every consumer of `cfg`; one pass drains them all in order. */
function splayPass(cfg: SimConfig, cap: Capture): () => number {
  const layout = benchLayout(cfg);
  const mem = new InlineConsumerMem(new Int32Array(new SharedArrayBuffer(layout.ctlWords * 4)), layout, cfg.consumers.length);
  const cons = new SharedArrayBuffer(consumerRegions(cfg).bytes);
  const writers = makeWriters(cfg, mem, layout, cons);
  const splay = new Splay(cfg, cap.bufs, writers);
  return () => {
    for (let b = 0; b < cap.counts.length; b++) splay.drain(0, b, 0, cap.counts[b]!);
    return cap.records;
  };
}

/** memcpy: the captured records copied with TypedArray.set, 1,024 records (24 KiB) at a time, into 8 x 4,096-record buffers. */
function memcpyPass(cap: Capture): () => number {
  const dst = new Uint32Array(new SharedArrayBuffer(8 * 4096 * RECORD_BYTES));
  const src = cap.stream;
  const block = BLOCK_RECORDS * RECORD_WORDS;
  return () => {
    let o = 0;
    for (let s = 0; s < src.length; s += block) {
      const n = Math.min(block, src.length - s);
      if (o + n > dst.length) o = 0;
      dst.set(src.subarray(s, s + n), o);
      o += n;
    }
    return cap.records;
  };
}

// ---------------------------------------------------------------------------------------
// The producer worker.

class Producer {
  private readonly w: Worker;
  private waiting: ((m: any) => void) | undefined;
  onBlock: ((b: Uint32Array) => void) | undefined;
  readonly ready: Promise<void>;

  constructor(cfg: SimConfig, cap: Capture) {
    this.w = new Worker(new URL('./workers/producer.js', import.meta.url), {
      workerData: { cfg, stream: cap.stream, ringBuffers: RING_BUFFERS },
    });
    let ready: () => void = () => {};
    this.ready = new Promise((r) => { ready = r; });
    this.w.on('message', (m: any) => {
      if (m.block) { this.onBlock?.(m.block); return; }
      if (m.ready) { ready(); return; }
      const f = this.waiting;
      this.waiting = undefined;
      f?.(m);
    });
    this.w.on('error', (e) => { console.error('producer worker failed:', e); process.exit(1); });
  }

  call(m: object): Promise<any> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.w.postMessage(m);
    });
  }

  terminate(): Promise<number> {
    return this.w.terminate();
  }
}

// ---------------------------------------------------------------------------------------
// End to end: CPU worker -> coordinator (main thread, the real Coordinator and spare-swap) -> consumer.

function endToEndHarness(cfg: SimConfig, producer: Producer) {
  const layout = benchLayout(cfg);
  const ctlSab = new SharedArrayBuffer(layout.ctlWords * 4);
  const ctl = new Int32Array(ctlSab);
  const bufs = new SharedArrayBuffer(layout.bufsBytes);
  const cons = new SharedArrayBuffer(consumerRegions(cfg).bytes);
  const stats = new SharedArrayBuffer(cfg.cpus * CPU_STAT_STRIDE * 8);
  const setup = producer.call({ cmd: 'e2e-setup', ctl: ctlSab, bufs, stats });
  return {
    setup,
    async pass(): Promise<number> {
      ctl.fill(0);
      const coord = new Coordinator(cfg, new InlineConsumerMem(ctl, layout, cfg.consumers.length), layout, bufs, cons, stats, spareSwap, null);
      coord.init();
      const done = producer.call({ cmd: 'e2e' });
      await coord.run(); // returns once the CPU set G_STOP and all work is done
      const { result } = (await done) as { result: CpuResult };
      const r = await coord.finish([result.pendingLosses]);
      const lost = Object.values(r.consumers[0]!.lost).reduce((a, b) => a + b, 0);
      if (lost !== 0) throw new Error(`end-to-end: ${lost} records lost`);
      return r.consumers[0]!.delivered;
    },
  };
}

// ---------------------------------------------------------------------------------------

function fmt(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const machine = { cpus: availableParallelism(), node: process.version, model: osCpus()[0]?.model ?? 'unknown' };
  console.log(`btsim bench${quick ? ' (--quick)' : ''}: ${machine.cpus} cores (${machine.model}), node ${machine.node}`);

  const cfgOne = benchConfig(ONE, BRANCHES);
  const cfgFive = benchConfig(FIVE, BRANCHES);
  const capOne = capture(cfgOne);
  const capFive = capture(cfgFive);
  console.log(`workload: 1 CPU, ${fmt(BRANCHES, 0)} branches -> ${fmt(capOne.records, 0)} hardware records of 24 B (cpu-all), ${fmt(capFive.records, 0)} (five kinds)\n`);

  const producer = new Producer(cfgOne, capOne);
  await producer.ready;
  const e2e = endToEndHarness(cfgOne, producer);
  await e2e.setup;

  const drainOne = splayPass(cfgOne, capOne);
  const splayFive = splayPass(cfgFive, capFive);
  const memcpy = memcpyPass(capOne);

  const rbCapacity = 8 * BLOCK_RECORDS * RECORD_WORDS;
  const rbSab = RingBuffer.getStorageForCapacity(rbCapacity, Uint32Array);
  const rb = new RingBuffer(rbSab, Uint32Array);
  const rbOut = new Uint32Array(BLOCK_RECORDS * RECORD_WORDS);

  // Records each task moved in its last pass (they move the same records every pass).
  const moved = new Map<string, number>();
  const bench = new Bench({ ...BENCH_OPTS, name: 'btsim' });
  bench
    .add('bare-store', async () => { moved.set('bare-store', (await producer.call({ cmd: 'bare', batch: cfgOne.batchRecords })).records); })
    .add('record-path', async () => { moved.set('record-path', (await producer.call({ cmd: 'record' })).records); })
    .add('record-path+generation', async () => { moved.set('record-path+generation', (await producer.call({ cmd: 'record-gen' })).records); })
    .add('memcpy', () => { moved.set('memcpy', memcpy()); })
    .add('drain-one', () => { moved.set('drain-one', drainOne()); })
    .add('splay-five', () => { moved.set('splay-five', splayFive()); })
    .add('ringbuf-js', async () => {
      const total = capOne.stream.length;
      const done = producer.call({ cmd: 'ringbuf', sab: rbSab });
      let got = 0;
      while (got < total) got += rb.pop(rbOut, rbOut.length);
      moved.set('ringbuf-js', (await done).records);
    })
    .add('postmessage', async () => {
      let got = 0;
      const all = new Promise<void>((resolve) => {
        producer.onBlock = (b) => {
          got += b.length;
          if (got === capOne.stream.length) resolve();
        };
      });
      const done = producer.call({ cmd: 'post' });
      await all;
      await done;
      moved.set('postmessage', got / RECORD_WORDS);
    })
    .add('end-to-end', async () => { moved.set('end-to-end', await e2e.pass()); });

  await bench.run();

  const rate = new Map<string, number>();
  for (const task of bench.tasks) {
    const res = task.result as { state: string; latency?: { p50: number }; error?: unknown };
    if (res.state !== 'completed' || !res.latency) throw new Error(`${task.name}: ${res.state} ${String(res.error ?? '')}`);
    rate.set(task.name, moved.get(task.name)! / (res.latency.p50 / 1000));
  }
  const row = (name: string, limit: string, note: string, as = name): Row => {
    const r = rate.get(name)!;
    return { name: as, recordsPerSec: Math.round(r), gbPerSec: +(r * RECORD_BYTES / 1e9).toFixed(3), limit, ratio: +(r / rate.get(limit)!).toFixed(3), note };
  };
  const results: Row[] = [
    row('bare-store', 'bare-store', 'worker: plain stores into a SAB ring, Atomics.store of the index per batch'),
    row('record-path', 'bare-store', 'CpuCore.execute, pre-generated chunks (target >= 0.8)'),
    row('record-path+generation', 'bare-store', 'CpuWorkload.fill + CpuCore.execute'),
    row('memcpy', 'memcpy', 'TypedArray.set, 24 KiB chunks, one thread'),
    row('drain-one', 'memcpy', 'Splay.drain into one cpu-all continuous consumer (target >= 0.8)'),
    row('splay-five', 'memcpy', 'Splay.drain into all five kinds at once (target >= 0.35)'),
    row('ringbuf-js', 'bare-store', 'worker -> main, ringbuf.js, 1,024 records per push/pop'),
    row('postmessage', 'bare-store', 'worker -> main, transferred buffers of 1,024 records'),
    row('end-to-end', 'ringbuf-js', 'CPU worker -> coordinator + spare-swap -> consumer (target >= 2)'),
    row('end-to-end', 'postmessage', 'the same, against postMessage (target >= 1.5)', 'end-to-end-vs-postmessage'),
  ];
  console.log(table(
    ['name', 'M records/s', 'GB/s', 'limit', 'ratio', ''],
    results.map((r) => [r.name, fmt(r.recordsPerSec / 1e6), fmt(r.gbPerSec, 2), r.limit, fmt(r.ratio, 2), r.note]),
  ));

  await producer.terminate();

  // Overflow service latency per design: run() with 2 CPUs and the default consumers.
  const latency: { design: string; overflows: number; p50Ns: number; p99Ns: number }[] = [];
  for (const d of BUILTIN_DESIGNS) {
    const r = await run({ cpus: 2, branches: quick ? 100_000 : 500_000, design: d.name, check: false });
    latency.push({ design: d.name, overflows: r.coordinator.overflowsServiced, p50Ns: r.coordinator.serviceP50Ns, p99Ns: r.coordinator.serviceP99Ns });
  }
  console.log('\noverflow service, threshold crossing to re-armed, in modelled time: run() with 2 CPUs, default consumers:');
  console.log(table(['design', 'overflows', 'p50 us', 'p99 us'], latency.map((l) => [l.design, fmt(l.overflows, 0), fmt(l.p50Ns / 1e3, 2), fmt(l.p99Ns / 1e3, 2)])));

  // Scaling: run() with the default consumers, check disabled.
  const scaling: { cpus: number; records: number; wallMs: number; recordsPerSec: number; perCpu: number }[] = [];
  const perCpuBranches = quick ? 100_000 : 500_000;
  for (const n of [1, 2, 4, 8]) {
    const r = await run({ cpus: n, branches: perCpuBranches, check: false });
    const records = r.cpus.reduce((a, c) => a + c.hwRecords + c.annotations, 0);
    const rps = records / (r.host.wallMs / 1000);
    scaling.push({ cpus: n, records, wallMs: r.host.wallMs, recordsPerSec: Math.round(rps), perCpu: Math.round(rps / n) });
  }
  console.log(`\nscaling: run() with the default consumers, check disabled, ${fmt(perCpuBranches, 0)} branches per CPU; this machine has ${machine.cpus} cores`);
  console.log(table(
    ['simulated CPUs', 'records', 'wall ms', 'M records/s', 'per CPU M/s', 'machine cores'],
    scaling.map((s) => [String(s.cpus), fmt(s.records, 0), fmt(s.wallMs, 0), fmt(s.recordsPerSec / 1e6), fmt(s.perCpu / 1e6), String(machine.cpus)]),
  ));

  // The host cost of modelled time: the same runs under each clock (figures of the simulated
  // machine differ between the clocks; here only the host's speed is compared).
  const clockCost: { cpus: number; clock: string; branches: number; wallMs: number; branchesPerSec: number }[] = [];
  const clockBranches = quick ? 20_000 : 100_000;
  for (const n of [1, 4, 16, 64]) {
    for (const clock of ['model', 'host'] as const) {
      const r = await run({ cpus: n, branches: clockBranches, check: false, clock });
      clockCost.push({ cpus: n, clock, branches: r.totals.branches, wallMs: r.host.wallMs, branchesPerSec: r.host.branchesPerSec });
    }
  }
  console.log(`
host cost of modelled time: run(), default consumers, check disabled, ${fmt(clockBranches, 0)} branches per CPU, aggregate simulated branches per second of wall time`);
  console.log(table(
    ['simulated CPUs', '--clock model M br/s', '--clock host M br/s', 'model / host'],
    [1, 4, 16, 64].map((n) => {
      const m = clockCost.find((c) => c.cpus === n && c.clock === 'model')!;
      const h = clockCost.find((c) => c.cpus === n && c.clock === 'host')!;
      return [String(n), fmt(m.branchesPerSec / 1e6), fmt(h.branchesPerSec / 1e6), fmt(m.branchesPerSec / h.branchesPerSec)];
    }),
  ));

  // What a user's run gets (issue 14): run() with the default consumers, checked at 1, 4, 16
  // and 64 CPUs and unchecked at 4, against one thread's record path with generation. Each is
  // run at two lengths: the long run's rate is the figure (its ratio is what the targets judge);
  // the two together split its wall time into a fixed part (threads starting, modules loading,
  // the JIT warming up in every thread) and a steady rate.
  const genRate = rate.get('record-path+generation')!;
  const runThroughput: RunThroughput[] = [];
  for (const [n, checked] of [[1, true], [4, true], [16, true], [64, true], [4, false]] as const) {
    const long = quick ? 50_000 : n === 64 ? 500_000 : n === 16 ? 2_000_000 : n === 4 ? 16_000_000 : 8_000_000;
    const short = await run({ cpus: n, branches: long / 8, check: checked });
    const r = await run({ cpus: n, branches: long, check: checked });
    // Only a line through two runs of the same pipeline means anything: with two epochs per CPU
    // or fewer a run has no generator thread (chunk-queue.ts, usesGenerator), and a slope that is
    // not positive is noise. Then there is no split (null), as in most --quick runs.
    const epochs = (x: RunResult) => Math.ceil(x.config.branches / x.config.workload.timesliceBranches);
    const msPerBranch = (r.host.wallMs - short.host.wallMs) / (r.totals.branches - short.totals.branches);
    const split = msPerBranch > 0 && epochs(short) > 2 && epochs(r) > 2;
    const steady = 1_000 / msPerBranch;
    runThroughput.push({
      cpus: n, checked, branches: r.totals.branches, wallMs: r.host.wallMs, branchesPerSec: r.host.branchesPerSec,
      ratio: +(r.host.branchesPerSec / genRate).toFixed(3),
      shortBranches: short.totals.branches, shortWallMs: short.host.wallMs,
      fixedMs: split ? Math.round(short.host.wallMs - msPerBranch * short.totals.branches) : null,
      steadyBranchesPerSec: split ? Math.round(steady) : null, steadyRatio: split ? +(steady / genRate).toFixed(3) : null,
    });
  }
  console.log('\nrun-throughput: run(), default consumers, modelled clock; ratio to record-path+generation (one thread) in this run');
  console.log('(fixed and steady: from this run and one of an eighth of its length, wall = fixed + branches / steady)');
  console.log(table(
    ['simulated CPUs', 'checked', 'branches', 'wall ms', 'M branches/s', 'ratio', 'short run ms', 'fixed ms', 'steady M br/s', 'steady ratio'],
    runThroughput.map((t) => [
      String(t.cpus), t.checked ? 'yes' : 'no', fmt(t.branches, 0), fmt(t.wallMs, 0), fmt(t.branchesPerSec / 1e6), fmt(t.ratio, 3),
      fmt(t.shortWallMs, 0), t.fixedMs === null ? '-' : fmt(t.fixedMs, 0),
      t.steadyBranchesPerSec === null ? '-' : fmt(t.steadyBranchesPerSec / 1e6), t.steadyRatio === null ? '-' : fmt(t.steadyRatio, 3),
    ]),
  ));
  const at = (cpus: number, checked: boolean) => runThroughput.find((t) => t.cpus === cpus && t.checked === checked)!.ratio;
  // Start-up alone (worker threads starting and loading their modules): a run of next to no
  // branches, 4 CPUs, checked. The fixed part above is more: it includes the JIT's warm-up.
  const startup = await run({ cpus: 4, branches: 1_000, check: true });
  console.log(`start-up: run() of 4 CPUs x 1,000 branches, checked, takes ${fmt(startup.host.wallMs, 0)} ms of wall time (worker threads starting and loading their modules)`);

  const targets = [
    { target: 'run 4 CPUs checked >= 0.3x record-path+generation', met: at(4, true) >= 0.3 },
    { target: 'run 4 CPUs unchecked >= 0.8x record-path+generation', met: at(4, false) >= 0.8 },
    { target: 'record-path >= 0.8x bare-store', met: results[1]!.ratio >= 0.8 },
    { target: 'drain-one >= 0.8x memcpy', met: results[4]!.ratio >= 0.8 },
    { target: 'splay-five >= 0.35x memcpy', met: results[5]!.ratio >= 0.35 },
    { target: 'end-to-end >= 2x ringbuf-js', met: results[8]!.ratio >= 2 },
    { target: 'end-to-end >= 1.5x postmessage', met: results[9]!.ratio >= 1.5 },
  ];
  console.log('\ntargets (ratios within this run):');
  for (const t of targets) console.log(`  ${t.met ? 'met    ' : 'NOT met'}  ${t.target}`);
  console.log(`\n(${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  if (jsonFile) {
    writeFileSync(jsonFile, JSON.stringify({
      machine, quick, records: { cpuAll: capOne.records, fiveKinds: capFive.records, bytesPerRecord: RECORD_BYTES },
      results, serviceLatency: latency, scaling, clockCost, runThroughput, startupMs: startup.host.wallMs, targets,
    }, null, 2) + '\n');
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
