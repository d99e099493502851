/** The human-readable report of a run: a table per CPU and one per consumer. */
import type { RunResult } from '../run/result.js';
import { sumLost, violationCount } from '../run/result.js';
import { fmtLost, fmtNs, fmtNum, table } from './table.js';

export function formatRun(r: RunResult): string {
  const out: string[] = [];
  const c = r.config;
  const model = r.clock === 'model';
  out.push(`btsim run: design ${r.design}, seed ${r.seed}, ${c.cpus} CPUs x ${fmtNum(c.branches)} branches, ` +
    `buffer ${fmtNum(c.bufferRecords)} records (threshold ${fmtNum(c.thresholdRecords)}), ${c.spares} spares, ` +
    (model ? 'modelled clock' : 'host clock (times are the host\'s)'));
  out.push('');
  out.push(table(
    ['cpu', 'fmt', 'branches', 'hw records', 'annotations', 'overflows', 'swaps', 'lost', 'stall', ...(model ? ['tracing off', 'time'] : [])],
    r.cpus.map((x) => [
      x.id, `${x.format}-bit`, x.branches, x.hwRecords, x.annotations, x.overflows, x.swaps, fmtLost(x.lost), fmtNs(x.stallNs),
      ...(model ? [fmtNs(Object.values(x.tracingOffNs).reduce((a, b) => a + b, 0)), fmtNs(x.modelNs)] : []),
    ]),
  ));
  out.push('');
  out.push(table(
    ['consumer', 'kind', 'mode', 'size', 'expected', 'delivered', 'overwritten', 'lost', 'violations', 'identity'],
    r.consumers.map((x) => [
      x.id, x.kind, x.mode, x.size, x.expected ?? '-', x.delivered, x.overwritten,
      fmtLost(x.lost), violationCount(x.violations) ? describeViolations(x.violations) : '0',
      x.identity === null ? 'unchecked' : x.identity ? 'holds' : 'BROKEN',
    ]),
  ));
  if (r.threads.length) {
    out.push('');
    out.push(table(
      ['thread', 'waits for', 'blocks', 'ran slots', 'blocked slots', 'stalled branches', 'at end', 'waits for tracing', 'wait time'],
      r.threads.map((x) => [
        x.tid,
        // The scheduler's account is for gated threads only.
        ...(x.consumer
          ? [x.consumer, x.blocks, x.ranSlots, x.blockedSlots, x.stalledBranches, x.blockedAtEnd ? 'blocked' : 'running']
          : ['-', '-', '-', '-', '-', '-']),
        x.tracingWaits, fmtNs(x.tracingWaitNs),
      ]),
    ));
  }
  out.push('');
  const t = r.totals;
  out.push(`${fmtNum(t.branches)} branches${model ? ` in ${fmtNs(t.modelNs)} of modelled time` : ''}; ` +
    `lost ${fmtNum(sumLost(t.lost))} hw records; CPU stall ${fmtNs(t.stallNs)}; ` +
    `overflow service p50 ${fmtNs(r.coordinator.serviceP50Ns)}, p99 ${fmtNs(r.coordinator.serviceP99Ns)}`);
  out.push(`host: ${fmtNum(r.host.wallMs)} ms of wall time, ${fmtNum(r.host.branchesPerSec)} simulated branches/s (the host's speed, not the simulated machine's)`);
  out.push(
    !r.complete ? 'INCOMPLETE: the run stopped early; figures are partial and unchecked'
      : !r.config.check ? 'unchecked (--no-check): the data path\'s own counts, not compared with the oracle'
        : r.ok ? 'accounting holds: every expected record delivered, overwritten or lost with a named cause'
          : 'VIOLATIONS FOUND: see the consumer table',
  );
  const d = r.dump;
  if (d && !d.complete) {
    out.push(d.written
      ? `dump ${d.dir}: partial, as far as the run got (each .json says complete: false and how many records its .bts holds)`
      : `dump ${d.dir}: not written (${d.reason}); nothing of it is left there`);
  }
  return out.join('\n');
}

function describeViolations(v: RunResult['consumers'][number]['violations']): string {
  return Object.entries(v).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${fmtNum(n)}`).join(', ');
}
