// Faults end a run cleanly: a CPU worker, the coordinator or a design that throws, a design
// that hangs (caught by the watchdog), and Ctrl-C. Each stop is timed from the fault itself
// (the hook or fixture writes Date.now() as it fires) or from the signal, to the exit of the
// `btsim` process, and must take under 2 s (issue 7); no worker may outlive the run (the
// spawn log must show an exit for every worker constructed, logged by run() before it
// settles, and the CLI ends by running out of work, not by process.exit).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../dist/src/run/run.js';
import { RunAbortedError } from '../dist/src/model/errors.js';
import type { RunResult } from '../dist/src/run/result.js';
import { faultTime, runCli, scratch, spawnLog } from './cli-helpers.js';
// run() in this process: its spawn log comes from the test-only fault hooks.
import './support/fault-hooks.mjs';

/** The stop itself (fault or signal to process exit) may take this long (issue 7). */
const STOP_BOUND_MS = 2_000;
/** Long enough that the run is still going when the fault fires (it never gets to the end). */
const LONG = ['--cpus', '2', '--branches', '50000000', '--no-check'];

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
  actor: string | RegExp;
  /** Substrings of the error line after "btsim: ". */
  says: string[];
  /** A hang is detected watchdogMs after it starts; the stop bound counts from detection. */
  watchdogMs?: number;
}

const CASES: Case[] = [
  {
    // Under the modelled clock the two CPUs share one worker by default (cpusPerWorker).
    name: 'a CPU worker that throws',
    args: LONG,
    env: { BTSIM_TEST_FAULT_CPU: '1:30000' },
    actor: 'cpus 0-1',
    says: ['cpus 0-1 failed', 'injected fault'],
  },
  {
    name: 'a CPU worker that throws, one worker per CPU',
    args: [...LONG, '--config', './test/fixtures/one-cpu-per-worker.json'],
    env: { BTSIM_TEST_FAULT_CPU: '1:30000' },
    actor: 'cpu1',
    says: ['cpu1 failed', 'injected fault'],
  },
  {
    // The generator thread of the CPU worker (workers/generator.ts) fails: its worker says so.
    name: 'a workload generator thread that throws',
    args: LONG,
    env: { BTSIM_TEST_FAULT_GENERATOR: '1:5' },
    actor: 'cpus 0-1',
    says: ['cpus 0-1 failed', 'workload generator: injected fault'],
  },
  {
    // A generator that stops for good: the CPUs wait for their next epoch; the watchdog names it.
    name: 'a workload generator thread that hangs (watchdog)',
    args: [...LONG, '--watchdog-ms', '1000'],
    env: { BTSIM_TEST_FAULT_GENERATOR: '1:5:hang' },
    actor: 'cpus 0-1',
    says: ['cpus 0-1 failed', 'its workload generator made no progress for 1000 ms'],
    watchdogMs: 1_000,
  },
  {
    name: 'the coordinator thread that throws',
    args: LONG,
    env: { BTSIM_TEST_FAULT_COORDINATOR: '300' },
    actor: 'coordinator',
    says: ['coordinator failed', 'injected fault'],
  },
  {
    name: 'a design that throws in onOverflow',
    args: [...LONG, '--design', './test/fixtures/throwing-design.mjs'],
    actor: 'design throws-on-overflow',
    says: ['design "throws-on-overflow" failed in onOverflow (cpu ', 'the test design threw on purpose'],
  },
  {
    name: 'a design whose onOverflow is not a generator',
    args: [...LONG, '--design', './test/fixtures/not-a-generator-design.mjs'],
    actor: 'design not-a-generator',
    says: ['design "not-a-generator" failed in onOverflow', 'did not return a generator'],
  },
  {
    name: 'a design that hangs in onOverflow (watchdog)',
    args: [...LONG, '--design', './test/fixtures/hanging-design.mjs', '--watchdog-ms', '1000'],
    actor: 'design hangs-in-overflow',
    says: ['design "hangs-in-overflow" hung: onOverflow (cpu ', 'did not return for 1000 ms', '--watchdog-ms'],
    watchdogMs: 1_000,
  },
  {
    name: 'a design whose deferred work hangs (watchdog)',
    args: [...LONG, '--design', './test/fixtures/hanging-deferred-design.mjs', '--watchdog-ms', '1000'],
    actor: 'design hangs-in-deferred-work',
    says: ['design "hangs-in-deferred-work" hung: deferred work (cpu ', 'did not return for 1000 ms'],
    watchdogMs: 1_000,
  },
  {
    name: 'a design that never turns tracing back on holds a user-only tracer\'s thread (modelled clock: seen at once, exactly)',
    args: [...LONG, '--design', './test/fixtures/never-reenables-design.mjs'],
    actor: 'design never-reenables',
    says: ['design "never-reenables" failed to keep the simulated machine going', 'waits at its return to user mode for tracing to come back on (notify-resume)'],
  },
  {
    name: 'a design that never turns tracing back on holds a user-only tracer\'s thread (host clock: watchdog)',
    args: [...LONG, '--clock', 'host', '--design', './test/fixtures/never-reenables-design.mjs', '--watchdog-ms', '1000'],
    actor: /^cpu[01]$/,
    says: ['failed: thread ', 'waited 1000 ms at its return to user mode for tracing to come back on', 'never-reenables did not re-enable it'],
    watchdogMs: 1_000,
  },
];

describe('a fault ends the CLI run: exit 1, one line naming the actor, partial JSON, no thread left', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const dir = scratch();
      const mark = join(dir, 'fault-at');
      const log = join(dir, 'spawn.log');
      const r = await runCli(['run', ...c.args, '--json'], {
        env: { ...c.env, BTSIM_TEST_FAULT_MARK: mark, BTSIM_TEST_SPAWN_LOG: log },
      });
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines, r.stderr).toHaveLength(1);
      for (const s of c.says) expect(lines[0]).toContain(s);

      const out = JSON.parse(r.stdout) as RunResult & { error: { actor: string; message: string } };
      expect(out.complete).toBe(false);
      expect(out.ok).toBe(false);
      if (typeof c.actor === 'string') expect(out.error.actor).toBe(c.actor);
      else expect(out.error.actor).toMatch(c.actor);
      expect(out.totals.branches).toBeGreaterThan(0);
      expect(out.cpus).toHaveLength(2);
      for (const k of out.consumers) expect(k.identity).toBeNull(); // partial: unchecked

      const stopMs = r.exitAt - faultTime(mark) - (c.watchdogMs ?? 0);
      console.log(`${c.name}: ${stopMs} ms from the fault${c.watchdogMs ? ' (after the watchdog period)' : ''} to exit`);
      expect(stopMs).toBeLessThan(STOP_BOUND_MS);

      const { spawned, exited } = spawnLog(log);
      // Unchecked: one sink (sink-parts.ts); the CPUs share a worker unless the case says otherwise.
      const oneEach = c.args.includes('./test/fixtures/one-cpu-per-worker.json') || c.args.join(' ').includes('--clock host');
      const cpuWorkers = oneEach ? ['cpu0', 'cpu1'] : ['cpus 0-1'];
      expect(spawned.sort()).toEqual(['coordinator', ...cpuWorkers, 'sink'].sort());
      expect(exited.sort()).toEqual(spawned);
    });
  }
});

describe('Ctrl-C', () => {
  it('SIGINT stops every worker, prints the partial result and exits 130', async () => {
    const log = join(scratch(), 'spawn.log');
    let sentAt = 0;
    const r = await runCli(['run', ...LONG, '--json'], {
      env: { BTSIM_TEST_SPAWN_LOG: log },
      onStart: (child) => {
        // Interrupt once the CPUs have been running a moment.
        const poll = setInterval(() => {
          if (spawnLog(log).spawned.some((a) => a.startsWith('cpu'))) {
            clearInterval(poll);
            setTimeout(() => {
              sentAt = Date.now();
              child.kill('SIGINT');
            }, 500);
          }
        }, 20);
        child.on('exit', () => clearInterval(poll));
      },
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toBe(''); // not a TTY: no progress bar; interrupted is not an error
    const out = JSON.parse(r.stdout) as RunResult;
    expect(out.complete).toBe(false);
    expect(out.totals.branches).toBeGreaterThan(0);
    expect(out.totals.branches).toBeLessThan(2 * 50_000_000);
    // The coordinator was healthy: it handed over its counters.
    expect(out.consumers.reduce((a, k) => a + k.delivered, 0)).toBeGreaterThan(0);
    const stopMs = r.exitAt - sentAt;
    console.log(`SIGINT: ${stopMs} ms from the signal to exit`);
    expect(stopMs).toBeLessThan(STOP_BOUND_MS);
    const { spawned, exited } = spawnLog(log);
    expect(spawned).toHaveLength(3); // coordinator, sink, one worker for both CPUs
    expect(exited.sort()).toEqual(spawned.sort());
  });
});

describe('the library API stops the same way, without process.exit', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (k.startsWith('BTSIM_TEST_') && !(k in saved)) delete process.env[k];
  });

  it('run() rejects with RunAbortedError carrying the partial result; every worker has exited when it settles', async () => {
    const log = join(scratch(), 'spawn.log');
    process.env.BTSIM_TEST_SPAWN_LOG = log;
    const err = await run({ cpus: 2, branches: 50_000_000, check: false, design: './test/fixtures/throwing-design.mjs' })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RunAbortedError);
    const e = err as RunAbortedError;
    expect(e.actor).toBe('design throws-on-overflow');
    const partial = e.partial as RunResult;
    expect(partial.complete).toBe(false);
    expect(partial.totals.branches).toBeGreaterThan(0);
    const { spawned, exited } = spawnLog(log);
    expect(spawned).toHaveLength(3); // coordinator, sink, one worker for both CPUs
    expect(exited.sort()).toEqual(spawned.sort());
  });

  it('an AbortSignal resolves with the partial result; every worker has exited when it settles', async () => {
    const log = join(scratch(), 'spawn.log');
    process.env.BTSIM_TEST_SPAWN_LOG = log;
    const ac = new AbortController();
    let abortedAt = 0;
    const r = await run({ cpus: 2, branches: 50_000_000, check: false }, {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.branches > 100_000 && !ac.signal.aborted) {
          abortedAt = Date.now();
          ac.abort();
        }
      },
    });
    const stopMs = Date.now() - abortedAt;
    expect(abortedAt).toBeGreaterThan(0);
    expect(r.complete).toBe(false);
    expect(r.ok).toBe(false);
    expect(r.totals.branches).toBeGreaterThan(100_000);
    expect(stopMs).toBeLessThan(STOP_BOUND_MS);
    const { spawned, exited } = spawnLog(log);
    expect(spawned).toHaveLength(3); // coordinator, sink, one worker for both CPUs
    expect(exited.sort()).toEqual(spawned.sort());
  });
});
