/**
 * Interrupts a design holds past onOverflow (ctx.holdCpu). The CPU stays stalled until the
 * design acknowledges it itself (ds.ack), typically from deferred work.
 */
export class HeldInterrupts {
  /** CPUs whose interrupt the design holds past onOverflow (it acknowledges them itself). */
  private readonly held = new Set<number>();
  /** Host clock: held interrupts not acknowledged yet (ds.ack takes only these). */
  private readonly ackable = new Set<number>();

  hold(cpu: number): void {
    this.held.add(cpu);
  }

  /** Did the design hold `cpu`'s interrupt in the step that just ran? Clears the mark. */
  take(cpu: number): boolean {
    return this.held.delete(cpu);
  }

  /** Host clock, after onOverflow: true if the design held it (then ds.ack may acknowledge it). */
  keep(cpu: number): boolean {
    if (!this.held.has(cpu)) return false;
    this.held.delete(cpu);
    this.ackable.add(cpu);
    return true;
  }

  /** Host clock, ds.ack: true if `cpu`'s interrupt was held and not acknowledged yet. */
  ack(cpu: number): boolean {
    return this.ackable.delete(cpu);
  }
}
