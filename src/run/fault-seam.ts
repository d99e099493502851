/**
 * The fault-injection seam: where a test may make an actor fail on purpose, or watch workers
 * start and exit, without production code knowing about tests.
 *
 * The hooks live at `globalThis[Symbol.for('btsim.faults')]` in each thread and are absent by
 * default: production code only calls them if present and never sets them. The test-only module
 * test/support/fault-hooks.mjs fills them from BTSIM_TEST_* environment variables; tests load it
 * with `node --import` (worker threads inherit the option, so it runs in every worker too) or
 * import it into their own thread. Nothing here reads the environment, flags or config, so the
 * hooks stay out of `--help`, of config validation and of every result.
 */

/** The global's key (Symbol.for: the same symbol in every module instance and thread). */
export const FAULT_HOOKS_KEY = Symbol.for('btsim.faults');

export interface FaultHooks {
  /** Main thread (run()): a worker for `actor` is about to be constructed, or has exited. */
  workerEvent?(event: 'spawn' | 'exit', actor: string): void;
  /** CPU worker: CPU `cpu` ended a workload chunk having executed `branches`; throwing crashes the worker. */
  afterCpuEpoch?(cpu: number, branches: number): void;
  /** Workload generator thread: it generated epoch `epoch` of CPU `cpu`; throwing fails the generator. */
  generatorEpoch?(cpu: number, epoch: number): void;
  /** Coordinator worker: its service loop starts (a hook may schedule an uncaught error). */
  coordinatorRunning?(): void;
}

/** This thread's hooks: undefined unless a test installed them. */
export function faultHooks(): FaultHooks | undefined {
  return (globalThis as { [FAULT_HOOKS_KEY]?: FaultHooks })[FAULT_HOOKS_KEY];
}
