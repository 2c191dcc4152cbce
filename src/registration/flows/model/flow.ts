import type { FieldDef, FlowDefinition, Translatable } from './definition.js';

/** One version of one application's flow, read for a request in one locale. */
export interface Flow {
  /** Internal `apps.id`. */
  readonly appId: number;
  readonly name: string;
  readonly version: string;
  /** The request's locale, spelled as the flow spells it. */
  readonly locale: string;
  /** Deeply frozen; shared between requests. */
  readonly definition: FlowDefinition;
  /** The entity type the flow's fields write (`user`). */
  readonly entityType: string;
  /** A form's fields in order with their definitions; undefined when the flow has no such form. */
  form(name: string): Array<{ name: string; field: FieldDef }> | undefined;
  field(name: string): FieldDef | undefined;
  /**
   * A translation's text in `locale` (default: the request's), else in the flow's default
   * locale, else the key itself, so that a missing translation shows rather than vanishes.
   */
  text(t: Translatable | undefined, locale?: string): string | undefined;
  /** The flow's spelling of a locale (matched without regard to case), or undefined. */
  localeOf(locale: string): string | undefined;
}

export function makeFlow(appId: number, name: string, version: string, definition: FlowDefinition, locale?: string): Flow {
  const localeOf = (wanted: string) => definition.locales.find((l) => l.toLowerCase() === wanted.toLowerCase());
  const requestLocale = (locale && localeOf(locale)) ?? definition.defaultLocale;
  return {
    appId,
    name,
    version,
    locale: requestLocale,
    definition,
    entityType: definition.entityType,
    form(formName) {
      if (!Object.hasOwn(definition.forms, formName)) return undefined;
      return definition.forms[formName].fields.map((fieldName) => ({ name: fieldName, field: definition.fields[fieldName] }));
    },
    field(fieldName) {
      return Object.hasOwn(definition.fields, fieldName) ? definition.fields[fieldName] : undefined;
    },
    text(t, inLocale) {
      if (!t) return undefined;
      const values = Object.hasOwn(definition.translations, t.key) ? definition.translations[t.key] : undefined;
      const wanted = (inLocale && localeOf(inLocale)) ?? requestLocale;
      return values?.[wanted] ?? values?.[definition.defaultLocale] ?? t.key;
    },
    localeOf,
  };
}
