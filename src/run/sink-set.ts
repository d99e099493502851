/**
 * The sink threads seen as one sink by the runner.
 *
 * Each sink owns some consumers (consumers/sink-parts.ts) and answers null or 0 for the
 * others, so each consumer's answer is taken from its owner.
 */
import type { RingFinal } from '../consumers/sink.js';
import type { CheckResult } from '../oracle/checker.js';
import type { connect } from './control-plane.js';

/** What a sink worker serves (workers/sink.ts). */
export interface SinkApi {
  run(): Promise<void>;
  finish(r: (RingFinal | null)[]): (CheckResult | null)[];
  closeDump(r: (RingFinal | null)[]): number[] | null;
}

/** The sinks' answers, merged; every call is asynchronous (the sinks are other threads). */
export interface SinkSet {
  run(): Promise<void>;
  finish(r: (RingFinal | null)[]): Promise<(CheckResult | null)[]>;
  closeDump(r: (RingFinal | null)[]): Promise<number[] | null>;
}

/** The sinks as the control plane connects them (control-plane.ts connect()). */
export function sinkSet(sinks: ReturnType<typeof connect<SinkApi>>[], parts: number[][], consumers: number): SinkSet {
  const owner = new Array<number>(consumers).fill(0);
  parts.forEach((p, s) => { for (const k of p) owner[k] = s; });
  const pick = <T>(answers: T[][], none: T): T[] => owner.map((s, k) => answers[s]?.[k] ?? none);
  return {
    async run() {
      await Promise.all(sinks.map((s) => s.run()));
    },
    async finish(rings) {
      return pick(await Promise.all(sinks.map((s) => s.finish(rings))), null);
    },
    async closeDump(rings) {
      const got = await Promise.all(sinks.map((s) => s.closeDump(rings)));
      return got.every((g) => g === null) ? null : pick(got.map((g) => g ?? []), 0);
    },
  };
}
