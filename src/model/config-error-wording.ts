/**
 * The wording of configuration errors: a zod issue turned into a ConfigError that names the
 * field and says, in a user's words, what the schema accepts there.
 */
import { z } from 'zod';
import { didYouMean } from '../base/did-you-mean.js';
import { ConfigError } from './errors.js';
import { configSchema } from './config-schema.js';

/** Turn the first zod issue into a ConfigError naming the field and the accepted range. */
export function configErrorFromZod(err: z.ZodError, input: unknown, prefix = ''): ConfigError {
  const issue = err.issues[0]!;
  const path = issue.path.map(String);
  const field = prefix + (path.length ? path.join('.') : '(config)');
  let value: unknown = input;
  for (const p of issue.path) value = value == null ? undefined : (value as Record<PropertyKey, unknown>)[p as PropertyKey];
  let accepted = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as unknown as { keys: string[] }).keys;
    return new ConfigError(
      prefix + [...path, keys[0]].join('.'),
      keys[0],
      'a known field' + didYouMean(keys[0]!, knownFieldsAt(path)),
    );
  }
  // zod's own messages ("Invalid input", "expected one of "a"|"b"") say neither the range nor
  // the choices in the words a user needs: describe what the schema at that path accepts.
  const want = describeSchema(schemaAt(issue.path));
  if (issue.code === 'too_small' || issue.code === 'too_big' || issue.code === 'invalid_type' || issue.code === 'invalid_union' || issue.code === 'invalid_value') {
    if (want && !(unwrap(schemaAt(issue.path)) instanceof z.ZodArray)) accepted = want;
  }
  if (issue.code === 'invalid_value' && typeof value === 'string') {
    accepted += didYouMean(value, (issue as unknown as { values: unknown[] }).values.map(String));
  }
  if (issue.code === 'invalid_format') {
    accepted = `a string matching ${(issue as unknown as { pattern?: string }).pattern ?? 'the expected format'}`;
  }
  return new ConfigError(field, value, accepted.replace(/\s*\n\s*/g, ' '));
}

function schemaAt(path: PropertyKey[]): z.ZodTypeAny | undefined {
  let s: z.ZodTypeAny | undefined = configSchema;
  for (const p of path) {
    s = unwrap(s);
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodTypeAny>)[String(p)];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodTypeAny;
    else return undefined;
  }
  return s;
}

/** What a schema accepts, in words ("an integer from 1 to 256", "one of "hide", "show""). */
function describeSchema(schema: z.ZodTypeAny | undefined): string | undefined {
  const s = unwrap(schema);
  if (s instanceof z.ZodNumber) {
    const lo = s.minValue, hi = s.maxValue;
    const isInt = s.isInt;
    return `${isInt ? 'an integer' : 'a number'} from ${lo} to ${hi === Number.MAX_SAFE_INTEGER ? '2^53-1' : hi}`;
  }
  if (s instanceof z.ZodEnum) return `one of ${(s.options as unknown[]).map((o) => JSON.stringify(o)).join(', ')}`;
  if (s instanceof z.ZodLiteral) return [...(s.values as Set<unknown>)].map((v) => JSON.stringify(v)).join(' or ');
  if (s instanceof z.ZodBoolean) return 'true or false';
  if (s instanceof z.ZodString) return 'a string';
  if (s instanceof z.ZodObject) return 'an object';
  if (s instanceof z.ZodArray) {
    const e = describeSchema(s.element as z.ZodTypeAny);
    return e ? `a list of ${e.includes(' or ') ? `(${e})` : e}` : 'a list';
  }
  if (s instanceof z.ZodUnion) {
    const parts = (s.options as z.ZodTypeAny[]).map((o) => describeSchema(o));
    if (parts.some((p) => p === undefined)) return undefined;
    const lits = parts.filter((_, i) => unwrap((s.options as z.ZodTypeAny[])[i]) instanceof z.ZodLiteral);
    const rest = parts.filter((_, i) => !(unwrap((s.options as z.ZodTypeAny[])[i]) instanceof z.ZodLiteral));
    return [lits.join(' or '), ...rest].filter(Boolean).join(', or ');
  }
  return undefined;
}

function unwrap(s: z.ZodTypeAny | undefined): z.ZodTypeAny | undefined {
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodTypeAny;
  return s;
}

function knownFieldsAt(path: string[]): string[] {
  let s: z.ZodTypeAny | undefined = configSchema;
  for (const p of path) {
    s = unwrap(s);
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodTypeAny>)[p];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodTypeAny;
  }
  s = unwrap(s);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}
