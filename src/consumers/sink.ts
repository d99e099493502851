/**
 * The sink: the consumers' side of the run. It takes each continuous consumer's filled
 * buffers as they are handed over (the consumer's callback), checks them against the oracle
 * and dumps them if asked, then gives the buffer back. Rings are read once the coordinator
 * finished.
 *
 * It is a consumer like any other: if it falls behind, the coordinator waits for it or
 * drops with `consumer-too-slow`, as the configured policy says.
 */
import type { SimConfig } from '../model/config.js';
import {
  CONS_FREE_SEQ, CONS_FULL_SEQ, CONS_LEN, G_COORD_BELL, G_SINK_BELL, G_STOP, consWord, type Layout,
} from '../mem/layout.js';
import { runSync, type SharedMem } from '../mem/shared-mem.js';
import { checkRing, ringKeep, StreamChecker, type CheckResult } from '../oracle/checker.js';
import { EpochCache } from '../oracle/epoch-cache.js';
import { TailKeeper } from '../oracle/expected.js';
import type { QueueMemory } from '../workload/chunk-queue.js';
import { consumerRegions, type ConsumerRegion } from './consumer-memory.js';
import { RECORD_BYTES, RECORD_WORDS } from '../model/hw-record.js';
import { DumpWriter } from './dump.js';

export interface RingFinal {
  entries: number;
  overwritten: number;
  lostTotal: number;
}

export class Sink {
  private readonly regions: ConsumerRegion[];
  private readonly checkers: (StreamChecker | null)[];
  /** Epochs the oracle generated for this sink's streams, shared among them (epoch-cache.ts). */
  private readonly cache: EpochCache | undefined;
  /** Each checked ring's expected stream, taken in as the run goes (its tail is checked at the end). */
  private readonly keepers: (TailKeeper | null)[];
  private readonly dumps: (DumpWriter | null)[];
  private readonly freeSeq: number[];
  private readonly owns: boolean[];
  private finishing = false;
  private ringsDumped = false;
  recordsIn = 0;

  constructor(
    private readonly cfg: SimConfig,
    private readonly mem: SharedMem,
    private readonly layout: Layout,
    private readonly cons: SharedArrayBuffer,
    dumpDir: string | undefined,
    /** The consumers this sink owns (sink-parts.ts); the others are another sink's. */
    owned: readonly number[] = cfg.consumers.map((_, k) => k),
    /** The generator threads' queues, read before generating an epoch again (oracle/epoch-cache.ts). */
    queues?: QueueMemory[],
  ) {
    this.regions = consumerRegions(cfg).regions;
    this.owns = cfg.consumers.map((_, k) => owned.includes(k));
    // Trace runs read their traces instead of generating epochs: nothing to share there.
    this.cache = cfg.check && cfg.traces.length === 0 ? new EpochCache(cfg, undefined, queues) : undefined;
    this.checkers = cfg.consumers.map((s, k) => (this.owns[k] && cfg.check && s.mode === 'continuous' ? new StreamChecker(cfg, s, undefined, this.cache) : null));
    this.keepers = cfg.consumers.map((s, k) => (this.owns[k] && cfg.check && s.mode === 'ring' ? new TailKeeper(cfg, s, ringKeep(s.size), this.cache) : null));
    this.dumps = cfg.consumers.map((s, k) => (this.owns[k] && dumpDir ? new DumpWriter(dumpDir, s.id) : null));
    this.freeSeq = cfg.consumers.map(() => 0);
  }

  /** Take every handed-over buffer. Returns how many were taken. */
  poll(): number {
    let n = 0;
    const mem = this.mem;
    this.cfg.consumers.forEach((spec, k) => {
      if (spec.mode !== 'continuous' || !this.owns[k]) return;
      const region = this.regions[k]!;
      const full = runSync(mem.load(consWord(this.layout, k, CONS_FULL_SEQ)));
      while (this.freeSeq[k]! < full) {
        const j = this.freeSeq[k]! % region.buffers;
        const len = runSync(mem.load(consWord(this.layout, k, CONS_LEN + j)));
        const words = new Uint32Array(this.cons, region.offset + j * region.size * RECORD_BYTES, len * RECORD_WORDS);
        this.checkers[k]?.feed(words, 0, len);
        this.dumps[k]?.write(words, 0, len);
        this.recordsIn += len;
        this.freeSeq[k]!++;
        runSync(mem.add(consWord(this.layout, k, CONS_FREE_SEQ), 1));
        runSync(mem.add(G_COORD_BELL, 1));
        runSync(mem.notify(G_COORD_BELL));
        n++;
      }
    });
    return n;
  }

  /**
   * Take the rings' expected streams in as far as the continuous ones have gone, while the
   * epochs they generated are still in the cache.
   */
  private followRings(): void {
    const cache = this.cache;
    if (!cache) return;
    for (const keeper of this.keepers) keeper?.advance(cache.frontier + 1);
  }

  async run(): Promise<void> {
    const mem = this.mem;
    let lastYield = Date.now();
    for (;;) {
      const bell = runSync(mem.load(G_SINK_BELL));
      const took = this.poll();
      this.followRings();
      if (took === 0) {
        if (this.finishing || runSync(mem.load(G_STOP)) !== 0) return;
        runSync(mem.wait(G_SINK_BELL, bell, 5));
      }
      if (Date.now() - lastYield >= 5) {
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
  }

  /** After the coordinator finished: take the last buffers, read the rings, close. */
  finish(rings: (RingFinal | null)[]): (CheckResult | null)[] {
    this.finishing = true;
    this.poll();
    this.closeDump(rings);
    return this.cfg.consumers.map((spec, k) => {
      if (!this.owns[k]) return null;
      if (spec.mode === 'continuous') return this.checkers[k]?.finish() ?? null;
      const r = rings[k]!;
      return this.cfg.check ? checkRing(this.cfg, spec, this.ring(k), r.entries, r.overwritten, r.lostTotal, this.keepers[k] ?? undefined) : null;
    });
  }

  /**
   * Write what is left of the dump and close it: the buffers handed over and not taken yet,
   * and each ring as the coordinator's final counts say it is. Called once the coordinator
   * has handed over those counts (so the dump holds exactly what they count), before the
   * checks, which may take long: a run stopped during them keeps its dump whole.
   * Idempotent. Returns the records each consumer's file holds (markers included), or null
   * without a dump.
   */
  closeDump(rings: (RingFinal | null)[]): number[] | null {
    if (!this.dumps.some(Boolean)) return null;
    this.poll();
    if (!this.ringsDumped) {
      this.ringsDumped = true;
      this.cfg.consumers.forEach((spec, k) => {
        const dump = this.dumps[k];
        if (spec.mode !== 'ring' || !dump) return;
        const entries = rings[k]!.entries;
        const n = Math.min(entries, spec.size);
        const first = entries > spec.size ? entries % spec.size : 0;
        const ring = this.ring(k);
        for (let i = 0; i < n; i++) dump.write(ring, (first + i) % spec.size, 1);
      });
    }
    for (const d of this.dumps) d?.close();
    return this.dumps.map((d) => d?.records ?? 0);
  }

  private ring(k: number): Uint32Array {
    const region = this.regions[k]!;
    return new Uint32Array(this.cons, region.offset, region.size * RECORD_WORDS);
  }
}
