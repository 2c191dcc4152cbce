import { RegistrationError } from '../../../http/errors.js';
import { parseDate } from '../../records/datetime.js';
import type { Json } from '../../records/json.js';
import type { FieldDef } from './definition.js';
import type { Flow } from './flow.js';

function at(source: unknown, path: string): unknown {
  let here: unknown = source;
  for (const step of path.split('.')) {
    if (here === null || typeof here !== 'object' || Array.isArray(here) || !Object.hasOwn(here, step)) return undefined;
    here = (here as Record<string, unknown>)[step];
  }
  return here;
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function prefill(field: FieldDef, profile: unknown): Json {
  const source = field.socialProfileData;
  if (typeof field.schemaAttribute !== 'string') {
    const map = typeof source === 'object' ? source : {};
    return Object.fromEntries(Object.keys(field.schemaAttribute).map((sub) => [sub, map[sub] ? text(at(profile, map[sub])) : null]));
  }
  const value = typeof source === 'string' ? at(profile, source) : undefined;
  switch (field.type) {
    case 'checkbox':
      return typeof value === 'boolean' ? value : false;
    case 'select':
    case 'radio': {
      const given = text(value)?.toLowerCase();
      const option = given === undefined ? undefined : field.options?.find((o) => o.value.toLowerCase() === given);
      const fallback = field.options?.find((o) => o.selected) ?? field.options?.find((o) => o.value === '');
      return option?.value ?? fallback?.value ?? null;
    }
    case 'dateselect': {
      const given = text(value);
      return given === null ? null : (parseDate(given) ?? null);
    }
    default:
      return text(value);
  }
}

/**
 * auth_native's `prereg_fields` (seed 002's 310 answer): each field of the form (passwords
 * left out) with the value its `socialProfileData` path finds in the Social Login profile
 * (`{profile: {displayName, name: {givenName}, …}}`, auth_info's shape), else the field's empty
 * value: null, false for checkboxes, the default option of a select or radio field.
 */
export function formFieldsFromProfile(flow: Flow, formName: string, socialProfile: unknown): Record<string, Json> {
  const form = flow.form(formName);
  if (!form) throw new RegistrationError(200, `the flow ${flow.name} has no form named ${formName}`, { argumentName: 'registration_form' });
  const out: Record<string, Json> = {};
  for (const { name, field } of form) {
    if (field.type === 'password') continue;
    out[name] = prefill(field, socialProfile);
  }
  return out;
}
