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
