/**
 * Test-only: fills production's fault-injection seam (src/run/fault-seam.ts) from the
 * environment, so the fault tests can make one actor fail on purpose and prove what did or did
 * not start. Loaded with `node --import` by runCli (test/cli-helpers.ts), which worker threads
 * inherit, or imported by a test that calls run() in its own process.
 *
 *   BTSIM_TEST_FAULT_CPU=n:k          CPU n throws once it has executed at least k branches
 *                                     (checked between workload chunks)
 *   BTSIM_TEST_FAULT_GENERATOR=n:e    the workload generator thread throws once it has
 *                                     generated epoch e of CPU n (modelled clock); with
 *                                     n:e:hang it stops there for good instead
 *   BTSIM_TEST_FAULT_COORDINATOR=ms   the coordinator thread throws an uncaught error ms
 *                                     milliseconds after its service loop starts
 *   BTSIM_TEST_FAULT_MARK=file        an injected fault writes Date.now() there as it fires,
 *                                     so a test can time the stop from the fault itself
 *   BTSIM_TEST_SPAWN_LOG=file         run() appends "spawn <actor>" before constructing each
 *                                     worker and "exit <actor>" when it has exited
 *
 * The faults are read when a thread loads this module (a worker sees the environment of the
 * process that started it); the spawn log at each event, so a test may set it after importing.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { FAULT_HOOKS_KEY } from '../../dist/src/run/fault-seam.js';

/** An injected fault is firing now: note the time for the test that injected it. */
function markFault() {
  const f = process.env.BTSIM_TEST_FAULT_MARK;
  if (f) writeFileSync(f, String(Date.now()));
}

const cpuFault = /^(\d+):(\d+)$/.exec(process.env.BTSIM_TEST_FAULT_CPU ?? '');
const genFault = /^(\d+):(\d+)(:hang)?$/.exec(process.env.BTSIM_TEST_FAULT_GENERATOR ?? '');
const coordMs = /^\d+$/.test(process.env.BTSIM_TEST_FAULT_COORDINATOR ?? '') ? Number(process.env.BTSIM_TEST_FAULT_COORDINATOR) : undefined;

/** @type {import('../../dist/src/run/fault-seam.js').FaultHooks} */
const hooks = {
  workerEvent(event, actor) {
    const f = process.env.BTSIM_TEST_SPAWN_LOG;
    if (f) appendFileSync(f, `${event} ${actor}\n`);
  },
};
/**
 * A hook for "CPU n once its count reaches k" (the count: branches, or epochs): it marks the
 * fault and throws `what`, or with `hang` stops that thread for good.
 */
function onceAt(match, what, hang = false) {
  const cpu = Number(match[1]);
  const at = Number(match[2]);
  return (c, count) => {
    if (c !== cpu || count < at) return;
    markFault();
    if (hang) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    throw new Error(what(c, count));
  };
}
if (cpuFault) hooks.afterCpuEpoch = onceAt(cpuFault, (c, branches) => `injected fault (BTSIM_TEST_FAULT_CPU) after ${branches} branches`);
if (genFault) {
  hooks.generatorEpoch = onceAt(genFault, (c, e) => `injected fault (BTSIM_TEST_FAULT_GENERATOR) at epoch ${e} of cpu${c}`, !!genFault[3]);
}
if (coordMs !== undefined) {
  hooks.coordinatorRunning = () => {
    setTimeout(() => {
      markFault();
      throw new Error('injected fault (BTSIM_TEST_FAULT_COORDINATOR)');
    }, coordMs);
  };
}
globalThis[FAULT_HOOKS_KEY] = hooks;
