// --timeline: the Chrome trace-event format, and what it shows of a run.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectAccountingHolds, run } from './helpers.js';

interface Ev { name: string; ph: string; ts: number; pid: number; tid: number; dur?: number; args?: Record<string, unknown> }

function load(file: string): Ev[] {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  expect(Array.isArray(doc.traceEvents)).toBe(true);
  return doc.traceEvents;
}

/** The trace-event format's rules this file must keep: required fields, balanced spans. */
function checkFormat(events: Ev[]): void {
  const open = new Map<string, number>();
  for (const e of events) {
    for (const k of ['name', 'ph', 'ts', 'pid', 'tid'] as const) expect(e[k], `${JSON.stringify(e)} lacks ${k}`).not.toBeUndefined();
    expect(['X', 'i', 'M', 'B', 'E']).toContain(e.ph);
    expect(Number.isFinite(e.ts)).toBe(true);
    if (e.ph === 'X') expect(e.dur).toBeGreaterThanOrEqual(0);
    const key = `${e.pid}/${e.tid}`;
    if (e.ph === 'B') open.set(key, (open.get(key) ?? 0) + 1);
    if (e.ph === 'E') {
      expect(open.get(key) ?? 0, `unbalanced E on ${key}`).toBeGreaterThan(0);
      open.set(key, open.get(key)! - 1);
    }
  }
  for (const [k, n] of open) expect(n, `unclosed spans on ${k}`).toBe(0);
}

describe('timeline', () => {
  it('an irq-copy run shows each CPU stalling in its overflow interrupts, and the coordinator serving them', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'btsim-tl-')), 'timeline.json');
    const r = await run({ cpus: 2, branches: 20_000, bufferRecords: 256, design: 'irq-copy' }, { timelineFile: file });
    expectAccountingHolds(r);
    const ev = load(file);
    checkFormat(ev);
    const names = new Map(ev.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, e.args!.name]));
    expect([...names.values()]).toEqual(expect.arrayContaining(['cpu0', 'cpu1', 'coordinator']));
    for (const cpu of [0, 1]) {
      const stalls = ev.filter((e) => e.tid === cpu && e.name === 'overflow service (stall)');
      expect(stalls.length).toBe(r.cpus[cpu]!.overflows);
      expect(stalls.some((e) => e.dur! > 0)).toBe(true);
    }
    expect(ev.filter((e) => e.tid === 2 && e.name.startsWith('service cpu')).length).toBe(r.coordinator.overflowsServiced);
  });

  it('a suspend-copy run shows tracing-disabled windows, losses and copier spans', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'btsim-tl-')), 'timeline.json');
    const r = await run({ cpus: 2, branches: 20_000, bufferRecords: 256, design: 'suspend-copy' }, { timelineFile: file });
    const ev = load(file);
    checkFormat(ev);
    expect(ev.some((e) => e.name === 'tracing disabled' && e.args!.cause === 'tracing-suspended')).toBe(true);
    if ((r.totals.lost['tracing-suspended'] ?? 0) > 0) expect(ev.some((e) => e.name === 'records lost')).toBe(true);
    expect(ev.some((e) => e.name.startsWith('copy cpu') && e.tid >= 1000)).toBe(true);
  });
});
