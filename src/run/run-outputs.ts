/**
 * What a run leaves on disk besides its result: the timeline (`--timeline`) and each
 * consumer's description beside its stream (`--dump`). A run that stopped early (interrupted
 * or failed) leaves them too, marked partial, so that what it did before it stopped can be
 * looked at; a dump that cannot be made consistent with the counts is removed instead, and
 * the result says why (docs/domain-model.md §8).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimConfig } from '../model/config.js';
import { timelineFile } from '../model/timeline.js';
import type { CpuResult } from '../frontend/cpu-result.js';
import { COPIER_TID_BASE } from '../backend/copies.js';
import type { CoordinatorResult } from '../backend/coordinator-result.js';
import type { RingFinal } from '../consumers/sink.js';
import { sumLost, type RunResult } from './result.js';

/** What the sink needs to read each ring back: the coordinator's final counts (null: continuous). */
export function ringFinals(cfg: SimConfig, coord: CoordinatorResult): (RingFinal | null)[] {
  return cfg.consumers.map((s, k) =>
    s.mode === 'ring'
      ? { entries: coord.consumers[k]!.entries, overwritten: coord.consumers[k]!.overwritten, lostTotal: sumLost(coord.consumers[k]!.lost) }
      : null,
  );
}

/**
 * The timeline from the tracks that were handed over. A partial one says so in `otherData`
 * (`complete: false`) and names the actors whose track is missing (they never handed over).
 */
export function writeTimeline(file: string, cfg: SimConfig, cpus: (CpuResult | undefined)[], coord: CoordinatorResult | undefined, complete: boolean): void {
  const have = cpus.filter((r): r is CpuResult => r !== undefined);
  const logs = [...have.map((r) => r.timeline ?? { events: [], dropped: 0 }), ...(coord?.timeline ?? [])];
  const threads = [
    ...have.map((r) => ({ tid: r.id, name: `cpu${r.id}` })),
    ...(coord ? [{ tid: cfg.cpus, name: 'coordinator' }] : []),
    ...(coord?.timeline ?? []).slice(1).map((l) => ({ tid: l.events[0]?.tid ?? 0, name: `copier ${(l.events[0]?.tid ?? COPIER_TID_BASE) - COPIER_TID_BASE}` })),
  ];
  const missing = [...cpus.flatMap((r, c) => (r ? [] : [`cpu${c}`])), ...(coord ? [] : ['coordinator'])];
  writeFileSync(file, JSON.stringify(timelineFile(threads, logs, complete ? {} : { complete: false, missing })) + '\n');
}

/**
 * `<id>.json` beside each `<id>.bts`: the consumer and its counters, whether the run was
 * complete, and how many records (markers included) its stream file holds.
 */
export function writeDescriptions(dir: string, result: RunResult, records: number[]): void {
  result.consumers.forEach((c, k) => {
    const description = { format: 'btsim.stream/1', recordBytes: 24, seed: result.seed, design: result.design, ...c, complete: result.complete, records: records[k] ?? 0 };
    writeFileSync(join(dir, `${c.id}.json`), JSON.stringify(description, null, 2) + '\n');
  });
}

/** Remove a dump that could not be made consistent (once nothing writes to it any more). */
export function discardDump(dir: string, cfg: SimConfig): void {
  for (const c of cfg.consumers) {
    for (const ext of ['bts', 'json']) rmSync(join(dir, `${c.id}.${ext}`), { force: true });
  }
}
