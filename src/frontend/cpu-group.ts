/**
 * The simulated CPUs of one worker thread, stepped in turn. Several share a thread under the
 * modelled clock (cpusPerWorker > 1): each CPU runs until it publishes its SAFE (a batch), waits
 * for an answer (its memory hands both over instead of blocking, cooperative-mem.ts) or for its
 * next epoch to be generated (workload/chunk-queue.ts); then the CPU whose clock is least runs.
 * When all of them wait, the thread sleeps on its bell, which the coordinator rings with each
 * answer to one of them and the generator with each epoch (layout.ts HOST_BELL). A CPU alone on
 * its thread blocks in its own waits, and stops here only while its next epoch is not there.
 * Under the modelled clock a CPU's course depends only on its answers, so the figures are the
 * same whichever CPUs share a thread (clock-words.ts).
 */
import { G_STOP } from '../mem/layout.js';
import type { Op, WaitResult } from '../mem/shared-mem.js';
import type { CpuCore } from './cpu-core.js';
import type { EventChunk } from '../workload/events.js';

export interface GroupCpu {
  core: CpuCore;
  /**
   * The CPU's next epoch; 'end' when its workload is done; null when it is not generated yet
   * (workload/chunk-queue.ts: the generator thread rings the worker's bell when it is).
   */
  next: () => EventChunk | 'end' | null;
  /** Done with the epoch next() gave. */
  release: () => void;
  /** Called between epochs (test hooks may throw there). */
  afterEpoch?: () => void;
}

/** A CPU's steps: its memory operations, and 'starved' while its next epoch is not generated yet. */
type Step = Op | { op: 'starved' };

interface Live {
  gen: Generator<Step, void, unknown>;
  /** Waiting for its next epoch to be generated. */
  starved: boolean;
  waitOn: { index: number; expected: number } | null;
  resume: WaitResult | undefined;
  done: boolean;
}

function* cpuSteps(c: GroupCpu, ctl: Int32Array): Generator<Step, void, unknown> {
  for (;;) {
    let chunk = c.next();
    while (chunk === null && Atomics.load(ctl, G_STOP) === 0) {
      yield { op: 'starved' };
      chunk = c.next();
    }
    if (chunk === null || chunk === 'end') break;
    const more = yield* c.core.steps(chunk);
    c.release();
    if (!more) break;
    c.afterEpoch?.();
  }
  yield* c.core.finish();
}

export function runCpuGroup(cpus: GroupCpu[], ctl: Int32Array, bell: number): void {
  const lives: Live[] = cpus.map((c) => ({ gen: cpuSteps(c, ctl), starved: false, waitOn: null, resume: undefined, done: false }));
  const step = (l: Live): void => {
    const r = l.gen.next(l.resume);
    l.resume = undefined;
    if (r.done) {
      l.done = true;
      return;
    }
    const op = r.value;
    if (op.op === 'yield') return; // a SAFE publish: the driver picks again
    if (op.op === 'starved') {
      l.starved = true;
      return;
    }
    if (op.op !== 'wait') throw new Error(`internal: a CPU yielded ${op.op} on a shared thread`);
    l.waitOn = { index: op.index, expected: op.expected };
  };
  for (;;) {
    const seen = Atomics.load(ctl, bell);
    const stopping = Atomics.load(ctl, G_STOP) !== 0;
    // Run the runnable CPU whose clock is least: the coordinator can go no further than the
    // least SAFE of the CPUs that wait for nothing, so the one behind is the one it waits for.
    let best = -1;
    let bestT = Infinity;
    let live = false;
    for (let i = 0; i < lives.length; i++) {
      const l = lives[i]!;
      if (l.done) continue;
      live = true;
      if (l.starved) {
        if (!stopping && cpus[i]!.next() === null) continue;
        l.starved = false;
      }
      if (l.waitOn) {
        // Its word moved (an answer), or the run is stopping (it looks at G_STOP itself).
        if (!stopping && Atomics.load(ctl, l.waitOn.index) === l.waitOn.expected) continue;
        l.resume = stopping ? 'timed-out' : 'not-equal';
        l.waitOn = null;
      }
      const t = cpus[i]!.core.safeNow();
      if (best < 0 || t < bestT) {
        best = i;
        bestT = t;
      }
    }
    if (!live) return;
    if (best >= 0) {
      step(lives[best]!);
      continue;
    }
    // Every CPU waits: sleep until the coordinator answers one of them (or a stop: 50 ms).
    Atomics.wait(ctl, bell, seen, 50);
  }
}
