// The shape of the sources (issue 16): layers without cycles or upward imports, small files, each
// opening with one sentence that says what it is. Reads src/ and workers/ (TypeScript), not dist/.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli-helpers.js';

const MAX_LINES = 350;
/** Characters of the opening comment's text within which its first sentence must end. */
const FIRST_SENTENCE_CHARS = 200;

function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) out.push(relative(ROOT, p));
    }
  };
  walk(join(ROOT, 'src'));
  walk(join(ROOT, 'workers'));
  return out.sort();
}

/** The text of the comment a file opens with (after a shebang), or null when it opens with code. */
export function openingComment(text: string): string | null {
  const body = text.replace(/^#!.*\n/, '').trimStart();
  if (body.startsWith('/*')) {
    const end = body.indexOf('*/');
    if (end < 0) return null;
    return body.slice(2, end).replace(/^\*+/, '').split('\n').map((l) => l.replace(/^\s*\*?\s?/, '')).join(' ').trim();
  }
  if (body.startsWith('//')) {
    const lines: string[] = [];
    for (const l of body.split('\n')) {
      if (!l.trimStart().startsWith('//')) break;
      lines.push(l.trimStart().replace(/^\/\/+\s?/, ''));
    }
    return lines.join(' ').trim();
  }
  return null;
}

/** Where the first sentence ends (a full stop, question or exclamation mark, or the comment's end). */
export function firstSentenceLength(comment: string): number {
  const m = /[.!?](\s|$)/.exec(comment);
  return m ? m.index + 1 : comment.length;
}

describe('architecture', () => {
  it('has no import cycle and no import from a lower layer to a higher one (.dependency-cruiser.cjs)', () => {
    let out = '';
    try {
      execFileSync(join(ROOT, 'node_modules/.bin/depcruise'), ['src', 'workers', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
        cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      out = (err.stdout ?? '') + (err.stderr ?? '') || err.message;
    }
    expect(out.trim(), 'dependency-cruiser found violations').toBe('');
  });

  it(`keeps every file under src/ and workers/ at ${MAX_LINES} lines or fewer`, () => {
    const long = sources()
      .map((f) => ({ f, lines: readFileSync(join(ROOT, f), 'utf8').replace(/\n$/, '').split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ f, lines }) => `${f}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('opens every file with a comment whose first sentence says what the file is', () => {
    const bad: string[] = [];
    for (const f of sources()) {
      const comment = openingComment(readFileSync(join(ROOT, f), 'utf8'));
      if (comment === null || comment === '') bad.push(`${f}: no opening comment`);
      else if (firstSentenceLength(comment) > FIRST_SENTENCE_CHARS) bad.push(`${f}: first sentence longer than ${FIRST_SENTENCE_CHARS} characters`);
    }
    expect(bad).toEqual([]);
  });

  it('the header check recognises what it should', () => {
    expect(openingComment('/**\n * One thing. More.\n */\ncode')).toBe('One thing. More.');
    expect(openingComment('#!/usr/bin/env node\n// One thing.\n// More.\nx')).toBe('One thing. More.');
    expect(openingComment('import x from "y";\n/** late */')).toBeNull();
    expect(firstSentenceLength('One thing. More.')).toBe(10);
    expect(firstSentenceLength(`${'a'.repeat(250)}. b`)).toBeGreaterThan(FIRST_SENTENCE_CHARS);
  });
});
