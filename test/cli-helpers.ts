// Running the real `btsim` command in a child process, and reading the test hooks' files
// (test/support/fault-hooks.mjs, which fills the seam of src/run/fault-seam.ts).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(ROOT, 'dist/src/cli/main.js');
/** The test-only module that turns BTSIM_TEST_* variables into fault hooks (loaded with --import). */
export const FAULT_HOOKS = join(ROOT, 'test/support/fault-hooks.mjs');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Date.now() when the child exited. */
  exitAt: number;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** Called once the child is running (e.g. to send it a signal later). */
  onStart?: (child: ReturnType<typeof spawn>) => void;
}

/** A fresh directory for one test's hook files. */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'btsim-test-'));
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const env = { ...process.env, ...opts.env };
  // Only a child given a test hook loads them (worker threads inherit --import).
  const hooks = Object.keys(env).some((k) => k.startsWith('BTSIM_TEST_')) ? ['--import', pathToFileURL(FAULT_HOOKS).href] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...hooks, CLI, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const exitAt = Date.now();
      // 'close' follows once the pipes are drained.
      child.on('close', () => resolve({ code, signal, stdout, stderr, exitAt }));
    });
    opts.onStart?.(child);
  });
}

/** The spawn log's events: how many workers were constructed and how many have exited. */
export function spawnLog(file: string): { spawned: string[]; exited: string[] } {
  if (!existsSync(file)) return { spawned: [], exited: [] };
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return {
    spawned: lines.filter((l) => l.startsWith('spawn ')).map((l) => l.slice(6)),
    exited: lines.filter((l) => l.startsWith('exit ')).map((l) => l.slice(5)),
  };
}

/** The time an injected fault fired (written by the fault hook or the fixture design). */
export function faultTime(file: string): number {
  return Number(readFileSync(file, 'utf8'));
}
