/**
 * The operations only ctx issues (a copy, time a step spends): a design that yields such an
 * object itself, with a cpu or a time of its own making, is refused (design-guard.ts).
 */
const issued = new WeakSet<object>();

export function ctxOp<T extends object>(op: T): T {
  issued.add(op);
  return op;
}

export function isCtxOp(op: unknown): boolean {
  return typeof op === 'object' && op !== null && issued.has(op);
}
