import { z } from 'zod';
import { RegistrationError } from '../../http/errors.js';
import { attrDefSchema, type AttrDef, type ConstraintName } from './attr-def.js';
import { ELEMENT_ID_DEF, isReservedName, MAX_PATH_DEPTH, RESERVED_ATTR_DEFS } from './paths.js';

/** Most attributes one entity type may have, counting nested ones (Janrain's user schema has a few hundred). */
export const MAX_ATTRIBUTES = 2000;

const TEXT_CONSTRAINTS: ConstraintName[] = ['alphabetic', 'alphanumeric', 'unicode-letters', 'unicode-printable', 'email-address'];
const FEATURE = /^[a-z][a-z0-9-]{0,63}$/;
/** Types whose values are compared and indexed; the others (structures, secrets) only test for null. */
const SCALAR = new Set(['boolean', 'date', 'dateTime', 'decimal', 'integer', 'ipAddress', 'string', 'uuid', 'id']);

// Built once: zod compiles a schema on its first parse, which costs far more than a parse.
const attrDefList = z.array(attrDefSchema).max(MAX_ATTRIBUTES);

/** Reads attr_defs given as JSON (entityType.create): a list of definitions. */
export function parseAttrDefs(value: unknown, argumentName: string): AttrDef[] {
  const result = attrDefList.safeParse(value);
  if (!result.success) throw invalidDefinition(result.error, argumentName);
  return result.data;
}

/** Reads one attr_def (entityType.addAttribute). */
export function parseAttrDef(value: unknown, argumentName: string): AttrDef {
  const result = attrDefSchema.safeParse(value);
  if (!result.success) throw invalidDefinition(result.error, argumentName);
  return result.data;
}

function invalidDefinition(error: z.ZodError, argumentName: string): RegistrationError {
  const issue = error.issues[0];
  const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
  return new RegistrationError(200, `invalid attribute definition${where}: ${issue.message}`, { argumentName });
}

/**
 * Checks definitions beyond their shape and returns them normalised: reserved names are 234,
 * everything else that cannot work (duplicate siblings, options that do not fit the type,
 * too deep or too many) is 200 naming the attribute.
 */
export function checkAttrDefs(defs: readonly AttrDef[], argumentName: string, parent: { segments: string[]; insidePlural: boolean; isPlural: boolean } = { segments: [], insidePlural: false, isPlural: false }): AttrDef[] {
  const seen = new Set<string>();
  return defs.map((def) => {
    const segments = [...parent.segments, def.name];
    const path = segments.join('.');
    const fail = (message: string) => new RegistrationError(200, `attribute ${path}: ${message}`, { argumentName });
    if (parent.segments.length === 0 && isReservedName(def.name)) throw new RegistrationError(234, `${def.name} is a reserved attribute present in every entity type`, { argumentName });
    if (parent.isPlural && def.name === 'id') throw new RegistrationError(234, `${path}: every plural element has a reserved id`, { argumentName });
    if (seen.has(def.name)) throw fail('defined twice');
    seen.add(def.name);
    if (segments.length > MAX_PATH_DEPTH) throw fail(`nested deeper than ${MAX_PATH_DEPTH} levels`);

    const isText = def.type === 'string';
    if (def.length !== undefined && def.length !== null && !isText) throw fail('only string attributes have a length');
    if (def['case-sensitive'] !== undefined && !isText) throw fail('only string attributes are case-sensitive or not');
    const constraints = [...new Set(def.constraints ?? [])];
    for (const c of constraints) {
      if ((c === 'unique' || c === 'locally-unique') && !SCALAR.has(def.type)) throw fail(`${c} applies only to scalar attributes`);
      if (c === 'locally-unique' && !parent.insidePlural && !parent.isPlural) throw fail('locally-unique applies only to attributes of plural elements');
      if (TEXT_CONSTRAINTS.includes(c) && !isText) throw fail(`${c} applies only to string attributes`);
    }
    const features = [...new Set(def.features ?? [])];
    for (const f of features) {
      if (!FEATURE.test(f)) throw fail(`feature ${JSON.stringify(f)} is not a feature name`);
      if (f === 'query' && !SCALAR.has(def.type)) throw fail('only scalar attributes can have the query feature');
      if (f === 'primary-key' && !parent.isPlural) throw fail('primary-key applies only to attributes of plural elements');
    }

    const out: AttrDef = { name: def.name, type: def.type };
    if (def.description !== undefined) out.description = def.description;
    if (isText) {
      out.length = def.length ?? null;
      out['case-sensitive'] = def['case-sensitive'] ?? false;
    }
    if (def.constraints !== undefined) out.constraints = constraints;
    if (def.features !== undefined) out.features = features;
    if (def.attr_defs) {
      out.attr_defs = checkAttrDefs(def.attr_defs, argumentName, {
        segments,
        insidePlural: parent.insidePlural || parent.isPlural,
        isPlural: def.type === 'plural',
      });
    }
    return out;
  });
}

export function countAttributes(defs: readonly AttrDef[]): number {
  return defs.reduce((n, d) => n + 1 + (d.attr_defs ? countAttributes(d.attr_defs) : 0), 0);
}

/**
 * Drops reserved attributes exactly as answers show them (`id` of type id, `uuid` of type uuid,
 * `created` / `lastUpdated` of type dateTime, and `id` of type id in plural elements), so that a
 * schema exported with entityType can be created again as it is. A reserved name with another
 * type is left for checkAttrDefs to refuse (234).
 */
export function withoutReserved(defs: readonly AttrDef[], inPlural = false): AttrDef[] {
  return defs
    .filter((d) => !(inPlural ? d.name === 'id' && d.type === 'id' : RESERVED_ATTR_DEFS.some((r) => r.name === d.name && r.type === d.type)))
    .map((d) => (d.attr_defs ? { ...d, attr_defs: withoutReserved(d.attr_defs, d.type === 'plural') } : d));
}

/** The attr_defs an answer shows: reserved attributes first, and an `id` in every plural's elements. */
export function withReserved(defs: readonly AttrDef[]): AttrDef[] {
  return [...RESERVED_ATTR_DEFS.map((d) => ({ ...d })), ...defs.map(withElementIds)];
}

function withElementIds(def: AttrDef): AttrDef {
  if (!def.attr_defs) return { ...def };
  const children = def.attr_defs.map(withElementIds);
  return { ...def, attr_defs: def.type === 'plural' ? [{ ...ELEMENT_ID_DEF }, ...children] : children };
}
