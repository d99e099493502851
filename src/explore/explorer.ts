/**
 * The explorer: runs one execution of a small scenario with every actor on one thread.
 *
 * The actors (the CPUs, the coordinator, the kworker that runs deferred work and copies)
 * are generators, switched by a seeded scheduler at each shared-memory operation. The
 * protocol code is the same code threads mode runs; only the SharedMem behind it differs
 * (SteppedMem).
 *
 * An execution ends when every actor is done, and is then checked like a threads-mode run
 * (the oracle, the identity, every violation counter), or earlier with a liveness failure:
 * a deadlock (every live actor waits, none can wake it: a lost wake-up) or no progress
 * within the step budget. It is deterministic: (scenario, design, scheduler, seed) names it.
 */
import type { SimConfig } from '../model/config.js';
import { CPU_STAT_STRIDE, G_CPUS_DONE, G_DOORBELL, makeLayout } from '../mem/layout.js';
import { wordNamer } from '../mem/word-names.js';
import { clockBytes } from '../mem/clock-words.js';
import { DesignError } from '../model/errors.js';
import type { Op } from '../mem/shared-mem.js';
import { ExploreCoordinator } from './explore-coordinator.js';
import { CpuCore } from '../frontend/cpu-core.js';
import type { CpuResult } from '../frontend/cpu-result.js';
import { CpuWorkload } from '../workload/cpu-workload.js';
import { newChunk } from '../workload/generator.js';
import type { SwapDesign, Step } from '../designs/design.js';
import { consumerRegions } from '../consumers/consumer-memory.js';
import { CaptureWriter } from '../consumers/capture-writer.js';
import type { ConsumerWriter } from '../consumers/consumer-writer.js';
import { RingWriter } from '../consumers/ring-writer.js';
import { StreamChecker, checkRing } from '../oracle/checker.js';
import { identityHolds, sumLost } from '../run/result.js';
import { RECORD_WORDS } from '../model/hw-record.js';
import { SteppedMem, perform, runDirect } from './stepped-mem.js';
import type { Scheduler } from './schedulers.js';

export interface TraceStep {
  step: number;
  actor: string;
  op: string;
  word: string;
  value?: number;
  result?: unknown;
}

export interface Execution {
  /** The first violation found, or null. */
  violation: string | null;
  steps: number;
  /** The last operations (all of them when `keepTrace` is set). */
  trace: TraceStep[];
  /**
   * Modelled clock: the simulated machine's figures (every CPU's losses, stalls and
   * tracing-off time; every consumer's counts), to compare across interleavings.
   */
  figures?: string;
}

interface Actor {
  name: string;
  gen: Step<unknown>;
  pending: Op | null;
  /** Resume with this value without performing an operation (woken from a wait). */
  wake: { value: unknown } | null;
  blockedOn: number;
  done: boolean;
  steps: number;
}

export interface ExploreOptions {
  /** Default: stepBudget(cfg). */
  maxSteps?: number;
  /** Keep every step (for --trace); otherwise the last 64. */
  keepTrace?: boolean;
  /**
   * Run the modelled clock's protocol (clock-words.ts) instead of the host-time one: CPUs
   * make timed requests, the coordinator is the discrete-event loop. Design races cannot
   * happen there (the loop serialises the design's steps in modelled order); what is explored
   * is the synchronisation itself, whose figures must not depend on the interleaving.
   */
  modelClock?: boolean;
}

/**
 * Operations an execution may take before it counts as making no progress. It scales with
 * the scenario: a correct execution takes 3 to 9 operations per branch (measured over the
 * built-in designs, schedulers, batch sizes and timeslices), so 50 per branch is only
 * reached by a design that spins; the fixed part covers the set-up and the last drains.
 */
export function stepBudget(cfg: SimConfig): number {
  return 400_000 + 50 * cfg.cpus * cfg.branches;
}

/**
 * Bumped every 1,024 operations when set (isolated.ts watches it from another thread: an
 * execution that stops bumping it is stuck in a design's step that never yields or returns).
 */
let heartbeat: Int32Array | null = null;

export function setExploreHeartbeat(words: Int32Array | null): void {
  heartbeat = words;
}

/** Run one execution of `cfg` under `design`, interleaved by `scheduler`. */
export function execute(cfg: SimConfig, design: SwapDesign, scheduler: Scheduler, opts: ExploreOptions = {}): Execution {
  const layout = makeLayout(cfg.cpus, cfg.spares, cfg.bufferRecords, cfg.consumers.length, cfg.consumerBuffers, cfg.workload.threads);
  const words = new Int32Array(new SharedArrayBuffer(layout.ctlWords * 4));
  const bufs = new SharedArrayBuffer(layout.bufsBytes);
  const { regions, bytes } = consumerRegions(cfg);
  const cons = new SharedArrayBuffer(Math.max(8, bytes));
  const stats = new SharedArrayBuffer(Math.max(8, cfg.cpus * CPU_STAT_STRIDE * 8));
  const mem = new SteppedMem(words);
  const clockSab = opts.modelClock ? new SharedArrayBuffer(clockBytes(cfg.cpus)) : undefined;
  if (opts.modelClock && cfg.clock !== 'model') throw new Error('execute: modelClock needs a config with clock "model"');
  const writers: ConsumerWriter[] = cfg.consumers.map((spec, i) =>
    spec.mode === 'ring' ? new RingWriter(spec, i, cons, regions[i]!) : new CaptureWriter(spec, i),
  );
  const coord = new ExploreCoordinator(cfg, mem, layout, bufs, cons, stats, design, null, { writers, ...(clockSab ? { clock: clockSab } : {}) });
  runDirect(words, coord.initSteps());

  const cpuResults: CpuResult[] = [];
  function* cpuActor(c: number): Step {
    const core = new CpuCore(cfg, c, mem, layout, bufs, new Float64Array(stats), clockSab);
    const wl = new CpuWorkload(cfg, c);
    const chunk = newChunk(cfg);
    while (wl.fill(chunk)) {
      if (!(yield* core.steps(chunk))) break;
    }
    yield* core.finish();
    cpuResults[c] = core.result();
    yield* mem.add(G_CPUS_DONE, 1);
    yield* mem.add(G_DOORBELL, 1);
    yield* mem.notify(G_DOORBELL);
  }

  const actors: Actor[] = [];
  const add = (name: string, gen: Step<unknown>) => actors.push({ name, gen, pending: null, wake: null, blockedOn: -1, done: false, steps: 0 });
  for (let c = 0; c < cfg.cpus; c++) add(`cpu${c}`, cpuActor(c));
  if (clockSab) {
    add('coordinator', coord.modelActor());
  } else {
    add('coordinator', coord.actor());
    add('kworker', coord.kworker());
  }

  const maxSteps = opts.maxSteps ?? stepBudget(cfg);
  const trace: TraceStep[] = [];
  const keep = opts.keepTrace ? Infinity : 64;
  const names = wordNamer(layout);
  let violation: string | null = null;
  let step = 0;
  let current = -1;

  const advance = (a: Actor, value: unknown): void => {
    const r = a.gen.next(value);
    if (r.done) {
      a.done = true;
      a.pending = null;
    } else {
      a.pending = r.value as Op;
    }
  };

  try {
    for (const a of actors) advance(a, undefined);
    for (;;) {
      const runnable: number[] = [];
      for (let i = 0; i < actors.length; i++) if (!actors[i]!.done && actors[i]!.blockedOn < 0) runnable.push(i);
      if (runnable.length === 0) {
        const live = actors.filter((a) => !a.done);
        if (live.length === 0) break;
        violation = `deadlock: ${live.map((a) => `${a.name} waits on ${names(a.blockedOn)}`).join('; ')} (a lost wake-up: nobody left to notify)`;
        break;
      }
      if (step >= maxSteps) {
        const busiest = actors.filter((a) => !a.done).sort((x, y) => y.steps - x.steps)[0]!;
        violation = `no progress: ${maxSteps} operations without finishing; ${busiest.name} ran ${busiest.steps} of them`;
        break;
      }
      if (heartbeat && (step & 1023) === 0) Atomics.add(heartbeat, 0, 1);
      const i = scheduler.pick(runnable, current, step);
      const a = actors[i]!;
      current = i;
      step++;
      a.steps++;
      if (a.wake) {
        const v = a.wake.value;
        a.wake = null;
        record(trace, keep, { step, actor: a.name, op: 'woken', word: '' });
        advance(a, v);
        continue;
      }
      const op = a.pending!;
      let result: unknown;
      if (op.op === 'wait') {
        if (words[op.index] !== op.expected) result = 'not-equal';
        else {
          a.blockedOn = op.index;
          record(trace, keep, { step, actor: a.name, op: 'wait', word: names(op.index), value: op.expected, result: 'blocked' });
          continue;
        }
      } else if (op.op === 'yield') {
        result = undefined;
      } else if (op.op === 'notify') {
        let n = 0;
        for (const b of actors) {
          if (b.blockedOn === op.index) {
            b.blockedOn = -1;
            b.wake = { value: 'ok' };
            n++;
          }
        }
        result = n;
      } else {
        result = perform(words, op);
      }
      record(trace, keep, { step, actor: a.name, op: op.op, word: names(op.index), value: 'value' in op ? op.value : 'expected' in op ? op.expected : undefined, result });
      advance(a, result);
    }
  } catch (e) {
    // A design that misbehaved is the design's fault, not an interleaving to report.
    if (e instanceof DesignError) throw e;
    const who = current >= 0 ? actors[current]!.name : 'set-up';
    violation = `exception in ${who}: ${(e as Error).message}`;
  }

  let figures: string | undefined;
  if (!violation) {
    const checked = checkExecution(cfg, coord, writers, cpuResults, cons, regions);
    violation = checked.violation;
    if (clockSab) {
      figures = JSON.stringify({
        cpus: cpuResults.map((r) => [r.lost, r.overflows, r.stallNs, r.tracingOffNs, r.modelNs, r.flushes]),
        consumers: checked.counters,
      });
    }
  }
  return { violation, steps: step, trace, ...(figures ? { figures } : {}) };
}

function record(trace: TraceStep[], keep: number, s: TraceStep): void {
  trace.push(s);
  if (trace.length > keep) trace.shift();
}

/** After a complete execution: the last drain, then every consumer against the oracle. */
function checkExecution(
  cfg: SimConfig,
  coord: ExploreCoordinator,
  writers: ConsumerWriter[],
  cpuResults: CpuResult[],
  cons: SharedArrayBuffer,
  regions: ReturnType<typeof consumerRegions>['regions'],
): { violation: string | null; counters?: unknown } {
  let res;
  try {
    res = coord.finalize(cpuResults.map((r) => r.pendingLosses));
  } catch (e) {
    return { violation: `exception in final drain: ${(e as Error).message}` };
  }
  return { violation: checkConsumers(cfg, res, writers, cons, regions), counters: res.consumers };
}

function checkConsumers(
  cfg: SimConfig,
  res: ReturnType<ExploreCoordinator['finalize']>,
  writers: ConsumerWriter[],
  cons: SharedArrayBuffer,
  regions: ReturnType<typeof consumerRegions>['regions'],
): string | null {
  for (let k = 0; k < writers.length; k++) {
    const writer = writers[k]!;
    const spec = writer.spec;
    const counters = res.consumers[k]!;
    let chk;
    if (writer instanceof CaptureWriter) {
      const c = new StreamChecker(cfg, spec);
      c.feed(writer.words, 0, writer.entries);
      chk = c.finish();
    } else {
      const ring = new Uint32Array(cons, regions[k]!.offset, spec.size * RECORD_WORDS);
      chk = checkRing(cfg, spec, ring, counters.entries, counters.overwritten, sumLost(counters.lost));
    }
    for (const [name, n] of Object.entries(chk.violations)) {
      if (n > 0) return `${spec.id}: ${name} ${n}`;
    }
    if (!identityHolds(chk, counters)) {
      return `${spec.id}: identity broken (expected ${chk.expected}, delivered ${counters.delivered} + overwritten ${counters.overwritten} + lost ${sumLost(counters.lost)}; ${chk.matched} matched)`;
    }
  }
  return null;
}
