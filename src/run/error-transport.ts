/**
 * Errors across a thread boundary: what a worker sends for a thrown value, and the error the
 * receiving thread rebuilds from it, so that it can be recognised by type (`instanceof`).
 *
 * A structured clone keeps only an Error's message (and, through comlink, its name and stack),
 * never its class: the receiver rebuilds btsim's own errors here, from the name as a tag, in
 * this one place. Any other error comes back as a plain Error with the same name and message.
 */
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import { ConfigError, DesignError } from '../model/errors.js';

/** An error as it crosses a thread: its name (the tag), message, and its class's own fields. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** DesignError. */
  design?: string;
  what?: string;
  /** ConfigError. */
  field?: string;
  value?: unknown;
  accepted?: string;
}

/** What is sent for a thrown value (user code may throw anything: a non-Error is named "Error"). */
export function toWire(e: unknown): WireError {
  const err = e as Partial<WireError> | null | undefined;
  return {
    name: err?.name ?? 'Error', message: err?.message ?? String(e), stack: err?.stack,
    design: err?.design, what: err?.what, field: err?.field, value: cloneable(err?.value), accepted: err?.accepted,
  };
}

/** `v` if a structured clone can carry it (a ConfigError's value may be anything), else its string. */
function cloneable(v: unknown): unknown {
  try {
    structuredClone(v);
    return v;
  } catch {
    return String(v);
  }
}

/** The error the sender threw, rebuilt: a DesignError or ConfigError again by its tag, else a plain Error. */
export function fromWire(w: WireError): Error {
  let err: Error;
  if (w.name === 'DesignError' && w.design !== undefined && w.what !== undefined) err = new DesignError(w.design, w.what);
  else if (w.name === 'ConfigError' && w.field !== undefined) err = new ConfigError(w.field, w.value, w.accepted ?? '');
  else {
    err = new Error(w.message);
    err.name = w.name;
  }
  err.message = w.message;
  if (w.stack !== undefined) err.stack = w.stack;
  return err;
}

type Thrown = { isError: true; value: WireError } | { isError: false; value: unknown };

/**
 * comlink's handler for values thrown by a remote call, with errors carried by toWire/fromWire
 * (comlink's own keeps message, name and stack only). Both ends of the control plane install it
 * (control-plane.ts); a thrown non-Error is rethrown as it was, as comlink does.
 */
export function installComlinkErrors(): void {
  const base = Comlink.transferHandlers.get('throw');
  if (!base) throw new Error('comlink has no "throw" transfer handler');
  const handler: Comlink.TransferHandler<{ value: unknown }, Thrown> = {
    canHandle: (v): v is { value: unknown } => base.canHandle(v),
    serialize: ({ value }) => [value instanceof Error ? { isError: true, value: toWire(value) } : { isError: false, value }, []],
    deserialize: (s) => {
      throw s.isError ? fromWire(s.value) : s.value;
    },
  };
  Comlink.transferHandlers.set('throw', handler);
}
