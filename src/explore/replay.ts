/**
 * Replay strings: everything needed to run one execution again, exactly.
 *
 *   btsim1:<scheduler>:<seed>:<payload>
 *
 * <scheduler> is random, pct<d> (with its step estimate in the payload), dfs<bound> (with
 * its choices in the payload) or chaos (threads mode: best effort); <payload> is base64url
 * JSON { design, scenario (the config overrides), k?, choices? }.
 */
import { ConfigError } from '../model/errors.js';
import type { ConfigInput } from '../model/config-schema.js';

export interface ReplaySpec {
  scheduler: string;
  seed: number;
  design: string;
  scenario: ConfigInput;
  /** PCT: the number of steps the change points were drawn from. */
  k?: number;
  /** DFS: the choice made at each branching point. */
  choices?: number[];
}

export function encodeReplay(r: ReplaySpec): string {
  const payload: Record<string, unknown> = { design: r.design, scenario: r.scenario };
  if (r.k !== undefined) payload.k = r.k;
  if (r.choices) payload.choices = r.choices.map((c) => c.toString(36)).join('');
  return `btsim1:${r.scheduler}:${r.seed}:${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
}

export function decodeReplay(s: string): ReplaySpec {
  const m = /^btsim1:([a-z]+\d*):(\d+):([A-Za-z0-9_-]+)$/.exec(s.trim());
  if (!m) throw new ConfigError('--replay', s, 'a replay string as printed by btsim stress (btsim1:<scheduler>:<seed>:<payload>)');
  // Every seed stress prints is a u32; a larger one was typed or altered, and would not name the execution.
  if (Number(m[2]) > 0xffff_ffff) throw new ConfigError('--replay', s, 'a replay string whose seed is an integer from 0 to 4294967295');
  let payload: { design: string; scenario: ConfigInput; k?: number; choices?: string };
  try {
    payload = JSON.parse(Buffer.from(m[3]!, 'base64url').toString('utf8'));
  } catch {
    throw new ConfigError('--replay', s, 'a replay string whose payload decodes (it was cut or altered)');
  }
  if (typeof payload.design !== 'string' || typeof payload.scenario !== 'object') {
    throw new ConfigError('--replay', s, 'a replay string with a design and a scenario');
  }
  return {
    scheduler: m[1]!,
    seed: Number(m[2]),
    design: payload.design,
    scenario: payload.scenario,
    k: payload.k,
    choices: payload.choices === undefined ? undefined : [...payload.choices].map((c) => parseInt(c, 36)),
  };
}
