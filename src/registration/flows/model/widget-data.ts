import type { FlowDefinition } from './definition.js';
import { translateField } from './edits.js';

/**
 * The flow as widgets and Janrain's mobile libraries download it
 * (`/widget_data/flows/{appId}/{flow}/{version}/{locale}.json`): every text in the one locale,
 * `version` the concrete version (also when HEAD was asked for), each field's `schemaId`, and
 * the forms both under `fields` (where the mobile libraries look them up, `fields[form].fields`)
 * and under `forms`. `schema_info.paths` maps field → schemaId as the iOS library reads it.
 */
export function widgetDocument(name: string, version: string, def: FlowDefinition, locale: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const paths: Record<string, unknown> = {};
  for (const [fieldName, field] of Object.entries(def.fields)) {
    const { schemaAttribute, socialProfileData: _social, ...shown } = translateField(def, field, locale) as Record<string, unknown> & { schemaAttribute: unknown };
    fields[fieldName] = { ...shown, schemaId: schemaAttribute };
    paths[fieldName] = schemaAttribute;
  }
  const forms: Record<string, { fields: string[] }> = {};
  for (const [formName, form] of Object.entries(def.forms)) {
    forms[formName] = { fields: [...form.fields] };
    fields[formName] = { fields: [...form.fields] };
  }
  return {
    name,
    version,
    locale,
    defaultLocale: def.defaultLocale,
    locales: def.locales,
    entityType: def.entityType,
    userData: def.userData,
    schema_info: { paths },
    fields,
    forms,
  };
}

// Versions never change: the rendered text of (version, locale) is kept; versions are random uuids.
const rendered = new Map<string, string>();
const RENDER_CACHE_LIMIT = 200;

export function widgetJson(name: string, version: string, def: FlowDefinition, locale: string): string {
  const key = `${name}\u0000${version}\u0000${locale}`;
  let text = rendered.get(key);
  if (text === undefined) {
    text = JSON.stringify(widgetDocument(name, version, def, locale));
    if (rendered.size >= RENDER_CACHE_LIMIT) rendered.delete(rendered.keys().next().value as string);
    rendered.set(key, text);
  }
  return text;
}
