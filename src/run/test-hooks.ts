/**
 * Test-only hooks, read from the environment: never from flags or the config, so they stay
 * out of `--help`, of config validation and of every result. The fault tests use them to
 * make one actor fail on purpose, and to prove what did or did not start.
 *
 *   BTSIM_TEST_FAULT_CPU=n:k          CPU n throws once it has executed at least k branches
 *                                     (checked between workload chunks)
 *   BTSIM_TEST_FAULT_COORDINATOR=ms   the coordinator thread throws an uncaught error ms
 *                                     milliseconds after its service loop starts
 *   BTSIM_TEST_FAULT_MARK=file        an injected fault writes Date.now() there as it fires,
 *                                     so a test can time the stop from the fault itself
 *   BTSIM_TEST_SPAWN_LOG=file         run() appends "spawn <actor>" before constructing each
 *                                     worker and "exit <actor>" when it has exited
 *
 * Workers see the environment of the process that started them.
 */
import { appendFileSync, writeFileSync } from 'node:fs';

export interface CpuFault {
  cpu: number;
  afterBranches: number;
}

export function cpuFault(): CpuFault | undefined {
  const m = /^(\d+):(\d+)$/.exec(process.env.BTSIM_TEST_FAULT_CPU ?? '');
  return m ? { cpu: Number(m[1]), afterBranches: Number(m[2]) } : undefined;
}

export function coordinatorFaultMs(): number | undefined {
  const v = process.env.BTSIM_TEST_FAULT_COORDINATOR;
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** An injected fault is firing now: note the time for the test that injected it. */
export function markFault(): void {
  const f = process.env.BTSIM_TEST_FAULT_MARK;
  if (f) writeFileSync(f, String(Date.now()));
}

export function logSpawn(event: 'spawn' | 'exit', actor: string): void {
  const f = process.env.BTSIM_TEST_SPAWN_LOG;
  if (f) appendFileSync(f, `${event} ${actor}\n`);
}
