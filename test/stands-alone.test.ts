// The project stands alone (issue 15, item 21): a plain clone, or the installed package, has
// everything the code, the tests and the README refer to; nothing reads a folder beside it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli-helpers.js';

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((n) => {
    const rel = join(dir, n);
    return statSync(join(ROOT, rel)).isDirectory() ? files(rel) : [rel];
  });
}

describe('the project stands alone', () => {
  it('no source, test or bench file reads a path outside the repository', () => {
    const offenders = ['src', 'test', 'bench', 'workers']
      .flatMap(files)
      .filter((f) => /\.(ts|mjs|js)$/.test(f))
      .filter((f) => /\.\.\/\.\.\/shared|\.\.\/shared\/|shared\/vectors/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the README points to the project\'s own domain model, which exists, not to DESIGN.md', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/DESIGN\.md|shared\/vectors/);
    expect(readme).toContain('docs/domain-model.md');
    expect(statSync(join(ROOT, 'docs/domain-model.md')).isFile()).toBe(true);
    expect(statSync(join(ROOT, 'test/fixtures/views.json')).isFile()).toBe(true);
  });
});
