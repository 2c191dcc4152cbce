import { z } from 'zod';
import { ParameterError } from './errors.js';

/** Longest single parameter value we accept; whole bodies are capped separately (bodyLimit). */
export const MAX_PARAMETER_LENGTH = 4 * 1024 * 1024;
// C0 controls other than tab, LF and CR never occur in legitimate parameters; they mark binary junk.
const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

export type RawParams = Record<string, string>;

/**
 * Flattens one source of parameters (query string, form body, JSON body) into strings:
 * JSON-valued parameters arrive as JSON text from forms and as values from JSON bodies,
 * so non-string values are turned back into JSON text and every reader sees one shape.
 */
export function flattenSource(source: unknown, into: RawParams): void {
  if (source === null || source === undefined) return;
  if (typeof source !== 'object' || Array.isArray(source)) throw new ParameterError('invalid', 'body', 'expected an object of parameters');
  const values = source as Record<string, unknown>;
  for (const name of Object.keys(values)) {
    const text = toText(name, values[name]);
    if (text === undefined) continue;
    const previous = into[name];
    if (previous !== undefined && previous !== text) throw new ParameterError('duplicate', name, 'given twice with different values');
    into[name] = text;
  }
}

function toText(name: string, value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    // Repeated form fields: identical repeats are harmless, different ones are ambiguous.
    const distinct = new Set(value);
    if (distinct.size > 1) throw new ParameterError('duplicate', name, 'given twice with different values');
    return value[0];
  }
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value === null) return 'null';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function checkValues(raw: RawParams): void {
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    if (value.length > MAX_PARAMETER_LENGTH) throw new ParameterError('invalid', name, 'too long');
    if (BINARY.test(value)) throw new ParameterError('invalid', name, 'contains binary data');
  }
}

/** The parameters of one call, read through zod schemas so that types come from one place. */
export class Params {
  constructor(readonly raw: RawParams) {}

  get(name: string): string | undefined {
    return this.raw[name];
  }

  /** Validates against a zod object schema; the first problem becomes a ParameterError naming the parameter. */
  parse<S extends z.ZodType>(schema: S): z.output<S> {
    const result = schema.safeParse(this.raw);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const name = String(issue.path[0] ?? 'parameters');
    const given = this.raw[name];
    if (given === undefined || given === '') throw new ParameterError('missing', name);
    throw new ParameterError('invalid', name, issue.message);
  }
}

// Parameter shapes shared by every surface. All arrive as text.

/** `true`/`false` (any case), also 1/0 as some clients send. */
export const boolParam = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0'].includes(v), 'must be true or false')
  .transform((v) => v === 'true' || v === '1');

export const intParam = (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** JSON text, parsed; `inner` validates the parsed value. */
export const jsonParam = <T extends z.ZodType>(inner: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(inner);

/**
 * A list given as a JSON array of strings or as a comma-separated string
 * (`set_domain_patterns` documents both).
 */
export const listParam = (item: z.ZodType<string, string> = z.string(), maxItems = 1000) =>
  z
    .string()
    .transform((text, ctx) => {
      const trimmed = text.trim();
      if (trimmed.startsWith('[')) {
        try {
          const parsed = JSON.parse(trimmed) as unknown;
          if (Array.isArray(parsed) && parsed.every((v) => typeof v === 'string')) return parsed.map((v) => v.trim()).filter(Boolean);
        } catch {
          /* reported below */
        }
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of strings or a comma-separated list' });
        return z.NEVER;
      }
      return trimmed === '' ? [] : trimmed.split(',').map((v) => v.trim()).filter(Boolean);
    })
    .pipe(z.array(item).max(maxItems));

/** A required text parameter with sane bounds. */
export const textParam = (max = 1024) => z.string().min(1).max(max);
