import { RegistrationError } from '../../http/errors.js';
import type { AttrDef } from '../schema/attr-def.js';
import type { AccessType } from '../schema/access-schemas.js';
import type { EntityType } from '../schema/entity-types.js';
import type { Condition } from './filter/index.js';
import { isObject, type Json, type JsonObject } from './json.js';
import { mergeAttribute, schemaPathOf, type MergeContext, type MergeMode } from './merge.js';
import { defNamed, isReserved, parseAttributePath, schemaPath, type PathStep, type Target } from './paths.js';
import { fullSelection, selectAttributes, type Selection } from './present.js';

/**
 * What a client's access schema (entityType.setAccessSchema) lets a records call see and
 * change (docs/registration-permissions.md, "Access schemas on records"). The reserved
 * attributes (id, uuid, created, lastUpdated, and every plural element's id) are part of every
 * view; the other attributes only where a listed path covers them.
 */
export class AttributeAccess {
  /** Identifies the list, for caching what depends on it. */
  readonly key: string;

  constructor(readonly paths: readonly string[]) {
    this.key = paths.join('\n');
  }

  /** All of `path` (a dotted schema path) is inside the schema: it or an attribute containing it is listed. */
  covers(path: string): boolean {
    return this.paths.some((p) => path === p || path.startsWith(`${p}.`));
  }

  /** Some of `path` is inside the schema: it, an attribute containing it, or one of its own attributes is listed. */
  reaches(path: string): boolean {
    return this.paths.some((p) => path === p || path.startsWith(`${p}.`) || p.startsWith(`${path}.`));
  }
}

export function outsideAccessSchema(kind: AccessType, path: string, argumentName: string): RegistrationError {
  return new RegistrationError(403, `this client may not ${kind} ${path}: it is outside the client's ${kind} access schema`, { argumentName, extra: { attribute_name: path } });
}

// ---------------------------------------------------------------------------------------------
// Reads

const selections = new WeakMap<readonly AttrDef[], Map<string, Selection>>();
/** Distinct access schemas kept per schema: far more than an application has clients. */
const MAX_KEPT_SELECTIONS = 256;

/** What a read shows without `attributes`: the reserved attributes and the part of the schema `access` lets through. */
export function readableSelection(defs: readonly AttrDef[], access: AttributeAccess | undefined): Selection {
  if (!access) return fullSelection(defs);
  let kept = selections.get(defs);
  if (!kept) {
    kept = new Map();
    selections.set(defs, kept);
  }
  let selection = kept.get(access.key);
  if (!selection) {
    // Kept, so that the presentation plan of a restricted schema is built once too.
    selection = { reserved: fullSelection(defs).reserved, defs: restrictDefs(defs, access, '') };
    if (kept.size >= MAX_KEPT_SELECTIONS) kept.clear();
    kept.set(access.key, selection);
  }
  return selection;
}

function restrictDefs(defs: readonly AttrDef[], access: AttributeAccess, prefix: string): AttrDef[] {
  const out: AttrDef[] = [];
  for (const def of defs) {
    if (!prefix && isReserved(def.name)) continue;
    const path = prefix ? `${prefix}.${def.name}` : def.name;
    if (access.covers(path)) out.push(def);
    else if (def.attr_defs && access.reaches(path)) out.push({ ...def, attr_defs: restrictDefs(def.attr_defs, access, path) });
  }
  return out;
}

/**
 * The selection of a read's `attributes` list within the read access schema: a path entirely
 * outside it is 403; a container partly inside it (`primaryAddress` when only
 * `primaryAddress.city` is readable) shows that part.
 */
export function selectReadable(defs: readonly AttrDef[], requested: string[], access: AttributeAccess | undefined): Selection {
  if (!access) return selectAttributes(defs, requested);
  // Unknown attributes are 223 whatever the access schema says, as for any client.
  selectAttributes(defs, requested);
  for (const raw of requested) {
    const path = raw.trim().replace(/^\/+/, '').split(/[./]/).join('.');
    if (!isReserved(path) && !access.reaches(path)) throw outsideAccessSchema('read', path, 'attributes');
  }
  return selectAttributes(readableSelection(defs, access).defs, requested);
}

/**
 * `entity` with attribute_name: the steps to present, over the readable part of the schema
 * when the path is only partly readable; 403 when none of it is.
 */
export function readablePath(defs: readonly AttrDef[], text: string, steps: PathStep[], access: AttributeAccess | undefined): PathStep[] {
  if (!access) return steps;
  const path = schemaPath(steps);
  if (access.covers(path)) return steps;
  if (!access.reaches(path)) throw outsideAccessSchema('read', path, 'attribute_name');
  const restricted = parseAttributePath(readableSelection(defs, access).defs, text);
  if ('reserved' in restricted) return steps;
  return restricted;
}

/**
 * An attribute a read uses to choose or order records (filter, sort_on, key_attribute,
 * password_attribute) must be readable: otherwise its values would leak through which records
 * match. Paths the schema does not know are left to the caller's own error.
 */
export function checkReadableAttribute(access: AttributeAccess | undefined, type: EntityType, path: string, argumentName: string): void {
  if (!access) return;
  const info = type.resolve(path);
  if (!info || info.column) return;
  if (access.covers(info.name)) return;
  // A plural element's own id shows wherever some of its plural does.
  if (info.plural && info.type === 'id' && info.path.length === 1 && access.reaches(info.plural.join('.'))) return;
  throw outsideAccessSchema('read', info.name, argumentName);
}

/** Every attribute path a filter condition tests. */
export function conditionAttributes(condition: Condition, out: string[] = []): string[] {
  switch (condition.kind) {
    case 'and':
    case 'or':
      for (const operand of condition.operands) conditionAttributes(operand, out);
      break;
    case 'not':
      conditionAttributes(condition.operand, out);
      break;
    default:
      out.push(condition.attribute);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writes

export type WriteKind = MergeMode | 'create';

/**
 * 403 unless everything a write's value sets lies inside the write access schema. `value` is
 * the read (stored-form) value for `target`, whose dotted schema path is `path` ('' for the
 * record). Objects and, outside replace, plural elements may be written in part, field by
 * field; null for an object or plural, or a plural under replace (which drops the elements it
 * does not list), needs all of it.
 */
export function checkWritable(access: AttributeAccess, target: Target, value: Json, path: string, mode: WriteKind, argumentName: string): void {
  if (target.kind === 'attribute') return checkAttribute(access, target.def, value, path, mode, argumentName);
  if (path && !access.reaches(path)) throw outsideAccessSchema('write', path, argumentName);
  if (isObject(value)) checkFields(access, target.defs, value, path, mode, argumentName);
}

function checkFields(access: AttributeAccess, defs: readonly AttrDef[], value: JsonObject, prefix: string, mode: WriteKind, argumentName: string): void {
  for (const key of Object.keys(value)) {
    if (key === 'id') continue;
    const def = defNamed(defs, key);
    if (def) checkAttribute(access, def, value[key], prefix ? `${prefix}.${key}` : key, mode, argumentName);
  }
}

function checkAttribute(access: AttributeAccess, def: AttrDef, value: Json, path: string, mode: WriteKind, argumentName: string): void {
  if (access.covers(path)) return;
  if (access.reaches(path)) {
    if (def.type === 'object' && isObject(value)) return checkFields(access, def.attr_defs ?? [], value, path, mode, argumentName);
    if (def.type === 'plural' && Array.isArray(value) && mode !== 'replace') {
      for (const element of value) if (isObject(element)) checkFields(access, def.attr_defs ?? [], element, path, mode, argumentName);
      return;
    }
  }
  throw outsideAccessSchema('write', path, argumentName);
}

/**
 * entity.replace by a client with a write access schema: the writable attributes of `defs`
 * (the fields of the record, an object or an element, at `where`) become what `patch` says,
 * null when it does not name them; everything else stays as it was. Objects writable in part
 * are replaced in that part; plurals writable in part are left alone unless named, and
 * checkWritable has refused naming them.
 */
export function replaceWritable(access: AttributeAccess, defs: readonly AttrDef[], current: JsonObject | undefined, patch: JsonObject, where: string, ctx: MergeContext): JsonObject {
  const out: JsonObject = { ...current };
  for (const def of defs) {
    const at = where ? `${where}.${def.name}` : def.name;
    const path = schemaPathOf(at);
    const given = Object.hasOwn(patch, def.name);
    let merged: Json | undefined;
    if (access.covers(path)) {
      if (!given && current?.[def.name] === undefined) continue;
      merged = mergeAttribute(def, current?.[def.name], given ? patch[def.name] : null, 'replace', at, ctx);
    } else if (def.type === 'object' && access.reaches(path)) {
      const inner = current?.[def.name];
      const sub = given ? patch[def.name] : undefined;
      merged = replaceWritable(access, def.attr_defs ?? [], isObject(inner) ? inner : undefined, isObject(sub) ? sub : {}, at, ctx);
    } else continue;
    if (isAbsent(merged) && def.type !== 'json') delete out[def.name];
    else if (merged === undefined || merged === null) delete out[def.name];
    else out[def.name] = merged;
  }
  return out;
}

/** As records are stored sparse: null, empty objects and empty plurals are not kept. */
function isAbsent(value: Json | undefined): boolean {
  return value === undefined || value === null || (isObject(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0);
}
