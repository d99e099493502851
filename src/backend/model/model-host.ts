/**
 * What the model loop needs from the coordinator that runs it. That is the steps it times,
 * the design's held interrupts, host copies, and the timeline.
 */
import type { Step } from '../../designs/design.js';

/** The coordinator as the loop sees it (it owns the design, the splay and the buffers). */
export interface ModelHost {
  /** Modelled time of the step being run: the coordinator's design context reads it. */
  now: number;
  handlerSteps(cpu: number, req: number): Step;
  flushSteps(cpu: number): Step;
  /** Did the design keep the CPU in its interrupt (holdCpu)? Clears the mark. */
  takeHeld(cpu: number): boolean;
  /** Copy as a copier does (the piscina pool), resolving to the staging buffer. */
  copyOut(cpu: number, buffer: number, count: number): Promise<number> | number;
  copyBytes(cpu: number, count: number): number;
  designName: string;
  /** A span on the timeline (if there is one): track -1 the coordinator, k >= 0 kworker k. */
  span(track: number, name: string, start: number, end: number, args?: Record<string, unknown>): void;
}
