/**
 * The design guard: whatever a design does wrong comes out as one DesignError naming it
 * and what it did. In every mode (run, threads-mode stress, the explorer) it never corrupts
 * the simulator. Its steps may yield only ctx operations (`ctx.copy` only in deferred work); it
 * sees a frozen copy of the config; process.exit while it runs is refused; a step that is an
 * async generator, a thrown non-Error and a `validate()` that throws something other than a
 * ConfigError are named. Ids out of range are refused by the ctx operations themselves
 * (backend/coordinator.ts).
 */
import type { SimConfig } from '../model/config.js';
import { ConfigError, DesignError } from '../model/errors.js';
import type { DesignContext, Step, SwapDesign } from './design.js';
import { isCtxOp } from './ctx-ops.js';

/** Where a step of the design runs: 1 onOverflow, 2 deferred work (the watchdog reads it). */
export type DesignPlace = 1 | 2;

export interface GuardHooks {
  /** The design's code starts (or resumes) / stops running. */
  enter?(place: DesignPlace, cpu: number): void;
  leave?(): void;
}

const MEM_OPS = new Set(['load', 'store', 'cas', 'add', 'notify', 'wait', 'yield']);

/** What a thrown value was, on one line (designs may throw anything). */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return (e.message.split('\n')[0] ?? '').trim() || e.name;
  if (e === undefined) return 'it threw undefined';
  try {
    return `it threw ${typeof e === 'string' ? JSON.stringify(e) : JSON.stringify(e) ?? String(e)} (not an Error)`;
  } catch {
    return `it threw ${String(e)} (not an Error)`;
  }
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

/** Run `fn` with process.exit refused (a design that calls it must not end the process). */
function noExit<T>(design: string, where: string, fn: () => T): T {
  const real = process.exit;
  process.exit = ((code?: number) => {
    throw new DesignError(design, `${where}: it called process.exit(${code ?? ''})`);
  }) as typeof process.exit;
  try {
    return fn();
  } finally {
    process.exit = real;
  }
}

export function guardDesign(d: SwapDesign, hooks: GuardHooks = {}): SwapDesign {
  const name = d.name;
  const fault = (e: unknown, where: string): DesignError =>
    e instanceof DesignError ? e : new DesignError(name, `${where}: ${describeThrown(e)}`);
  let frozen: SimConfig | null = null;

  function* guard<T>(place: DesignPlace, cpu: number, where: string, start: () => Step<T>): Step<T> {
    where = `in ${where}`;
    let gen: Step<T>;
    try {
      gen = noExit(name, where, start);
    } catch (e) {
      throw fault(e, where);
    }
    if (gen && typeof (gen as unknown as AsyncGenerator)[Symbol.asyncIterator] === 'function') {
      throw new DesignError(name, `${where}: it is an async generator; declare it as a generator function (function*, not async function*)`);
    }
    if (typeof (gen as Partial<Step<T>> | undefined)?.next !== 'function') {
      throw new DesignError(name, `${where}: it did not return a generator (declare it as a generator function: *onOverflow(ctx, cpu))`);
    }
    let input: unknown;
    for (;;) {
      hooks.enter?.(place, cpu);
      let r: IteratorResult<unknown, T>;
      try {
        r = noExit(name, where, () => gen.next(input));
      } catch (e) {
        throw fault(e, where);
      } finally {
        hooks.leave?.();
      }
      if (r.done) return r.value;
      const op = r.value as { op?: unknown; index?: unknown } | null;
      const kind = op && typeof op === 'object' ? op.op : undefined;
      if ((kind === 'copy' || kind === 'spend') && !isCtxOp(op)) {
        throw new DesignError(name, `${where}: it yielded its own ${describeYield(r.value)}; only ctx issues "${kind}" (use yield* ctx.… )`);
      }
      if (kind === 'copy') {
        if (place !== 2) throw new DesignError(name, `${where}: ctx.copy() is for deferred work only (queue it with ctx.defer)`);
      } else if (kind !== 'spend' && !(typeof kind === 'string' && MEM_OPS.has(kind) && typeof op!.index === 'number')) {
        throw new DesignError(name, `${where}: it yielded ${describeYield(r.value)}, which is not a ctx operation (use yield* ctx.… , not yield)`);
      }
      input = yield r.value as never;
    }
  }

  return {
    name,
    description: d.description,
    ...(d.pinsConsumerBuffers ? { pinsConsumerBuffers: true } : {}),
    validate(cfg: SimConfig): void {
      if (!d.validate) return;
      try {
        noExit(name, 'in validate()', () => d.validate!(cfg));
      } catch (e) {
        if (e instanceof ConfigError) throw e;
        throw fault(e, 'in validate()');
      }
    },
    *onOverflow(ctx: DesignContext, cpu: number): Step {
      frozen ??= deepFreeze(structuredClone(ctx.cfg));
      const cfg = frozen;
      // Deferred work the design queues is guarded too; it sees the frozen config.
      const inner = new Proxy(ctx, {
        get(target, prop) {
          if (prop === 'cfg') return cfg;
          if (prop === 'defer') {
            return (c: number, work: () => Step) => target.defer(c, () => guard(2, c, `deferred work (cpu ${c})`, work));
          }
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      yield* guard(1, cpu, `onOverflow (cpu ${cpu})`, () => d.onOverflow(inner, cpu));
    },
  };
}

function describeYield(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(v);
  }
}
