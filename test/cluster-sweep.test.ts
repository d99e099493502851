/**
 * Issue 17: the sweep of examples/cluster/grid.sh (24 points) run three ways (in one
 * process; as 4 shards under GNU parallel --jobs 2 through examples/cluster/parallel.sh,
 * merged; with sweep --jobs 2) merges to the same bytes. `sweep --jobs 2` killed mid-run and
 * resumed gives that file again. The Slurm, Kubernetes and GitHub Actions examples' scripts,
 * run by hand with their engine's variables, give each task its shard. Merge refuses files
 * of another sweep and counts missing points.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from './cli-helpers.js';
import { cli, countLines, readLines, startCli, type CliResult } from './sweep-helpers.js';

const PARALLEL = '/usr/bin/parallel';
const haveParallel = existsSync(PARALLEL);
const EXAMPLES = join(ROOT, 'examples/cluster');

if (!haveParallel) {
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n!! ${PARALLEL} not found: the GNU parallel test of sharded sweeps is SKIPPED.\n` +
    `!! Install Debian's parallel (as root): apt-get update && apt-get install -y parallel\n${bar}\n\n`);
}

let dir: string;
let env: NodeJS.ProcessEnv;
let grid: string[];
/** The unsharded sweep, merged: what every other way must give. */
let reference: string | undefined;

/** A shell script, with `btsim` on its PATH as the examples expect. */
function sh(script: string, cwd: string, extra: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn('bash', ['-c', script], { cwd, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
}

/** Merge files into OUT and return OUT's bytes. */
async function merged(out: string, inputs: string[]): Promise<string> {
  const m = await cli(['merge', out, ...inputs], dir);
  expect(m.code, m.stderr).toBe(0);
  return readFileSync(out, 'utf8');
}

/** The literal blocks (`key: |` or `- |`) of a YAML file, dedented: the examples' shell scripts. */
function yamlScripts(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/(:|-)\s*\|\s*$/.test(lines[i]!)) continue;
    const body: string[] = [];
    let indent = -1;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j]!;
      const ind = l.search(/\S/);
      if (ind === -1) continue;
      if (indent === -1) indent = ind;
      if (ind < indent) break;
      body.push(l.slice(indent));
    }
    out.push(body.join('\n') + '\n');
  }
  return out;
}

/** Processes whose parent is `pid` (from /proc, so that no ps is needed). */
function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return kids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`waited ${ms} ms for ${what}`);
    await sleep(20);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'btsim-cluster-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'btsim'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
  chmodSync(join(bin, 'btsim'), 0o755);
  env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
  const g = await sh(`. ${JSON.stringify(join(EXAMPLES, 'grid.sh'))} && printf '%s\\n' "\${GRID[@]}"`, dir);
  expect(g.code, g.stderr).toBe(0);
  grid = g.stdout.trimEnd().split('\n');
});

/** The unsharded sweep, run in one process and merged (once: the tests below share it). */
async function unsharded(): Promise<string> {
  if (reference !== undefined) return reference;
  const one = join(dir, 'one.ndjson');
  const r1 = await cli(['sweep', '--out', one, ...grid], dir);
  expect(r1.code, r1.stderr).toBe(0);
  expect(r1.stdout).toContain('grid 24 points');
  expect(countLines(one)).toBe(24);
  // Before the merge each line still has the host's figures.
  expect(readLines(one).every((l) => (l.result as { host?: unknown }).host !== undefined)).toBe(true);
  reference = await merged(join(dir, 'one-merged.ndjson'), [one]);
  return reference;
}

describe('a 24-point sweep run three ways', () => {
  it.skipIf(!haveParallel)('in one process, as 4 shards under GNU parallel --jobs 2, and with --jobs 2: the same bytes after merge', async () => {
    const reference = await unsharded();

    // examples/cluster/parallel.sh as it is: parallel, then merge and report.
    const par = join(dir, 'par');
    const r2 = await sh(`${JSON.stringify(join(EXAMPLES, 'parallel.sh'))} ${JSON.stringify(par)}`, dir, { JOBS: '2', SHARDS: '4' });
    expect(r2.code, r2.stderr).toBe(0);
    expect([1, 2, 3, 4].map((i) => countLines(join(par, `shards/shard-${i}-of-4.ndjson`)))).toEqual([6, 6, 6, 6]);
    expect(r2.stdout).toContain('merge: 24 of the grid\'s 24 points');
    // The merged file has no host figures: its report plots no host throughput.
    const report = readFileSync(join(par, 'report.html'), 'utf8');
    expect(report).toContain('"id":"stall"');
    expect(report).not.toContain('"id":"throughput"');

    const jobs = join(dir, 'jobs.ndjson');
    const r3 = await cli(['sweep', '--out', jobs, '--jobs', '2', ...grid], dir);
    expect(r3.code, r3.stderr).toBe(0);
    expect(r3.stdout).toContain('ran 24 in');
    const lines = readLines(jobs);
    expect(lines).toHaveLength(24);
    expect(new Set(lines.map((l) => l.key)).size).toBe(24);

    const merged3 = await merged(join(dir, 'jobs-merged.ndjson'), [jobs]);
    expect(readFileSync(join(par, 'sweep.ndjson'), 'utf8')).toBe(reference);
    expect(merged3).toBe(reference);
    // What makes them equal: merge dropped the host figures, and nothing else differed.
    expect(reference).not.toContain('"host"');
    expect(reference.split('\n').filter(Boolean)).toHaveLength(24);
  });

  it('sweep --jobs 2 killed mid-run (SIGKILL, then SIGTERM) and resumed gives the same file', async () => {
    // Its own reference where the test before was skipped (no GNU parallel here).
    const reference = await unsharded();
    const out = join(dir, 'killed.ndjson');
    const args = ['sweep', '--out', out, '--jobs', '2', ...grid];

    const first = startCli(args, dir);
    await waitFor('4 points', () => countLines(out) >= 4);
    const kids = childrenOf(first.child.pid!);
    expect(kids.length).toBeGreaterThanOrEqual(1);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    // Its job processes see their parent gone and end: no orphan keeps running points.
    await waitFor('the job processes to end', () => kids.every((k) => !alive(k)), 15_000);
    const n1 = countLines(out);
    expect(n1).toBeLessThan(24);
    // A write cut short by a kill: the resume must cut it off, not build on it.
    appendFileSync(out, '{"schema":"btsim.sweep/1","key":"bufferRe');

    const second = startCli(args, dir);
    await waitFor('3 more points', () => countLines(out) >= n1 + 3);
    second.child.kill('SIGTERM');
    // SIGTERM stops a sweep as Ctrl-C does (the points in progress dropped), exit 143.
    const stopped = await second.done;
    expect(stopped.signal === 'SIGTERM' || stopped.code === 143, JSON.stringify(stopped)).toBe(true);
    const n2 = countLines(out);
    expect(n2).toBeLessThan(24);

    const last = await cli(args, dir);
    expect(last.code, last.stderr).toBe(0);
    expect(last.stderr).toBe('');
    expect(last.stdout).toContain(`${n2} already in`);
    expect(last.stdout).toContain(`ran ${24 - n2} in`);
    const lines = readLines(out);
    expect(lines).toHaveLength(24);
    expect(new Set(lines.map((l) => l.key)).size).toBe(24);
    expect(await merged(join(dir, 'killed-merged.ndjson'), [out])).toBe(reference);
  });
});

describe('the Slurm, Kubernetes and GitHub Actions examples', () => {
  /** Shard I of 4, merged: what an example's task must give (GNU parallel's shard, when it ran). */
  async function expectedShard(i: number): Promise<string> {
    let out = join(dir, `par/shards/shard-${i}-of-4.ndjson`);
    if (!existsSync(out)) {
      out = join(dir, `expect-shard-${i}.ndjson`);
      expect((await cli(['sweep', '--out', out, '--shard', `${i}/4`, ...grid], dir)).code).toBe(0);
    }
    return merged(join(dir, `expect-shard-${i}-merged.ndjson`), [out]);
  }

  it('slurm-sweep.sbatch: array task 2 of 4 runs shard 2/4; slurm-merge.sbatch merges and reports', async () => {
    const results = join(dir, 'slurm');
    const vars = { SLURM_SUBMIT_DIR: ROOT, SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4', RESULTS: results };
    // Without Slurm, an sbatch script is a bash script: the #SBATCH lines are comments.
    const r = await sh(`bash ${JSON.stringify(join(EXAMPLES, 'slurm-sweep.sbatch'))}`, dir, vars);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('shard 2/4: 6 points');
    const m = await sh(`bash ${JSON.stringify(join(EXAMPLES, 'slurm-merge.sbatch'))}`, dir, { ...vars, SHARDS: '4' });
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toContain('18 of the grid\'s 24 points are missing');
    expect(existsSync(join(results, 'report.html'))).toBe(true);
    expect(readFileSync(join(results, 'sweep.ndjson'), 'utf8')).toBe(await expectedShard(2));
  });

  it('k8s-sweep.yaml: the pod of completion index 2 runs shard 3/4; k8s-merge.yaml merges and reports', async () => {
    const results = join(dir, 'k8s');
    mkdirSync(results);
    // The pods' scripts, with the image's and the volume's paths pointed here.
    const local = (s: string) => s.replaceAll('/opt/btsim', ROOT).replaceAll('/results', results);
    const [sweepScript] = yamlScripts(join(EXAMPLES, 'k8s-sweep.yaml')).filter((s) => s.includes('btsim sweep'));
    const [mergeScript] = yamlScripts(join(EXAMPLES, 'k8s-merge.yaml')).filter((s) => s.includes('btsim merge'));
    expect(sweepScript).toContain('JOB_COMPLETION_INDEX');
    const r = await sh(local(sweepScript!), dir, { JOB_COMPLETION_INDEX: '2', SHARDS: '4' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('shard 3/4: 6 points');
    const m = await sh(local(mergeScript!), dir, { SHARDS: '4' });
    expect(m.code, m.stderr).toBe(0);
    expect(existsSync(join(results, 'report.html'))).toBe(true);
    expect(readFileSync(join(results, 'sweep.ndjson'), 'utf8')).toBe(await expectedShard(3));
  });

  it('github-actions.yml: matrix shard 4 of 4 runs shard 4/4; the merge job merges and reports', async () => {
    const work = join(dir, 'gha');
    mkdirSync(join(work, 'shards'), { recursive: true });
    // A checkout of the repository, as the steps see it.
    symlinkSync(join(ROOT, 'examples'), join(work, 'examples'));
    const expr = (s: string) => s.replaceAll('${{ matrix.shard }}', '4').replaceAll('${{ strategy.job-total }}', '4');
    const scripts = yamlScripts(join(EXAMPLES, 'github-actions.yml'));
    const sweepStep = scripts.find((s) => s.includes('btsim sweep'))!;
    const mergeStep = scripts.find((s) => s.includes('btsim merge'))!;
    const r = await sh(expr(sweepStep), work);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('shard 4/4: 6 points');
    // upload-artifact, then download-artifact into shards/.
    writeFileSync(join(work, 'shards/shard-4-of-4.ndjson'), readFileSync(join(work, 'shard-4-of-4.ndjson')));
    const m = await sh(mergeStep, work);
    expect(m.code, m.stderr).toBe(0);
    expect(existsSync(join(work, 'report.html'))).toBe(true);
    expect(readFileSync(join(work, 'sweep.ndjson'), 'utf8')).toBe(await expectedShard(4));
  });
});

describe('btsim merge: files of one sweep only, and what is missing', () => {
  const small = ['--designs', 'spare-swap', '--branches', '5000'];

  it('refuses shards of another grid: exit 2, one line', async () => {
    const a = join(dir, 'g-a.ndjson');
    const b = join(dir, 'g-b.ndjson');
    expect((await cli(['sweep', '--out', a, '--param', 'cpus=1,2', '--shard', '1/2', ...small], dir)).code).toBe(0);
    expect((await cli(['sweep', '--out', b, '--param', 'cpus=1,4', '--shard', '2/2', ...small], dir)).code).toBe(0);
    const m = await cli(['merge', join(dir, 'g.ndjson'), a, b], dir);
    expect(m.code).toBe(2);
    expect(m.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(m.stderr).toMatch(/^btsim: IN: ".*g-b\.ndjson" is not accepted; expected shards of one sweep, but its points belong to a sweep with another grid \(--param cpus: \[1,4\] in g-b\.ndjson, \[1,2\] in g-a\.ndjson\)\n$/);
    expect(existsSync(join(dir, 'g.ndjson'))).toBe(false);
  });

  it('refuses shards whose designs were listed in another order (they slice the grid otherwise)', async () => {
    const a = join(dir, 'o-a.ndjson');
    const b = join(dir, 'o-b.ndjson');
    const rest = ['--branches', '5000'];
    expect((await cli(['sweep', '--out', a, '--designs', 'spare-swap,suspend-copy', '--shard', '1/2', ...rest], dir)).code).toBe(0);
    expect((await cli(['sweep', '--out', b, '--designs', 'suspend-copy,spare-swap', '--shard', '2/2', ...rest], dir)).code).toBe(0);
    const m = await cli(['merge', join(dir, 'o.ndjson'), a, b], dir);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^btsim: IN: .*another grid \(--designs: \["suspend-copy","spare-swap"\] in o-b\.ndjson, \["spare-swap","suspend-copy"\] in o-a\.ndjson\)\n$/);
  });

  it('a resume into a file of another grid is refused the same way', async () => {
    const a = join(dir, 'g-a.ndjson');
    const r = await cli(['sweep', '--out', a, '--param', 'cpus=1,2,4', ...small], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^btsim: --out: .*another grid \(--param cpus: \[1,2\] there, \[1,2,4\] here\)\n$/);
  });

  it('says how many points are missing when a shard is not given', async () => {
    const shards = [1, 2, 3].map((i) => join(dir, `m-${i}.ndjson`));
    for (const [i, out] of shards.entries()) {
      expect((await cli(['sweep', '--out', out, '--param', 'cpus=1,2', '--seeds', '1,2', '--shard', `${i + 1}/4`, ...small], dir)).code).toBe(0);
    }
    const m = await cli(['merge', join(dir, 'm.ndjson'), ...shards], dir);
    expect(m.code).toBe(0);
    expect(m.stdout).toBe(`merge: 3 of the grid's 4 points in ${join(dir, 'm.ndjson')} (0 duplicates dropped)\n`);
    expect(m.stderr).toMatch(/^btsim: 1 of the grid's 4 points are missing from .*m\.ndjson: shards not finished or not given/);
    // --keep-host keeps the host figures merge otherwise drops.
    const k = await cli(['merge', join(dir, 'm-host.ndjson'), '--keep-host', ...shards], dir);
    expect(k.code).toBe(0);
    expect(readFileSync(join(dir, 'm-host.ndjson'), 'utf8').match(/"host":\{"wallMs"/g)).toHaveLength(3);
    expect(readFileSync(join(dir, 'm.ndjson'), 'utf8')).not.toContain('"host"');
  });
});
