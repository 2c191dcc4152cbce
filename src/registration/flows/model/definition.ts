import { z } from 'zod';

/**
 * A flow as stored in one version (docs/flows.md): fields, forms (lists of field names),
 * translations per locale. Every user-visible string (label, placeholder, tip, option label,
 * validation message) is a translation key `{key}` resolved per locale, as Janrain's flows do.
 * The same shape is the import file format, where a field may say `schemaId` (the name the
 * widget_data document and Janrain's mobile libraries use) instead of `schemaAttribute`.
 */

export const FIELD_TYPES = ['checkbox', 'dateselect', 'email', 'password', 'radio', 'select', 'text', 'textarea'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Janrain's field validations that the server enforces, plus `regex` and `complexity` (ours). */
export const RULE_NAMES = ['required', 'format', 'minLength', 'maxLength', 'match', 'matchOptions', 'unique', 'minYears', 'regex', 'complexity', 'clientFunctionName', 'disableClientSide'] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/** Janrain's predefined `format` values. */
export const FORMAT_NAMES = ['alpha', 'alphaExtended', 'alphaExtendedSpaces', 'alphaNumeric', 'alphaNumericExtended', 'email', 'i18nAlphaNumeric', 'numeric', 'numericReal', 'phone', 'phoneInternational', 'zipCode', 'zipCode+4'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** Character classes the `complexity` rule counts (each value: the least number of such characters). */
export const COMPLEXITY_CLASSES = ['lowercase', 'uppercase', 'letters', 'digits', 'symbols'] as const;
export type Complexity = Partial<Record<(typeof COMPLEXITY_CLASSES)[number], number>>;

export interface Translatable {
  key: string;
}

export interface ValidationRule {
  rule: RuleName;
  value: unknown;
  message?: Translatable;
}

export interface FieldOption {
  value: string;
  label: Translatable;
  selected?: boolean;
  disabled?: boolean;
}

/** A schema attribute path, or for a composite field (`name[subkey]` parameters) subkey → path. */
export type SchemaTarget = string | Record<string, string>;

export interface FieldDef {
  type: FieldType;
  schemaAttribute: SchemaTarget;
  label?: Translatable;
  placeholder?: Translatable;
  tip?: Translatable;
  options?: FieldOption[];
  /** Where auth_native's prereg_fields take the value from: `profile.displayName` (per subkey for composites). */
  socialProfileData?: SchemaTarget;
  validation: ValidationRule[];
  /** Message for a value that cannot be read at all (a date that does not exist, an unknown option). */
  invalidMessage?: Translatable;
}

export interface FormDef {
  fields: string[];
}

export interface FlowDefinition {
  /** The entity type the fields' schema attributes belong to. */
  entityType: string;
  defaultLocale: string;
  locales: string[];
  /** Janrain's `userData`: attributes the widget keeps for a signed-in user (served, not used here). */
  userData: string[];
  /** Flow-wide messages: `invalid` is used when a field has no invalidMessage of its own. */
  messages: { invalid: Translatable };
  fields: Record<string, FieldDef>;
  forms: Record<string, FormDef>;
  /** key → locale → text. */
  translations: Record<string, Record<string, string>>;
}

export const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
export const FLOW_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$/;
export const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;
const TRANSLATION_KEY = /^[A-Za-z0-9_.:-]{1,200}$/;
const ATTRIBUTE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,11}$/;
const SOCIAL_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,7}$/;

export const LIMITS = { fields: 500, forms: 200, formFields: 200, options: 1000, translations: 20_000, locales: 50, text: 10_000, regex: 500, rules: 30 } as const;

const translatable = z.object({ key: z.string().regex(TRANSLATION_KEY, 'translation keys are 1-200 letters, digits and _ . : -') }).strict();
const schemaTarget = z.union([
  z.string().regex(ATTRIBUTE_PATH, 'a dotted attribute path such as primaryAddress.city'),
  z.record(z.string().regex(NAME, 'subkeys are letters, digits and _'), z.string().regex(ATTRIBUTE_PATH, 'a dotted attribute path such as primaryAddress.city')),
]);
const socialTarget = z.union([
  z.string().regex(SOCIAL_PATH, 'a dotted path into the Social Login profile such as profile.displayName'),
  z.record(z.string().regex(NAME), z.string().regex(SOCIAL_PATH, 'a dotted path into the Social Login profile such as profile.address.locality')),
]);

const ruleSchema = z
  .object({
    rule: z.enum(RULE_NAMES),
    value: z.unknown(),
    message: translatable.optional(),
  })
  .strict();

const optionSchema = z
  .object({
    value: z.string().max(1000),
    label: translatable,
    selected: z.boolean().optional(),
    disabled: z.boolean().optional(),
  })
  .strict();

const fieldInput = z
  .object({
    // The config API's field bodies carry the field's name; it must agree with where it is put.
    name: z.string().optional(),
    type: z.enum(FIELD_TYPES),
    schemaAttribute: schemaTarget.optional(),
    schemaId: schemaTarget.optional(),
    label: translatable.optional(),
    placeholder: translatable.optional(),
    tip: translatable.optional(),
    options: z.array(optionSchema).max(LIMITS.options).optional(),
    socialProfileData: socialTarget.optional(),
    validation: z.array(ruleSchema).max(LIMITS.rules).optional(),
    invalidMessage: translatable.optional(),
  })
  .strict();

const formInput = z
  .object({
    name: z.string().optional(),
    fields: z.array(z.union([z.string(), z.object({ name: z.string() }).strict()])).max(LIMITS.formFields),
  })
  .strict();

const definitionInput = z
  .object({
    name: z.string().optional(),
    entityType: z.string().regex(NAME).default('user'),
    defaultLocale: z.string().regex(LOCALE, 'a locale such as en-US'),
    locales: z.array(z.string().regex(LOCALE, 'a locale such as en-US')).min(1).max(LIMITS.locales),
    userData: z.array(z.string().regex(ATTRIBUTE_PATH)).max(200).default([]),
    messages: z.object({ invalid: translatable }).strict(),
    fields: z.record(z.string(), fieldInput),
    forms: z.record(z.string(), formInput),
    translations: z.record(z.string(), z.record(z.string(), z.string().max(LIMITS.text))),
  })
  .strict();

/** A definition that breaks the rules; `problems` name each place (`fields.firstName.validation[0]`). */
export class FlowDefinitionError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`);
    this.name = 'FlowDefinitionError';
  }
}

function zodProblems(error: z.ZodError, prefix = ''): string[] {
  return error.issues.slice(0, 50).map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `${prefix}${path.replace(/^\./, '') || '(flow)'}: ${issue.message}`;
  });
}

/** Reads one field body (import, config API), `schemaId` accepted for `schemaAttribute`. */
export function parseField(input: unknown, name: string, where = `fields.${name}`): FieldDef {
  const parsed = fieldInput.safeParse(input);
  if (!parsed.success) throw new FlowDefinitionError(zodProblems(parsed.error, `${where}.`));
  return normaliseField(parsed.data, name, where);
}

function normaliseField(input: z.output<typeof fieldInput>, name: string, where: string): FieldDef {
  const problems: string[] = [];
  if (input.name !== undefined && input.name !== name) problems.push(`${where}.name: the body names ${JSON.stringify(input.name)} but the field is ${JSON.stringify(name)}`);
  if (input.schemaAttribute !== undefined && input.schemaId !== undefined && JSON.stringify(input.schemaAttribute) !== JSON.stringify(input.schemaId)) {
    problems.push(`${where}: schemaAttribute and schemaId disagree (give one)`);
  }
  const schemaAttribute = input.schemaAttribute ?? input.schemaId;
  if (schemaAttribute === undefined) problems.push(`${where}.schemaAttribute: every field names the schema attribute its value goes to`);
  if (problems.length) throw new FlowDefinitionError(problems);
  const field: FieldDef = { type: input.type, schemaAttribute: schemaAttribute!, validation: input.validation ?? [] };
  for (const key of ['label', 'placeholder', 'tip', 'options', 'socialProfileData', 'invalidMessage'] as const) {
    if (input[key] !== undefined) (field as unknown as Record<string, unknown>)[key] = input[key];
  }
  return field;
}

export function parseForm(input: unknown, name: string, where = `forms.${name}`): FormDef {
  const parsed = formInput.safeParse(input);
  if (!parsed.success) throw new FlowDefinitionError(zodProblems(parsed.error, `${where}.`));
  if (parsed.data.name !== undefined && parsed.data.name !== name) throw new FlowDefinitionError([`${where}.name: the body names ${JSON.stringify(parsed.data.name)} but the form is ${JSON.stringify(name)}`]);
  return { fields: parsed.data.fields.map((f) => (typeof f === 'string' ? f : f.name)) };
}

/**
 * Reads a whole flow (an import file, a stored version) and checks that it holds together:
 * names, references between fields, forms and translations, rules fit their field types. The
 * schema attributes are checked against the entity type separately (checkAgainstSchema), since
 * that needs the database. Returns the definition and the name the document gives itself.
 */
export function parseFlowDefinition(input: unknown): { definition: FlowDefinition; name?: string } {
  const parsed = definitionInput.safeParse(input);
  if (!parsed.success) throw new FlowDefinitionError(zodProblems(parsed.error));
  const data = parsed.data;
  const problems: string[] = [];
  const fields: Record<string, FieldDef> = {};
  for (const [name, body] of Object.entries(data.fields)) {
    try {
      fields[name] = normaliseField(body, name, `fields.${name}`);
    } catch (err) {
      if (err instanceof FlowDefinitionError) problems.push(...err.problems);
      else throw err;
    }
  }
  const forms: Record<string, FormDef> = {};
  for (const [name, body] of Object.entries(data.forms)) {
    if (body.name !== undefined && body.name !== name) problems.push(`forms.${name}.name: the body names ${JSON.stringify(body.name)} but the form is ${JSON.stringify(name)}`);
    forms[name] = { fields: body.fields.map((f) => (typeof f === 'string' ? f : f.name)) };
  }
  if (problems.length) throw new FlowDefinitionError(problems);
  const definition: FlowDefinition = {
    entityType: data.entityType,
    defaultLocale: data.defaultLocale,
    locales: data.locales,
    userData: data.userData,
    messages: data.messages,
    fields,
    forms,
    translations: data.translations,
  };
  checkDefinition(definition);
  if (data.name !== undefined && !FLOW_NAME.test(data.name)) throw new FlowDefinitionError([`name: flow names are 1-100 letters, digits, _ and - (got ${JSON.stringify(data.name.slice(0, 100))})`]);
  return { definition, name: data.name };
}

/** Every structural rule of a definition; throws FlowDefinitionError listing what is wrong. */
export function checkDefinition(def: FlowDefinition): void {
  const problems: string[] = [];
  const fieldNames = Object.keys(def.fields);
  const formNames = Object.keys(def.forms);
  if (fieldNames.length > LIMITS.fields) problems.push(`fields: at most ${LIMITS.fields}`);
  if (formNames.length > LIMITS.forms) problems.push(`forms: at most ${LIMITS.forms}`);
  if (Object.keys(def.translations).length > LIMITS.translations) problems.push(`translations: at most ${LIMITS.translations} keys`);

  const locales = new Set<string>();
  for (const locale of def.locales) {
    if (locales.has(locale.toLowerCase())) problems.push(`locales: ${locale} is listed twice`);
    locales.add(locale.toLowerCase());
  }
  if (!def.locales.includes(def.defaultLocale)) problems.push(`defaultLocale: ${def.defaultLocale} is not one of the locales`);

  for (const [key, values] of Object.entries(def.translations)) {
    if (!TRANSLATION_KEY.test(key)) problems.push(`translations.${key}: translation keys are 1-200 letters, digits and _ . : -`);
    for (const locale of Object.keys(values)) if (!def.locales.includes(locale)) problems.push(`translations.${key}.${locale}: not one of the flow's locales`);
  }
  const needKey = (t: Translatable | undefined, where: string) => {
    if (t && !Object.hasOwn(def.translations, t.key)) problems.push(`${where}: no translation has the key ${JSON.stringify(t.key)}`);
  };
  needKey(def.messages.invalid, 'messages.invalid');

  for (const name of fieldNames) {
    if (!NAME.test(name)) problems.push(`fields.${name}: field names are letters, digits and _, starting with a letter or _ (at most 100)`);
    if (Object.hasOwn(def.forms, name)) problems.push(`fields.${name}: a form has the same name`);
    checkField(def, name, def.fields[name], problems, needKey);
  }
  for (const name of formNames) {
    if (!NAME.test(name)) problems.push(`forms.${name}: form names are letters, digits and _, starting with a letter or _ (at most 100)`);
    const seen = new Set<string>();
    def.forms[name].fields.forEach((field, i) => {
      if (!Object.hasOwn(def.fields, field)) problems.push(`forms.${name}.fields[${i}]: no field is named ${JSON.stringify(field)}`);
      if (seen.has(field)) problems.push(`forms.${name}.fields[${i}]: ${field} is listed twice`);
      seen.add(field);
    });
  }
  if (problems.length) throw new FlowDefinitionError(problems);
}

/** The rules each field type takes. */
const TEXTUAL: FieldType[] = ['text', 'textarea', 'email', 'password'];
const RULE_TYPES: Record<RuleName, readonly FieldType[]> = {
  required: FIELD_TYPES,
  format: TEXTUAL,
  minLength: TEXTUAL,
  maxLength: TEXTUAL,
  regex: TEXTUAL,
  match: ['text', 'textarea', 'email', 'password', 'select', 'radio'],
  matchOptions: ['select', 'radio'],
  unique: ['text', 'textarea', 'email', 'select', 'radio'],
  minYears: ['dateselect'],
  complexity: ['password'],
  clientFunctionName: FIELD_TYPES,
  disableClientSide: FIELD_TYPES,
};
const CLIENT_ONLY = new Set<RuleName>(['clientFunctionName', 'disableClientSide']);

function checkField(def: FlowDefinition, name: string, field: FieldDef, problems: string[], needKey: (t: Translatable | undefined, where: string) => void): void {
  const where = `fields.${name}`;
  needKey(field.label, `${where}.label`);
  needKey(field.placeholder, `${where}.placeholder`);
  needKey(field.tip, `${where}.tip`);
  needKey(field.invalidMessage, `${where}.invalidMessage`);

  const composite = typeof field.schemaAttribute !== 'string';
  if (composite) {
    const subkeys = Object.keys(field.schemaAttribute);
    if (field.type !== 'text' && field.type !== 'textarea') problems.push(`${where}.schemaAttribute: only text and textarea fields may be composite (name[subkey] parameters)`);
    if (subkeys.length === 0 || subkeys.length > 50) problems.push(`${where}.schemaAttribute: a composite field has 1 to 50 subkeys`);
    if (field.socialProfileData !== undefined) {
      if (typeof field.socialProfileData === 'string') problems.push(`${where}.socialProfileData: a composite field takes one profile path per subkey`);
      else for (const sub of Object.keys(field.socialProfileData)) if (!subkeys.includes(sub)) problems.push(`${where}.socialProfileData.${sub}: not one of the field's subkeys`);
    }
  } else if (field.socialProfileData !== undefined && typeof field.socialProfileData !== 'string') {
    problems.push(`${where}.socialProfileData: a single profile path such as profile.displayName`);
  }
  if (field.type === 'password' && field.socialProfileData !== undefined) problems.push(`${where}.socialProfileData: passwords are never filled in from a social profile`);

  const choice = field.type === 'select' || field.type === 'radio';
  if (choice) {
    if (!field.options || field.options.length === 0) problems.push(`${where}.options: ${field.type} fields need options`);
    const values = new Set<string>();
    field.options?.forEach((o, i) => {
      if (values.has(o.value)) problems.push(`${where}.options[${i}]: the value ${JSON.stringify(o.value)} is given twice`);
      values.add(o.value);
      needKey(o.label, `${where}.options[${i}].label`);
    });
    if ((field.options ?? []).filter((o) => o.selected).length > 1) problems.push(`${where}.options: at most one option is selected by default`);
  } else if (field.options !== undefined) {
    problems.push(`${where}.options: only select and radio fields have options`);
  }

  const seen = new Set<RuleName>();
  field.validation.forEach((rule, i) => {
    const at = `${where}.validation[${i}]`;
    if (seen.has(rule.rule)) problems.push(`${at}: ${rule.rule} is given twice`);
    seen.add(rule.rule);
    if (!RULE_TYPES[rule.rule].includes(field.type)) problems.push(`${at}: ${rule.rule} does not apply to ${field.type} fields`);
    if (composite && (rule.rule === 'match' || rule.rule === 'unique')) problems.push(`${at}: ${rule.rule} does not apply to composite fields`);
    if (!CLIENT_ONLY.has(rule.rule)) {
      if (!rule.message) problems.push(`${at}.message: the rule needs a message (a translation key)`);
      needKey(rule.message, `${at}.message`);
    }
    const valueProblem = checkRuleValue(def, name, rule);
    if (valueProblem) problems.push(`${at}.value: ${valueProblem}`);
  });
}

function isWhole(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/** What is wrong with a rule's value, or undefined. */
function checkRuleValue(def: FlowDefinition, fieldName: string, rule: ValidationRule): string | undefined {
  const v = rule.value;
  switch (rule.rule) {
    case 'required':
    case 'matchOptions':
    case 'unique':
    case 'disableClientSide':
      return typeof v === 'boolean' ? undefined : 'true or false';
    case 'format':
      return typeof v === 'string' && (FORMAT_NAMES as readonly string[]).includes(v) ? undefined : `one of ${FORMAT_NAMES.join(', ')}`;
    case 'minLength':
    case 'maxLength':
      return isWhole(v, 100_000) ? undefined : 'a whole number of characters (0 to 100000)';
    case 'minYears':
      return isWhole(v, 200) ? undefined : 'a whole number of years (0 to 200)';
    case 'match':
      if (typeof v !== 'string' || !Object.hasOwn(def.fields, v)) return 'the name of another field of the flow';
      return v === fieldName ? 'a field cannot match itself' : undefined;
    case 'regex':
      if (typeof v !== 'string' || v.length === 0 || v.length > LIMITS.regex) return `a regular expression of 1 to ${LIMITS.regex} characters`;
      try {
        new RegExp(v, 'u');
        return undefined;
      } catch {
        return 'not a valid regular expression (JavaScript syntax, Unicode mode)';
      }
    case 'complexity': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return `an object of least counts: ${COMPLEXITY_CLASSES.join(', ')}`;
      const entries = Object.entries(v);
      if (entries.length === 0) return 'name at least one character class';
      for (const [k, n] of entries) {
        if (!(COMPLEXITY_CLASSES as readonly string[]).includes(k)) return `${k} is not one of ${COMPLEXITY_CLASSES.join(', ')}`;
        if (!isWhole(n, 100)) return `${k}: a whole number (0 to 100)`;
      }
      return undefined;
    }
    case 'clientFunctionName':
      return typeof v === 'string' && v.length <= 200 ? undefined : 'the name of a JavaScript function';
  }
}

/** The schema attribute paths a field writes: one, or one per subkey of a composite field. */
export function targetPaths(field: FieldDef): string[] {
  return typeof field.schemaAttribute === 'string' ? [field.schemaAttribute] : Object.values(field.schemaAttribute);
}

/** The definition as a document (export, import file, stored version): fields and forms in their order. */
export function toDocument(def: FlowDefinition, name?: string): Record<string, unknown> {
  return { ...(name === undefined ? {} : { name }), ...def };
}
