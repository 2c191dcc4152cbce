import { isIP } from 'node:net';
import { RegistrationError } from '../../http/errors.js';
import type { AttrDef } from '../schema/attr-def.js';
import { PASSWORD_TYPE } from '../schema/attr-def.js';
import { formatStoredDateTime, parseDate, parseDateTime } from './datetime.js';
import { isObject, jsonType, type Json, type JsonObject } from './json.js';
import { defNamed, type Target } from './paths.js';

/**
 * First pass over incoming attribute values: every value is checked against its attr_def and
 * turned into the form records store (NOTES.md §5, records contract): dates and times
 * normalised, plaintext passwords set aside for hashing. Constraints are checked after merging
 * and the type's rules (merge.ts checkConstraints); `unique` by the database.
 */

export type WriteMode = 'create' | 'update' | 'replace';

/** A plaintext password found in the input; `holder` becomes its stored form once hashed. */
export interface PendingPassword {
  holder: JsonObject;
  plaintext: string;
}

export interface ReadContext {
  mode: WriteMode;
  /** The parameter the values came in, named by errors. */
  argumentName: string;
  passwords: PendingPassword[];
}

/** Most elements a plural may be given in one write; far beyond real records. */
const MAX_ELEMENTS = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const FORMATS: Record<string, RegExp> = {
  alphabetic: /^[A-Za-z]*$/,
  alphanumeric: /^[A-Za-z0-9]*$/,
  'unicode-letters': /^\p{L}*$/u,
  'unicode-printable': /^[^\p{Cc}\p{Cs}\p{Cn}]*$/u,
  'email-address': EMAIL,
};

export function fail(code: 223 | 320 | 340 | 341 | 342 | 360 | 361 | 362 | 363 | 200, description: string, ctx: { argumentName: string }): RegistrationError {
  return new RegistrationError(code, description, { argumentName: ctx.argumentName });
}

/** Reads a value for a write target (the record's fields, an element's fields, or one attribute). */
export function readTarget(target: Target, value: unknown, path: string, ctx: ReadContext): Json {
  if (target.kind === 'fields') return readFields(target.defs, value, path, ctx, path === '' ? 'record' : 'element');
  return readAttribute(target.def, value, path, ctx);
}

/**
 * The fields of a record or plural element. At the record level `id`/`uuid` are refused in a
 * new record (320) and otherwise ignored, as are `created`/`lastUpdated` (read-only; imports
 * read `created` themselves); in an element `id` says which existing element is meant.
 */
export function readFields(defs: readonly AttrDef[], input: unknown, path: string, ctx: ReadContext, level: 'record' | 'element' | 'object'): JsonObject {
  if (!isObject(input)) throw fail(341, `${path || 'the record'} must be a JSON object, not ${jsonType(input)}`, ctx);
  const out: JsonObject = {};
  for (const key of Object.keys(input)) {
    const value = input[key];
    if (level === 'record' && (key === 'id' || key === 'uuid')) {
      if (ctx.mode === 'create') throw fail(320, `${key} is assigned by the store and cannot be given for a new record`, ctx);
      continue;
    }
    if (level === 'record' && (key === 'created' || key === 'lastUpdated')) continue;
    if (level === 'element' && key === 'id') {
      if (ctx.mode === 'create' || value === null) continue;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw fail(341, `${path}.id must be a plural element id (a positive integer)`, ctx);
      out.id = value;
      continue;
    }
    const def = defNamed(defs, key);
    const where = path ? `${path}.${key}` : key;
    if (!def) throw fail(223, `unknown attribute ${where}`, ctx);
    if (value === undefined) continue;
    out[key] = readAttribute(def, value, where, ctx);
  }
  return out;
}

export function readAttribute(def: AttrDef, value: unknown, path: string, ctx: ReadContext): Json {
  if (value === null) return null;
  const type = def.type;
  if (type === 'object') return readFields(def.attr_defs ?? [], value, path, ctx, 'object');
  if (type === 'plural') {
    if (!Array.isArray(value)) throw fail(341, `${path} is a plural: give a JSON array of objects, not ${jsonType(value)}`, ctx);
    if (value.length > MAX_ELEMENTS) throw fail(200, `${path} has more than ${MAX_ELEMENTS} elements`, ctx);
    return value.map((element, i) => readFields(def.attr_defs ?? [], element, `${path}[${i}]`, ctx, 'element'));
  }
  if (PASSWORD_TYPE.test(type)) return readPassword(value, path, ctx);
  return readScalar(def, value, path, ctx);
}

function readScalar(def: AttrDef, value: unknown, path: string, ctx: ReadContext): Json {
  switch (def.type) {
    case 'string': {
      if (typeof value !== 'string') throw fail(341, `${path} is a string attribute, not ${jsonType(value)}`, ctx);
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw fail(341, `${path} is a boolean attribute: give true or false, not ${jsonType(value)}`, ctx);
      return value;
    case 'integer':
    case 'id':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw fail(341, `${path} is an integer attribute, not ${typeof value === 'number' ? 'a fraction' : jsonType(value)}`, ctx);
      return value;
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw fail(341, `${path} is a decimal attribute, not ${jsonType(value)}`, ctx);
      return value;
    case 'date': {
      if (typeof value !== 'string') throw fail(341, `${path} is a date attribute: give a string like 2001-01-31, not ${jsonType(value)}`, ctx);
      const date = parseDate(value);
      if (date === undefined) throw fail(342, `${path}: ${JSON.stringify(value.slice(0, 64))} is not a date`, ctx);
      return date;
    }
    case 'dateTime': {
      if (typeof value !== 'string') throw fail(341, `${path} is a dateTime attribute: give a string like 2001-01-01 17:33:39 +0000, not ${jsonType(value)}`, ctx);
      const instant = parseDateTime(value);
      if (instant === undefined) throw fail(342, `${path}: ${JSON.stringify(value.slice(0, 64))} is not a date and time`, ctx);
      return formatStoredDateTime(instant);
    }
    case 'ipAddress':
      if (typeof value !== 'string') throw fail(341, `${path} is an ipAddress attribute, not ${jsonType(value)}`, ctx);
      if (!isIP(value)) throw fail(340, `${path}: ${JSON.stringify(value.slice(0, 64))} is not an IPv4 or IPv6 address`, ctx);
      return value;
    case 'uuid':
      if (typeof value !== 'string') throw fail(341, `${path} is a uuid attribute, not ${jsonType(value)}`, ctx);
      if (!UUID.test(value)) throw fail(340, `${path}: ${JSON.stringify(value.slice(0, 64))} is not a uuid`, ctx);
      return value.toLowerCase();
    case 'json':
      return value as Json;
    default:
      throw fail(200, `${path} has type ${def.type}, which records cannot hold`, ctx);
  }
}

/** `length` (363); checked after the type's rules ran, since a `truncate` rule may shorten the value. */
export function checkLength(def: AttrDef, value: string, path: string, ctx: { argumentName: string }): void {
  const max = def.length;
  // UTF-16 units never undercount code points, so only long strings need counting.
  if (max == null || value.length <= max) return;
  let points = 0;
  for (const _ of value) if (++points > max) throw fail(363, `${path} is longer than ${max} characters`, ctx);
}

/** The format constraints (360): alphabetic, alphanumeric, unicode-letters, unicode-printable, email-address. */
export function checkFormats(def: AttrDef, value: string, path: string, ctx: { argumentName: string }): void {
  for (const constraint of def.constraints ?? []) {
    const format = FORMATS[constraint];
    if (format && value !== '' && !format.test(value)) throw fail(360, `${path} violates its ${constraint} constraint`, ctx);
  }
}

/** A password: plaintext to hash (argon2id), or an imported hash kept as given with its type. */
function readPassword(value: unknown, path: string, ctx: ReadContext): Json {
  if (typeof value === 'string') {
    if (value.length === 0 || value.length > 4096) throw fail(360, `${path}: a password has 1 to 4096 characters`, ctx);
    // Filled in by hashPasswords() before the write; the placeholder never reaches storage.
    const holder: JsonObject = { pending: true };
    ctx.passwords.push({ holder, plaintext: value });
    return holder;
  }
  if (isObject(value) && typeof value.type === 'string' && typeof value.value === 'string') {
    if (!/^password-[a-z0-9-]{1,64}$/.test(value.type)) throw fail(340, `${path}.type must name a password hash scheme such as password-bcrypt`, ctx);
    const stored: JsonObject = { type: value.type, value: value.value };
    for (const extra of ['salt', 'rounds', 'iterations', 'cost'] as const) {
      const v = value[extra];
      if (typeof v === 'string' || typeof v === 'number') stored[extra] = v;
    }
    return stored;
  }
  throw fail(341, `${path} is a password: give the plaintext, or {"type":"password-…","value":"…"} for an imported hash`, ctx);
}
