/**
 * btsim report --html: one self-contained file, opened in headless Chromium (Debian's
 * `chromium`, driven by playwright-core; no browser is downloaded). Every chart must have
 * rendered with data, the page must log no error and make no network request, and a
 * screenshot is kept in test-artifacts/report.png.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, readLines, writeUserDesign } from './sweep-helpers.js';

const CHROMIUM = process.env.BTSIM_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

if (!haveChromium) {
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n!! ${CHROMIUM} not found: the browser test of the HTML report is SKIPPED.\n` +
    `!! Install Debian's chromium (as root): apt-get update && apt-get install -y chromium\n${bar}\n\n`);
}

let dir: string;
let html: string;
let points: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'btsim-report-'));
  writeUserDesign(dir);
  const out = join(dir, 'sweep.ndjson');
  // suspend-copy loses trace (tracing-suspended), spare-swap and the module copy of it do not.
  const r = await cli(['sweep', '--out', out, '--designs', 'spare-swap,suspend-copy,./my-swap.js',
    '--param', 'bufferRecords=256,1024', '--param', 'cpus=1,2', '--branches', '20000'], dir);
  expect(r.code, r.stderr).toBe(0);
  points = readLines(out).length;
  html = join(dir, 'report.html');
  const rep = await cli(['report', out, '--html', html], dir);
  expect(rep.code, rep.stderr).toBe(0);
  expect(rep.stdout).toMatch(/report: 12 points -> .*report\.html \(\d+ KiB, self-contained\)/);
}, 120_000);

describe('btsim report --html', () => {
  it('writes one file with the charting library inlined and nothing fetched', () => {
    expect(points).toBe(12);
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(text).not.toMatch(/<link[^>]*\shref=/i);
    expect(text).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//i);
    expect(text).toContain('uPlot');
    expect(statSync(html).size).toBeLessThan(2_000_000);
    // The table beneath: one row per point.
    expect(text.match(/<tr[ >]/g)!.length).toBe(1 + 12);
  });

  it('prints a table without --html', async () => {
    const r = await cli(['report', join(dir, 'sweep.ndjson')], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^(spare-swap|suspend-copy|my-swap) /.test(l))).toHaveLength(12);
  });

  it('refuses a file that is not a sweep file (exit 2, one line)', async () => {
    const r = await cli(['report', join(dir, 'nope.ndjson'), '--html', join(dir, 'x.html')], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^btsim: FILE: ".*nope\.ndjson" is not accepted; expected an existing NDJSON file written by btsim sweep\n$/);
  });

  it.skipIf(!haveChromium)('renders every chart with data in headless Chromium, with no error logged', async () => {
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'btsim-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 1000 },
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('request', (r) => { if (!/^(file|data|about|blob):/.test(r.url())) requests.push(r.url()); });
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
      await page.waitForFunction(() => (window as unknown as { btsimReport?: { ready: boolean } }).btsimReport?.ready === true, undefined, { timeout: 15_000 });

      const charts = await page.evaluate(() => {
        type U = { data: (number | null)[][]; series: { label: string }[]; ctx: CanvasRenderingContext2D };
        const rep = (window as unknown as { btsimReport: { charts: { axis: string; metric: string; title: string; u: U }[] } }).btsimReport;
        return rep.charts.map((c) => {
          const cv = c.u.ctx.canvas;
          const img = c.u.ctx.getImageData(0, 0, cv.width, cv.height).data;
          let inked = 0;
          for (let i = 3; i < img.length; i += 4) if (img[i]! > 0) inked++;
          return {
            axis: c.axis,
            metric: c.metric,
            title: c.title,
            series: c.u.series.slice(1).map((s) => s.label),
            points: c.u.data.slice(1).map((ys) => ys.filter((y) => y !== null && Number.isFinite(y)).length),
            inked,
            size: [cv.width, cv.height],
          };
        });
      });

      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, 'report.png');
      rmSync(shot, { force: true });
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);

      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      // A chart per (swept parameter, metric): loss by cause, stall, throughput.
      const metrics = [...new Set(charts.map((c) => c.metric))];
      expect(new Set(charts.map((c) => c.axis))).toEqual(new Set(['bufferRecords', 'cpus']));
      expect(metrics).toContain('hw:tracing-suspended');
      expect(metrics).toContain('stall');
      expect(metrics).toContain('throughput');
      expect(charts).toHaveLength(2 * metrics.length);
      for (const c of charts) {
        const ctx = JSON.stringify(c);
        // A line per design, each with a point per value of the parameter.
        expect(c.series, ctx).toEqual(['spare-swap', 'suspend-copy', 'my-swap']);
        expect(c.points, ctx).toEqual([2, 2, 2]);
        // Drawn: axes, grid and lines leave ink on the canvas.
        expect(c.inked, ctx).toBeGreaterThan(2_000);
      }
      // The loss chart has real data: suspend-copy loses, spare-swap does not.
      const loss = await page.evaluate(() => {
        const rep = (window as unknown as { btsimReport: { charts: { axis: string; metric: string; u: { data: number[][] } }[] } }).btsimReport;
        const c = rep.charts.find((x) => x.axis === 'cpus' && x.metric === 'hw:tracing-suspended')!;
        return c.u.data.slice(1);
      });
      expect(loss[0]!.every((y) => y === 0)).toBe(true);
      expect(loss[1]!.every((y) => y > 0 && y <= 100)).toBe(true);
      // Holding the other parameter at one value redraws with that slice.
      await page.selectOption('select[data-axis="bufferRecords"]', '0');
      const held = await page.evaluate(() => {
        const rep = (window as unknown as { btsimReport: { charts: { axis: string; metric: string; u: { data: number[][] } }[] } }).btsimReport;
        return rep.charts.find((x) => x.axis === 'cpus' && x.metric === 'hw:tracing-suspended')!.u.data.slice(1);
      });
      expect(held[1]!.every((y) => y > 0)).toBe(true);
      expect(held[1]).not.toEqual(loss[1]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
