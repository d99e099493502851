// The package ships what its commands read at run time (issue 15, item 19): `npx btsim stress
// --mutants` from an installed package failed with ENOENT, examples/ was not in it. The
// whole round trip (pack, install in an empty folder, run) is .ci/pack-smoke, run by .ci/run.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli-helpers.js';

describe('npm pack', () => {
  it('ships the CLI, the workers, examples/ (stress --mutants reads examples/buggy) and the docs the README links', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    const files = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    for (const f of [
      'package.json', 'README.md', 'docs/domain-model.md',
      'dist/src/cli/main.js', 'dist/src/index.js', 'dist/src/index.d.ts',
      'dist/workers/cpu.js', 'dist/workers/coordinator.js', 'dist/workers/sink.js', 'dist/workers/copier.js',
      'examples/buggy/lost-notify.mjs', 'examples/designs/spare-swap-inline.mjs', 'examples/configs/slow-tracers.json',
    ]) expect(files.has(f), f).toBe(true);
    expect([...files].filter((f) => f.startsWith('test/') || f.startsWith('dist/bench/') || f.startsWith('src/'))).toEqual([]);
  });
});
