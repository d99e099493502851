// Issue 16: tsconfig has noUncheckedIndexedAccess on, and no `!` is left that the types make
// unnecessary (a non-null assertion on an expression that cannot be null or undefined).
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { ROOT } from './cli-helpers.js';

/** `!` assertions on expressions whose type has no null, undefined, any, unknown or type parameter in it. */
function unnecessaryNonNull(configPath: string): string[] {
  const cfg = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, ROOT);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const checker = program.getTypeChecker();
  const maybeNull = ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Void | ts.TypeFlags.TypeParameter;
  const out: string[] = [];
  for (const sf of program.getSourceFiles()) {
    if (sf.fileName.includes('node_modules') || sf.isDeclarationFile) continue;
    const visit = (n: ts.Node): void => {
      if (ts.isNonNullExpression(n)) {
        const t = checker.getTypeAtLocation(n.expression);
        const parts = t.isUnion() ? t.types : [t];
        if (!parts.some((p) => p.flags & maybeNull)) {
          const { line } = sf.getLineAndCharacterOfPosition(n.getStart());
          out.push(`${relative(ROOT, sf.fileName)}:${line + 1}: ${n.getText().slice(-50)}`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}

describe('non-null assertions', () => {
  it('tsconfig.json checks indexed access (noUncheckedIndexedAccess)', () => {
    const cfg = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    expect(cfg.compilerOptions.noUncheckedIndexedAccess).toBe(true);
  });

  it('leaves no `!` that the types make unnecessary', () => {
    expect(unnecessaryNonNull(join(ROOT, 'tsconfig.json'))).toEqual([]);
  }, 60_000);
});
