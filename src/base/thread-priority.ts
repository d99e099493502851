/**
 * Lowering one worker thread's scheduling priority (its nice value), for the threads that do
 * bulk work beside the ones that hand each other turns.
 *
 * Why: the CPU worker and the coordinator take turns through futex wakes, and each turn is on
 * the critical path of the whole run. On a machine with fewer cores than busy threads, a
 * woken coordinator queued behind the workload generator (or a sink) waits for that thread's
 * time slice to end; at a lower priority the bulk thread is preempted at once, and it still
 * gets every cycle the turn-takers leave idle. Modelled figures cannot change: only which
 * host thread runs when. Measured on 2 cores, 4 CPUs x 16M branches unchecked, five runs each,
 * alternating: 2.64-3.15 s at nice 0, 2.46-2.72 s at nice 10; checked runs did not move, and
 * lowering the sinks too changed nothing, so only the generator does it (workers/generator.ts;
 * BTSIM_GENERATOR_NICE=0 turns it off).
 *
 * Linux only (a thread's id is /proc/thread-self's last part, and setpriority on it applies to
 * that thread alone); elsewhere, or if the system refuses, nothing changes. Raising the nice
 * value needs no privilege.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value the bulk threads take (0 is the default; 19 the lowest priority). */
export const BULK_THREAD_NICE = 10;

/** Give the calling thread nice value `nice`; false if it could not. */
export function lowerThreadPriority(nice: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
