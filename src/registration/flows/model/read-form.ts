import { RegistrationError } from '../../../http/errors.js';
import { parseDate } from '../../records/datetime.js';
import type { Json } from '../../records/json.js';
import type { Complexity, FieldDef, FormatName, RuleName, Translatable, ValidationRule } from './definition.js';
import type { Flow } from './flow.js';
import type { FlowParams } from './resolve.js';
import { characterCount, matchesFormat, matchesPattern, meetsComplexity, yearsSince } from './rules.js';

/** A field's value as read from the request: text, a checkbox, a `YYYY-MM-DD` date, a composite's parts; null when emptied. */
export type FieldValue = string | boolean | null | Record<string, string | null>;

/**
 * Asks the store whether a value of a `unique` field is free. The caller decides what "free"
 * means: on a profile update the user's own record does not count.
 */
export type UniqueCheck = (check: { field: string; attribute: string; value: string }) => Promise<boolean>;

export interface ReadFormOptions {
  unique: UniqueCheck;
  /** The moment age rules (minYears) are measured at; now by default. */
  now?: Date;
}

export interface FormValues {
  /**
   * Attribute path (`email`, `primaryAddress.city`) → value to write, in the records module's
   * input forms (dates `YYYY-MM-DD`, booleans, text, plaintext passwords for it to hash); null
   * empties an attribute. Fields are taken in form order and a later field of the same attribute
   * wins, so changePasswordForm's `password` is the new password, not currentPassword.
   */
  values: Record<string, Json>;
  /** Field name → value, for every field the request gave (sign-in credentials, currentPassword). */
  fields: Record<string, FieldValue>;
}

type Reading = { kind: 'absent' } | { kind: 'empty' } | { kind: 'invalid' } | { kind: 'value'; value: FieldValue; texts: string[] };

const TRUE = new Set(['true', '1', 'on', 'yes', 'checked']);
const FALSE = new Set(['false', '0', 'off', 'no', '']);

function objectParam(params: FlowParams, name: string): Record<string, unknown> | undefined {
  const text = params.get(name);
  if (text === undefined || !text.trimStart().startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `name[sub]`, or `sub` of a JSON object given as `name` (JSON bodies nest them). */
function part(params: FlowParams, name: string, sub: string, nested: Record<string, unknown> | undefined): string | undefined {
  const flat = params.get(`${name}[${sub}]`);
  if (flat !== undefined) return flat;
  const v = nested?.[sub];
  if (v === undefined) return undefined;
  if (v === null) return '';
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function readField(params: FlowParams, name: string, field: FieldDef): Reading {
  if (typeof field.schemaAttribute !== 'string') return readComposite(params, name, Object.keys(field.schemaAttribute));
  const raw = params.get(name);
  switch (field.type) {
    case 'password':
      if (raw === undefined) return { kind: 'absent' };
      return raw === '' ? { kind: 'empty' } : { kind: 'value', value: raw, texts: [raw] };
    case 'text':
    case 'textarea':
    case 'email': {
      if (raw === undefined) return { kind: 'absent' };
      const text = raw.trim();
      return text === '' ? { kind: 'empty' } : { kind: 'value', value: text, texts: [text] };
    }
    case 'checkbox': {
      if (raw === undefined) return { kind: 'absent' };
      const v = raw.trim().toLowerCase();
      if (TRUE.has(v)) return { kind: 'value', value: true, texts: [] };
      if (FALSE.has(v)) return { kind: 'value', value: false, texts: [] };
      return { kind: 'invalid' };
    }
    case 'select':
    case 'radio': {
      if (raw === undefined) return { kind: 'absent' };
      if (raw === '') return { kind: 'empty' };
      const option = field.options?.find((o) => o.value === raw && !o.disabled);
      return option ? { kind: 'value', value: option.value, texts: [option.value] } : { kind: 'invalid' };
    }
    case 'dateselect':
      return readDate(params, name);
  }
}

function readComposite(params: FlowParams, name: string, subkeys: string[]): Reading {
  const nested = objectParam(params, name);
  const parts: Record<string, string | null> = {};
  for (const sub of subkeys) {
    const v = part(params, name, sub, nested);
    if (v !== undefined) parts[sub] = v.trim() === '' ? null : v.trim();
  }
  const given = Object.values(parts);
  if (given.length === 0) return { kind: 'absent' };
  if (given.every((v) => v === null)) return { kind: 'empty' };
  return { kind: 'value', value: parts, texts: given.filter((v): v is string => v !== null) };
}

/** `name[dateselect_year]`, `[dateselect_month]`, `[dateselect_day]`; also `name=YYYY-MM-DD`. */
function readDate(params: FlowParams, name: string): Reading {
  const nested = objectParam(params, name);
  const y = part(params, name, 'dateselect_year', nested);
  const m = part(params, name, 'dateselect_month', nested);
  const d = part(params, name, 'dateselect_day', nested);
  if (y === undefined && m === undefined && d === undefined) {
    const whole = nested ? undefined : params.get(name);
    if (whole === undefined) return { kind: 'absent' };
    if (whole.trim() === '') return { kind: 'empty' };
    const match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(whole.trim());
    return match ? dateOf(match[1], match[2], match[3]) : { kind: 'invalid' };
  }
  const parts = [y, m, d].map((p) => (p ?? '').trim());
  if (parts.every((p) => p === '')) return { kind: 'empty' };
  return dateOf(parts[0], parts[1], parts[2]);
}

function dateOf(y: string, m: string, d: string): Reading {
  if (!/^\d{4}$/.test(y) || !/^\d{1,2}$/.test(m) || !/^\d{1,2}$/.test(d)) return { kind: 'invalid' };
  const text = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  // parseDate refuses days a month does not have; the round trip refuses nothing else.
  return parseDate(text) === text && y !== '0000' ? { kind: 'value', value: text, texts: [] } : { kind: 'invalid' };
}

function ruleOf(field: FieldDef, name: RuleName): ValidationRule | undefined {
  return field.validation.find((r) => r.rule === name);
}

/** The rules a readable, non-empty value breaks (not `unique`, which needs the store). */
function broken(field: FieldDef, reading: Extract<Reading, { kind: 'value' }>, params: FlowParams, now: Date): ValidationRule[] {
  const out: ValidationRule[] = [];
  for (const rule of field.validation) {
    const v = rule.value;
    const texts = reading.texts;
    let ok = true;
    switch (rule.rule) {
      case 'format':
        ok = texts.every((t) => matchesFormat(v as FormatName, t));
        break;
      case 'minLength':
        ok = texts.every((t) => characterCount(t) >= (v as number));
        break;
      case 'maxLength':
        ok = texts.every((t) => characterCount(t) <= (v as number));
        break;
      case 'regex':
        ok = texts.every((t) => matchesPattern(v as string, t));
        break;
      case 'complexity':
        ok = texts.every((t) => meetsComplexity(t, v as Complexity));
        break;
      case 'minYears':
        ok = typeof reading.value !== 'string' || yearsSince(reading.value, now) >= (v as number);
        break;
      case 'match': {
        const other = params.get(v as string);
        ok = other !== undefined && (field.type === 'password' ? other : other.trim()) === texts[0];
        break;
      }
      default:
        break;
    }
    if (!ok) out.push(rule);
  }
  return out;
}

/**
 * Reads and validates a form of the flow from a call's parameters (NOTES.md §8): each field by
 * its kind (dateselect as `birthdate[dateselect_year]`…, composite fields as `name[subkey]`,
 * checkboxes, options of select and radio fields), then the field's validation rules, `unique`
 * last through the caller's check. Any failure → 390 invalid_form_fields with
 * `invalid_fields: {fieldName: [message, …]}` in `locale` (default: the flow's request locale).
 */
export async function readForm(flow: Flow, formName: string | undefined, params: FlowParams, locale: string | undefined, options: ReadFormOptions): Promise<FormValues> {
  if (!formName) throw new RegistrationError(100, 'missing arguments: form', { argumentName: 'form' });
  const form = flow.form(formName);
  if (!form) throw new RegistrationError(200, `the flow ${flow.name} has no form named ${formName}`, { argumentName: 'form' });
  const now = options.now ?? new Date();
  const say = (t: Translatable | undefined) => flow.text(t, locale) ?? '';
  const invalid: Record<string, string[]> = {};
  const complain = (name: string, message: string) => {
    const list = (invalid[name] ??= []);
    if (!list.includes(message)) list.push(message);
  };
  const values: Record<string, Json> = {};
  const fields: Record<string, FieldValue> = {};
  const uniqueChecks: Array<{ name: string; attribute: string; value: string; rule: ValidationRule }> = [];

  for (const { name, field } of form) {
    const reading = readField(params, name, field);
    const required = ruleOf(field, 'required');
    const isRequired = required?.value === true;
    if (reading.kind === 'invalid') {
      const optionRule = field.type === 'select' || field.type === 'radio' ? ruleOf(field, 'matchOptions') : undefined;
      complain(name, say(field.invalidMessage ?? optionRule?.message ?? flow.definition.messages.invalid));
      continue;
    }
    const unchecked = reading.kind === 'value' && field.type === 'checkbox' && reading.value === false;
    if (isRequired && (reading.kind === 'absent' || reading.kind === 'empty' || unchecked || isIncomplete(field, reading))) {
      complain(name, say(required!.message));
      continue;
    }
    if (reading.kind === 'absent') continue;
    if (reading.kind === 'empty') {
      if (field.type === 'password') continue;
      fields[name] = typeof field.schemaAttribute === 'string' ? null : Object.fromEntries(Object.keys(field.schemaAttribute).map((k) => [k, null]));
      put(values, field, fields[name]);
      continue;
    }
    const failures = broken(field, reading, params, now);
    for (const rule of failures) complain(name, say(rule.message));
    if (failures.length) continue;
    const unique = ruleOf(field, 'unique');
    if (unique?.value === true && typeof reading.value === 'string' && typeof field.schemaAttribute === 'string') {
      uniqueChecks.push({ name, attribute: field.schemaAttribute, value: reading.value, rule: unique });
    }
    fields[name] = reading.value;
    put(values, field, reading.value);
  }

  // Only values that passed every other check reach the store.
  for (const check of uniqueChecks) {
    if (invalid[check.name]) continue;
    if (!(await options.unique({ field: check.name, attribute: check.attribute, value: check.value }))) complain(check.name, say(check.rule.message));
  }
  if (Object.keys(invalid).length > 0) throw new RegistrationError(390, 'some inputs are invalid', { extra: { invalid_fields: invalid } });
  return { values, fields };
}

/** A required composite field needs every part. */
function isIncomplete(field: FieldDef, reading: Reading): boolean {
  if (reading.kind !== 'value' || typeof field.schemaAttribute === 'string') return false;
  const parts = reading.value as Record<string, string | null>;
  return Object.keys(field.schemaAttribute).some((sub) => parts[sub] === undefined || parts[sub] === null);
}

function put(values: Record<string, Json>, field: FieldDef, value: FieldValue): void {
  if (typeof field.schemaAttribute === 'string') {
    values[field.schemaAttribute] = value as Json;
    return;
  }
  const parts = (value ?? {}) as Record<string, string | null>;
  for (const [sub, path] of Object.entries(field.schemaAttribute)) if (sub in parts) values[path] = parts[sub];
}

/**
 * The nested attributes object the records module writes (`entity.create`'s `attributes`) from
 * readForm's flat `values`: `{'primaryAddress.city': 'Paris'}` → `{primaryAddress: {city: 'Paris'}}`.
 */
export function attributesOf(values: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [path, value] of Object.entries(values)) {
    const steps = path.split('.');
    let here = out;
    for (const step of steps.slice(0, -1)) {
      const next = here[step];
      here = (here[step] = next !== null && typeof next === 'object' && !Array.isArray(next) ? next : {}) as Record<string, Json>;
    }
    here[steps[steps.length - 1]] = value;
  }
  return out;
}
