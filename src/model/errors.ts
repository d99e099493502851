/**
 * Errors users can catch. The CLI maps them to exit codes (ConfigError → 2, the rest → 1);
 * library code throws them and never exits the process.
 */
export class BtsimError extends Error {
  override name = 'BtsimError';
}

/** Bad input: names the field, the value given and what is accepted. Nothing was started. */
export class ConfigError extends BtsimError {
  override name = 'ConfigError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly accepted: string,
  ) {
    super(`${field}: ${formatValue(value)} is not accepted; expected ${accepted}`);
  }
}

/**
 * A swap design misbehaved: threw, yielded something that is not an operation, used an id out
 * of range, called process.exit, hung. `message` reads after `design "NAME" failed ` (watchdog.ts)
 * or on its own; `design` is the design's name.
 */
export class DesignError extends BtsimError {
  override name = 'DesignError';
  /** `what`: where and what, e.g. "in onOverflow (cpu 1): it threw 42 (not an Error)". */
  constructor(readonly design: string, readonly what: string) {
    super(`design "${design}" failed ${what}`);
  }
}

/** A run ended early: an actor crashed, hung, or the run was interrupted. */
export class RunAbortedError extends BtsimError {
  override name = 'RunAbortedError';
  constructor(
    message: string,
    /** The actor that failed ("cpu2", "coordinator", "sink", "design spare-swap", ...). */
    readonly actor: string,
    /** Whatever result had been gathered when the run stopped (marked incomplete). */
    readonly partial?: unknown,
  ) {
    super(message);
  }
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'nothing';
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(v);
  }
}
