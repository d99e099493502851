// `btsim stress` input and budget (issue 15, item 15, first two parts).
import { describe, expect, it } from 'vitest';
import { stepBudget } from '../dist/src/explore/explorer.js';
import { exploreScenario } from '../dist/src/explore/stress.js';
import { encodeReplay } from '../dist/src/explore/replay.js';
import { runCli } from './cli-helpers.js';

describe('stress --replay refuses what is not a replay string it printed', () => {
  it("--replay '' (empty) is refused, not taken for no --replay", async () => {
    const r = await runCli(['stress', '--replay', '']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--replay: "" is not accepted; expected a replay string');
  });

  it('a seed beyond 32 bits is refused', async () => {
    const good = encodeReplay({ scheduler: 'random', seed: 7, design: 'spare-swap', scenario: {} });
    const bad = good.replace(':7:', ':99999999999999999999:');
    const r = await runCli(['stress', '--replay', bad]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('seed is an integer from 0 to 4294967295');
    // The largest seed is still a replay string.
    const max = await runCli(['stress', '--replay', good.replace(':7:', ':4294967295:')]);
    expect(max.code, max.stderr).toBe(0);
  });
});

describe('the explore step budget scales with the scenario', () => {
  it('grows with CPUs x branches, and the default scenario keeps its 400,000-odd', () => {
    expect(stepBudget(exploreScenario({}))).toBe(400_000 + 50 * 2 * 240);
    expect(stepBudget(exploreScenario({ branches: 100_000 }))).toBe(400_000 + 50 * 2 * 100_000);
  });

  it('stress --branches 100000 --runs 1 on spare-swap finds nothing (it reported "no progress: 400000 operations")', async () => {
    const r = await runCli(['stress', '--branches', '100000', '--runs', '1', '--scheduler', 'random,pct']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('no progress');
    expect(r.stdout.match(/no violation in 1 execution/g)).toHaveLength(2);
  });
});
