/** Shared by the sweep and report tests: the CLI as a child process, and a user design module. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], cwd: string): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done };
}

export function cli(args: string[], cwd: string): Promise<CliResult> {
  return startCli(args, cwd).done;
}

/**
 * A user design: spare-swap's logic as an ES module of its own (what `--design ./x.js`
 * loads). It depends on nothing: the loss cause is its code (2, no-spare-buffer).
 */
export function writeUserDesign(dir: string, name = 'my-swap'): string {
  const path = join(dir, `${name}.js`);
  writeFileSync(path, `
const NO_SPARE_BUFFER = 2;
export default {
  name: ${JSON.stringify(name)},
  description: 'a copy of spare-swap, loaded from a module',
  *onOverflow(ctx, cpu) {
    const full = yield* ctx.ds.base(cpu);
    const count = yield* ctx.ds.index(cpu);
    const spare = yield* ctx.pool.pop();
    if (spare < 0) {
      yield* ctx.ds.disable(cpu, NO_SPARE_BUFFER);
      ctx.defer(cpu, function* () {
        yield* ctx.drain(cpu, full, count);
        yield* ctx.ds.enable(cpu, full);
      });
      return;
    }
    yield* ctx.ds.install(cpu, spare);
    ctx.defer(cpu, function* () {
      yield* ctx.drain(cpu, full, count);
      yield* ctx.pool.push(full);
    });
  },
};
`);
  return path;
}

export interface Line {
  key: string;
  design: string;
  seed: number;
  params: Record<string, unknown>;
  result: { ok: boolean; complete: boolean; config: { cpus: number; bufferRecords: number; branches: number } };
}

export function readLines(path: string): Line[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Line);
}

export function countLines(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
}
