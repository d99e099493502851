// Resolving a resolved config again changes nothing (issue 15, item 18): the CLI resolves the
// flags, then run() and compare resolve what they are given, and a result's `config` must run
// again as it is. `btsim run --callback-delay never`, the README's own example, exited 2.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../dist/src/model/resolve-config.js';
import { runCli } from './cli-helpers.js';

const roundTrip = (input: unknown) => {
  const once = resolveConfig(input);
  return { once, twice: resolveConfig(JSON.parse(JSON.stringify(once))) };
};

describe('resolveConfig is idempotent', () => {
  const INPUTS: [string, unknown][] = [
    ['defaults', {}],
    ['--callback-delay never', { callbackDelay: 'never' }],
    ['--callback-delay 3 on 2 CPUs', { callbackDelay: 3, cpus: 2 }],
    ['a consumer with its own delay beside the default', {
      callbackDelay: 2,
      workload: { threads: 2 },
      consumers: [
        { kind: 'thread-user', target: 1, mode: 'continuous', size: 64, callbackDelay: 'never' },
        { kind: 'thread-user', target: 2, mode: 'continuous', size: 64 },
      ],
    }],
    ['explicit buffer and threshold', { bufferRecords: 64, thresholdRecords: 40 }],
    ['per-CPU buffers', { cpus: 1, cpuBuffers: [{ records: 64, threshold: 32 }] }],
    ['a trace run', { traces: ['qemu:x.log'] }],
  ];
  for (const [name, input] of INPUTS) {
    it(name, () => {
      const { once, twice } = roundTrip(input);
      expect(twice).toEqual(once);
    });
  }

  it('for any combination of the fields the CLI sets', () => {
    fc.assert(fc.property(
      fc.record({
        cpus: fc.integer({ min: 1, max: 8 }),
        callbackDelay: fc.oneof(fc.constant('never' as const), fc.integer({ min: 0, max: 5 })),
        bufferRecords: fc.option(fc.integer({ min: 16, max: 4096 }), { nil: undefined }),
        consumerPolicy: fc.constantFrom('wait' as const, 'drop' as const),
        userPc: fc.constantFrom('hide' as const, 'show' as const),
      }),
      (input) => {
        const { once, twice } = roundTrip(input);
        expect(twice).toEqual(once);
      },
    ), { numRuns: 200 });
  });
});

describe('the README\'s example runs', () => {
  it('btsim run --callback-delay never exits 0 and shows the gated thread', async () => {
    const r = await runCli(['run', '--callback-delay', 'never', '--cpus', '2', '--branches', '20000']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/waits for/);
  });

  it('btsim compare --callback-delay never exits 0', async () => {
    const r = await runCli(['compare', '--callback-delay', 'never', '--cpus', '2', '--branches', '20000', '--designs', 'spare-swap,suspend-copy']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/spare-swap .* holds/);
  });
});
