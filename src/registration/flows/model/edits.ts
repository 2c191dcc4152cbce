import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FlowDefinitionError, LOCALE, NAME, parseField, parseForm, type FieldDef, type FlowDefinition, type Translatable } from './definition.js';
import { FlowNotFound } from './flow-store.js';

/**
 * The config API's changes, as pure functions from one definition to the next (flow-store's
 * changeFlow writes the result as a new version). Each gets a private copy it may change.
 */

function checkName(name: string, what: 'field' | 'form'): void {
  if (!NAME.test(name)) throw new FlowDefinitionError([`${what} names are letters, digits and _, starting with a letter or _ (at most 100): ${JSON.stringify(name.slice(0, 100))}`]);
}

export function addField(def: FlowDefinition, name: string, body: unknown): FlowDefinition {
  checkName(name, 'field');
  if (Object.hasOwn(def.fields, name)) throw new FlowDefinitionError([`fields.${name}: the flow already has a field of that name (PUT changes it)`]);
  def.fields[name] = parseField(body, name);
  return def;
}

export function replaceField(def: FlowDefinition, name: string, body: unknown): FlowDefinition {
  if (!Object.hasOwn(def.fields, name)) throw new FlowNotFound(`field ${name}`);
  def.fields[name] = parseField(body, name);
  return def;
}

/** Removes a field, and with it its place in every form. */
export function removeField(def: FlowDefinition, name: string): FlowDefinition {
  if (!Object.hasOwn(def.fields, name)) throw new FlowNotFound(`field ${name}`);
  delete def.fields[name];
  for (const form of Object.values(def.forms)) form.fields = form.fields.filter((f) => f !== name);
  return def;
}

export function addForm(def: FlowDefinition, name: string, body: unknown): FlowDefinition {
  checkName(name, 'form');
  if (Object.hasOwn(def.forms, name)) throw new FlowDefinitionError([`forms.${name}: the flow already has a form of that name (PUT changes it)`]);
  def.forms[name] = parseForm(body, name);
  return def;
}

export function replaceForm(def: FlowDefinition, name: string, body: unknown): FlowDefinition {
  if (!Object.hasOwn(def.forms, name)) throw new FlowNotFound(`form ${name}`);
  def.forms[name] = parseForm(body, name);
  return def;
}

export function removeForm(def: FlowDefinition, name: string): FlowDefinition {
  if (!Object.hasOwn(def.forms, name)) throw new FlowNotFound(`form ${name}`);
  delete def.forms[name];
  return def;
}

const flowProperties = z
  .object({
    userData: z.array(z.string()).max(200).optional(),
    schemas: z.array(z.string().regex(NAME)).length(1, 'a flow writes one entity type').optional(),
    entityType: z.string().regex(NAME).optional(),
    defaultLocale: z.string().regex(LOCALE).optional(),
  })
  .strict();

/** PUT /config/{app}/flows/{flow}: Janrain's userData and schemas (the entity type), and the default locale. */
export function setFlowProperties(def: FlowDefinition, body: unknown): FlowDefinition {
  const parsed = flowProperties.safeParse(body);
  if (!parsed.success) throw new FlowDefinitionError(parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`));
  const { userData, schemas, entityType, defaultLocale } = parsed.data;
  if (schemas && entityType && schemas[0] !== entityType) throw new FlowDefinitionError(['schemas and entityType name different entity types']);
  if (userData) def.userData = userData;
  if (schemas || entityType) def.entityType = schemas?.[0] ?? entityType!;
  if (defaultLocale) def.defaultLocale = def.locales.find((l) => l.toLowerCase() === defaultLocale.toLowerCase()) ?? defaultLocale;
  return def;
}

const localeTexts = z.record(z.string(), z.string().max(10_000));

/**
 * PUT /config/{app}/flows/{flow}/locales/{locale}: adds the locale if the flow lacks it and
 * sets its text of each translation key given (keys must exist).
 */
export function setLocaleTexts(def: FlowDefinition, locale: string, body: unknown): FlowDefinition {
  if (!LOCALE.test(locale)) throw new FlowDefinitionError([`locale: ${JSON.stringify(locale.slice(0, 40))} is not a locale such as en-US`]);
  const parsed = localeTexts.safeParse(body);
  if (!parsed.success) throw new FlowDefinitionError(['the body is an object of translation key → text']);
  const spelled = def.locales.find((l) => l.toLowerCase() === locale.toLowerCase()) ?? locale;
  if (!def.locales.includes(spelled)) def.locales.push(spelled);
  const problems: string[] = [];
  for (const [key, text] of Object.entries(parsed.data)) {
    if (!Object.hasOwn(def.translations, key)) problems.push(`${key}: no translation has this key (POST …/translations creates keys)`);
    else def.translations[key][spelled] = text;
  }
  if (problems.length) throw new FlowDefinitionError(problems);
  return def;
}

export function removeLocale(def: FlowDefinition, locale: string): FlowDefinition {
  const spelled = def.locales.find((l) => l.toLowerCase() === locale.toLowerCase());
  if (!spelled) throw new FlowNotFound(`locale ${locale}`);
  if (spelled === def.defaultLocale) throw new FlowDefinitionError([`${spelled} is the flow's default locale; choose another default first (PUT the flow with defaultLocale)`]);
  def.locales = def.locales.filter((l) => l !== spelled);
  for (const values of Object.values(def.translations)) delete values[spelled];
  return def;
}

const newTranslations = z
  .array(
    z
      .object({
        key: z.string().optional(),
        values: z.record(z.string(), z.string().max(10_000)),
      })
      .strict(),
  )
  .min(1)
  .max(1000);

/** POST …/translations: new keys (a uuid unless the body names one) with their texts per locale. */
export function addTranslations(def: FlowDefinition, body: unknown): { def: FlowDefinition; keys: string[] } {
  const parsed = newTranslations.safeParse(Array.isArray(body) ? body : [body]);
  if (!parsed.success) throw new FlowDefinitionError(['the body is a list of {"values": {"en-US": "…", …}} (a "key" of your own is optional)']);
  const keys: string[] = [];
  const problems: string[] = [];
  for (const item of parsed.data) {
    const key = item.key ?? randomUUID();
    if (Object.hasOwn(def.translations, key)) problems.push(`${key}: the key exists already (PUT …/translations/${key} changes it)`);
    def.translations[key] = item.values;
    keys.push(key);
  }
  if (problems.length) throw new FlowDefinitionError(problems);
  return { def, keys };
}

const translationValues = z.object({ values: z.record(z.string(), z.string().max(10_000)) }).strict();

export function replaceTranslation(def: FlowDefinition, key: string, body: unknown): FlowDefinition {
  if (!Object.hasOwn(def.translations, key)) throw new FlowNotFound(`translation ${key}`);
  const parsed = translationValues.safeParse(body);
  if (!parsed.success) throw new FlowDefinitionError(['the body is {"values": {"en-US": "…", …}}']);
  def.translations[key] = parsed.data.values;
  return def;
}

export function removeTranslation(def: FlowDefinition, key: string): FlowDefinition {
  if (!Object.hasOwn(def.translations, key)) throw new FlowNotFound(`translation ${key}`);
  delete def.translations[key];
  return def;
}

/**
 * A field body written in one locale (…/locales/{locale}/fields/{field}), as Janrain's config
 * API takes it: label, placeholder, tip, invalidMessage, option labels and validation messages
 * may be plain text. Each text becomes a new translation key with that locale's text; `{key}`
 * references stay as they are.
 */
export function localizedFieldBody(def: FlowDefinition, locale: string, body: unknown): unknown {
  const spelled = def.locales.find((l) => l.toLowerCase() === locale.toLowerCase());
  if (!spelled) throw new FlowNotFound(`locale ${locale}`);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const keyed = (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    const key = randomUUID();
    def.translations[key] = { [spelled]: value };
    return { key } satisfies Translatable;
  };
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const k of ['label', 'placeholder', 'tip', 'invalidMessage']) if (k in out) out[k] = keyed(out[k]);
  if (Array.isArray(out.options)) out.options = out.options.map((o: unknown) => (o && typeof o === 'object' ? { ...(o as object), label: keyed((o as { label?: unknown }).label) } : o));
  if (Array.isArray(out.validation)) out.validation = out.validation.map((r: unknown) => (r && typeof r === 'object' && 'message' in r ? { ...(r as object), message: keyed((r as { message?: unknown }).message) } : r));
  return out;
}

/** A field with every translation key replaced by its text in `locale` (…?locale=, …/locales/{locale}/fields/{field}). */
export function translateField(def: FlowDefinition, field: FieldDef, locale: string): Record<string, unknown> {
  const text = (t: Translatable | undefined) => (t ? (def.translations[t.key]?.[locale] ?? def.translations[t.key]?.[def.defaultLocale] ?? t.key) : undefined);
  const out: Record<string, unknown> = { ...field };
  for (const k of ['label', 'placeholder', 'tip', 'invalidMessage'] as const) if (field[k]) out[k] = text(field[k]);
  if (field.options) out.options = field.options.map((o) => ({ ...o, label: text(o.label) }));
  out.validation = field.validation.map((r) => (r.message ? { ...r, message: text(r.message) } : r));
  return out;
}
