/**
 * `btsim report --html`: one self-contained HTML file. The charting library (uPlot, from
 * node_modules) is read at report time and inlined with its stylesheet, the data is
 * embedded as JSON, and the table of results is plain HTML, so the file opens anywhere
 * without network access (and the table reads without JavaScript).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sumLost } from '../run/result.js';
import type { SweepLine } from '../sweep/ndjson.js';
import { comparePoints } from '../sweep/grid.js';
import { CLIENT_JS } from './client.js';
import { consumerExpected, consumerLost, designLabels, hwAttempted, reportData, stallPerKBranch, stallShare } from './metrics.js';

const require = createRequire(import.meta.url);

/** The uPlot build and stylesheet, from the installed package. */
export function chartLibrary(): { js: string; css: string; version: string } {
  const pkgPath = require.resolve('uplot/package.json');
  const version = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  return { js, css, version };
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Text safe inside <script>: no "</script" (or "<!--") can close it early. */
function scriptText(s: string): string {
  return s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function fmtPct(x: number): string {
  if (Number.isNaN(x)) return '-';
  if (x === 0) return '0';
  const p = x * 100;
  return (p >= 10 ? p.toFixed(1) : p >= 0.01 ? p.toFixed(2) : p.toExponential(1)) + ' %';
}

function fmtLost(lost: Record<string, number>): string {
  const e = Object.entries(lost).filter(([, n]) => n > 0);
  return e.length ? e.map(([k, n]) => `${k} ${fmtInt(n)}`).join(', ') : '-';
}

function valueText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? v.toLocaleString('en-US') : JSON.stringify(v);
}

function resultsTable(lines: SweepLine[]): string {
  const labels = designLabels(lines);
  const paths = [...new Set(lines.flatMap((l) => Object.keys(l.params)))];
  const cpusCol = paths.includes('cpus') ? [] : ['cpus'];
  const head = ['design', 'seed', ...paths, ...cpusCol, 'branches', 'hw records lost', 'hw loss', 'consumer records lost', 'consumer loss',
    'stall (µs / 1k branches)', 'stall (% CPU time)', 'host branches/s', 'service p50 / p99 (µs)', 'accounting'];
  const numericCols = new Set(['seed', ...paths.filter((p) => lines.every((l) => typeof l.params[p] !== 'string')), 'cpus', 'branches', 'hw loss', 'consumer loss',
    'stall (µs / 1k branches)', 'stall (% CPU time)', 'host branches/s', 'service p50 / p99 (µs)']);
  const rows = [...lines].sort(comparePoints).map((l) => {
    const r = l.result;
    const hw = hwAttempted(l);
    const ce = consumerExpected(l);
    const cl = consumerLost(l);
    const cells = [
      labels.get(l.design) ?? l.design,
      String(l.seed),
      ...paths.map((p) => (Object.hasOwn(l.params, p) ? valueText(l.params[p]) : '')),
      ...cpusCol.map(() => String(r.config.cpus)),
      fmtInt(r.totals.branches),
      fmtLost(r.totals.lost),
      fmtPct(hw ? sumLost(r.totals.lost) / hw : 0),
      fmtLost(cl),
      fmtPct(ce ? sumLost(cl) / ce : 0),
      stallPerKBranch(l).toFixed(1),
      fmtPct(stallShare(l)),
      r.host ? fmtInt(r.host.branchesPerSec) : '-',
      `${(r.coordinator.serviceP50Ns / 1e3).toFixed(1)} / ${(r.coordinator.serviceP99Ns / 1e3).toFixed(1)}`,
      !r.complete ? 'incomplete' : r.ok ? 'holds' : 'VIOLATIONS',
    ];
    return `<tr${r.ok ? '' : ' class="bad"'}>${cells.map((c, i) => `<td${numericCols.has(head[i]!) ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<table id="results"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

const CSS = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #555; margin: 0 0 12px; }
#controls label { margin-right: 16px; }
#controls p { margin: 8px 0 4px; color: #555; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 16px 24px; }
.chart { min-width: 0; }
.uplot .u-title { font-size: 14px; font-weight: 600; }
table { border-collapse: collapse; margin-top: 8px; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; white-space: nowrap; }
th { background: #f4f4f4; position: sticky; top: 0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #fdd; }
.note { color: #555; font-size: 13px; }
`;

export function renderReport(lines: SweepLine[], opts: { title: string; sources: string[] }): string {
  const lib = chartLibrary();
  const data = reportData(lines, opts.title);
  const designs = data.designs.join(', ');
  const swept = data.axes.map((a) => `${a.path} (${a.values.map(valueText).join(', ')})`).join('; ');
  const seeds = [...new Set(lines.map((l) => l.seed))];
  const base = lines[0]?.base ?? {};
  const baseText = Object.keys(base).length ? JSON.stringify(base) : 'defaults';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="btsim report (uPlot ${esc(lib.version)} inlined)">
<title>${esc(opts.title)}</title>
<style>${lib.css}</style>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(opts.title)}</h1>
<p class="meta">${lines.length} points from ${esc(opts.sources.join(', '))}. Designs: ${esc(designs)}. Swept: ${esc(swept)}. Seeds: ${esc(seeds.join(', '))}. Shared settings: ${esc(baseText)}.</p>
<p class="note">Hardware loss: records the CPUs could not store, as a share of the records they tried to store (stored + lost). Consumer loss: records consumers lost, as a share of those they expected. CPU stall: time the CPUs waited in their overflow interrupts, per 1,000 branches executed, in the simulated machine's modelled time (runs with --clock host: the host's time). Host throughput is the only figure about the host that ran the simulation (a file written by btsim merge has none: points run on different hosts cannot be compared by it). Each point of a line is the mean over the seeds (and over the other swept parameters unless held below).</p>
<div id="controls"></div>
<div id="charts"></div>
<h2>Results</h2>
${resultsTable(lines)}
<script>${scriptText(lib.js)}</script>
<script id="btsim-data" type="application/json">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
<script>${scriptText(CLIENT_JS)}</script>
</body>
</html>
`;
}
