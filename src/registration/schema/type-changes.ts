import { randomUUID } from 'node:crypto';
import { RegistrationError } from '../../http/errors.js';
import type { Dialect, Tx } from '../../store/store.js';
import type { AttrDef, ConstraintName } from './attr-def.js';
import { checkAttrDefs, countAttributes, MAX_ATTRIBUTES, withoutReserved } from './definitions.js';
import { findEntityType, getEntityType, lockEntityType, type EntityType, type PropertyKind } from './entity-types.js';
import { dropIndexes, syncIndexes } from './indexes.js';
import { locateAttribute, parseAttributePath, type AttributeLocation } from './paths.js';
import { removeAttributeData } from './remove-data.js';
import { checkRuleFits, compileRule } from './rules.js';
import { recordSchemaVersion } from './versions.js';

/** A schema change runs in one write transaction and must know the dialect for its DDL. */
export interface SchemaWriter {
  tx: Tx;
  dialect: Dialect;
}

export const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** A path argument read against a schema: 200 when malformed, 223 when it names nothing. */
export function locate(type: EntityType, text: string, argumentName: string): AttributeLocation {
  const segments = parseAttributePath(text);
  if (!segments) throw new RegistrationError(200, `${argumentName} must be an attribute path like primaryAddress.city or /primaryAddress/city`, { argumentName });
  const location = locateAttribute(type.attrDefs, segments);
  if (!location) throw new RegistrationError(223, `${type.name} has no attribute ${segments.join('.')}`, { argumentName });
  return location;
}

/**
 * Creates an entity type with its indexes: 232 when the application already has one of that
 * name. Reserved attributes as entityType shows them are accepted and dropped (they are implied).
 */
export async function createEntityType(w: SchemaWriter, appId: number, name: string, attrDefs: readonly AttrDef[]): Promise<EntityType> {
  const defs = checkAttrDefs(withoutReserved(attrDefs), 'attr_defs');
  if (countAttributes(defs) > MAX_ATTRIBUTES) throw new RegistrationError(200, `an entity type has at most ${MAX_ATTRIBUTES} attributes`, { argumentName: 'attr_defs' });
  if (await findEntityType(w.tx, appId, name)) throw typeExists(name);
  const now = Date.now();
  const inserted = await w.tx
    .insertInto('entity_types')
    .values({ app_id: appId, name, schema_json: JSON.stringify(defs), created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['app_id', 'name']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) throw typeExists(name);
  await recordSchemaVersion(w.tx, appId, inserted.id, defs);
  const type = await getEntityType(w.tx, appId, name);
  await syncIndexes(w.tx, w.dialect, type);
  return type;
}

function typeExists(name: string): RegistrationError {
  return new RegistrationError(232, `entity type ${JSON.stringify(name)} already exists`, { argumentName: 'type_name' });
}

/** Deletes an entity type with all its records (they cascade), properties, access schemas and indexes. */
export async function deleteEntityType(w: SchemaWriter, appId: number, name: string): Promise<void> {
  const type = await lockEntityType(w.tx, w.dialect, appId, name);
  await dropIndexes(w.tx, w.dialect, type.id);
  await w.tx.deleteFrom('entity_types').where('app_id', '=', appId).where('id', '=', type.id).execute();
}

/**
 * entityType.addAttribute: `def.name` may be a path (`primaryAddress.county`) to add inside an
 * object or plural. 233 when it exists, 234 for a reserved name.
 */
export async function addAttribute(w: SchemaWriter, appId: number, typeName: string, parentPath: string[], def: AttrDef): Promise<EntityType> {
  const type = await lockEntityType(w.tx, w.dialect, appId, typeName);
  let siblings: readonly AttrDef[] = type.attrDefs;
  let parent: AttrDef | undefined;
  if (parentPath.length > 0) {
    const location = locateAttribute(type.attrDefs, parentPath);
    if (!location || location.reserved) throw new RegistrationError(223, `${typeName} has no attribute ${parentPath.join('.')}`, { argumentName: 'attr_def' });
    if (!location.def.attr_defs) throw new RegistrationError(200, `${parentPath.join('.')} is not an object or plural, so it holds no attributes`, { argumentName: 'attr_def' });
    parent = location.def;
    siblings = location.def.attr_defs;
  }
  const path = [...parentPath, def.name].join('.');
  if (siblings.some((d) => d.name === def.name)) throw new RegistrationError(233, `${typeName} already has an attribute ${path}`, { argumentName: 'attr_def' });
  if (parent?.type === 'plural' && def.name === 'id') throw new RegistrationError(234, `${path}: every plural element has a reserved id`, { argumentName: 'attr_def' });
  const next = editAt(type.attrDefs, parentPath, (container) => ({ ...container, attr_defs: [...(container.attr_defs ?? []), def] }), (top) => [...top, def]);
  return saveSchema(w, type, next, 'attr_def');
}

/** entityType.removeAttribute: the attribute, its children and their data in every record. */
export async function removeAttribute(w: SchemaWriter, appId: number, typeName: string, pathText: string): Promise<EntityType> {
  const type = await lockEntityType(w.tx, w.dialect, appId, typeName);
  const location = locate(type, pathText, 'attribute_name');
  if (location.reserved) throw new RegistrationError(234, `${location.segments.join('.')} is reserved and cannot be removed`, { argumentName: 'attribute_name' });
  const { segments } = location;
  const next = editAt(
    type.attrDefs,
    segments.slice(0, -1),
    (container) => ({ ...container, attr_defs: (container.attr_defs ?? []).filter((d) => d.name !== segments[segments.length - 1]) }),
    (top) => top.filter((d) => d.name !== segments[0]),
  );
  await pruneProperties(w.tx, type, segments);
  const saved = await saveSchema(w, type, next, 'attribute_name');
  await removeAttributeData(w.tx, w.dialect, type.id, location);
  await pruneAccessSchemas(w.tx, type, segments);
  return saved;
}

/** entityType.setAttributeConstraints: replaces the whole list (361 when `unique` meets shared values). */
export async function setAttributeConstraints(w: SchemaWriter, appId: number, typeName: string, pathText: string, constraints: ConstraintName[]): Promise<EntityType> {
  return changeAttribute(w, appId, typeName, pathText, (def) => ({ ...def, constraints }), 'constraints');
}

export async function setAttributeDescription(w: SchemaWriter, appId: number, typeName: string, pathText: string, description: string | null): Promise<EntityType> {
  return changeAttribute(w, appId, typeName, pathText, (def) => ({ ...def, description }), 'description');
}

async function changeAttribute(w: SchemaWriter, appId: number, typeName: string, pathText: string, change: (def: AttrDef) => AttrDef, argumentName: string): Promise<EntityType> {
  const type = await lockEntityType(w.tx, w.dialect, appId, typeName);
  const location = locate(type, pathText, 'attribute_name');
  if (location.reserved) throw new RegistrationError(234, `${location.segments.join('.')} is reserved and cannot be changed`, { argumentName: 'attribute_name' });
  const { segments } = location;
  const name = segments[segments.length - 1];
  const swap = (defs: readonly AttrDef[]) => defs.map((d) => (d.name === name ? change(d) : d));
  const next = editAt(type.attrDefs, segments.slice(0, -1), (container) => ({ ...container, attr_defs: swap(container.attr_defs ?? []) }), swap);
  return saveSchema(w, type, next, argumentName);
}

/**
 * Replaces the container at `parentPath` (or the top level) through the given edit, copying the
 * definitions along the way so that the stored type stays untouched.
 */
function editAt(defs: readonly AttrDef[], parentPath: readonly string[], editContainer: (def: AttrDef) => AttrDef, editTop: (defs: readonly AttrDef[]) => AttrDef[]): AttrDef[] {
  if (parentPath.length === 0) return editTop(defs);
  const [head, ...rest] = parentPath;
  return defs.map((d) => {
    if (d.name !== head) return d;
    if (rest.length === 0) return editContainer(d);
    return { ...d, attr_defs: editAt(d.attr_defs ?? [], rest, editContainer, (top) => [...top]) };
  });
}

/** Validates the new schema whole, stores it as a new version and brings indexes in line. */
async function saveSchema(w: SchemaWriter, type: EntityType, attrDefs: AttrDef[], argumentName: string): Promise<EntityType> {
  const defs = checkAttrDefs(attrDefs, argumentName);
  if (countAttributes(defs) > MAX_ATTRIBUTES) throw new RegistrationError(200, `an entity type has at most ${MAX_ATTRIBUTES} attributes`, { argumentName });
  await touch(w.tx, type, JSON.stringify(defs));
  await recordSchemaVersion(w.tx, type.appId, type.id, defs);
  const saved = await getEntityType(w.tx, type.appId, type.name);
  await syncIndexes(w.tx, w.dialect, saved, type);
  return saved;
}

/** Bumps updated_at (strictly, so caches see every change) and optionally stores a new schema. */
async function touch(tx: Tx, type: EntityType, schemaJson?: string): Promise<void> {
  const updatedAt = Math.max(Date.now(), type.updatedAt + 1);
  await tx
    .updateTable('entity_types')
    .set(schemaJson === undefined ? { updated_at: updatedAt } : { updated_at: updatedAt, schema_json: schemaJson })
    .where('app_id', '=', type.appId)
    .where('id', '=', type.id)
    .execute();
}

/** Properties naming a removed attribute (or anything below it) lose that name; emptied ones go. */
async function pruneProperties(tx: Tx, type: EntityType, removed: string[]): Promise<void> {
  for (const property of type.properties) {
    const kept = property.attributes.filter((a) => !isAtOrBelow(parseAttributePath(a), removed));
    if (kept.length === property.attributes.length) continue;
    if (kept.length === 0) await tx.deleteFrom('entity_type_properties').where('app_id', '=', type.appId).where('uuid', '=', property.uuid).execute();
    else await tx.updateTable('entity_type_properties').set({ attributes: JSON.stringify(kept) }).where('app_id', '=', type.appId).where('uuid', '=', property.uuid).execute();
  }
}

async function pruneAccessSchemas(tx: Tx, type: EntityType, removed: string[]): Promise<void> {
  const rows = await tx.selectFrom('entity_type_access').select(['id', 'attributes']).where('app_id', '=', type.appId).where('type_id', '=', type.id).execute();
  for (const row of rows) {
    const attributes = JSON.parse(row.attributes) as string[];
    const kept = attributes.filter((a) => !isAtOrBelow(parseAttributePath(a), removed));
    if (kept.length !== attributes.length) await tx.updateTable('entity_type_access').set({ attributes: JSON.stringify(kept), updated_at: Date.now() }).where('id', '=', row.id).execute();
  }
}

function isAtOrBelow(path: string[] | undefined, removed: string[]): boolean {
  return !!path && path.length >= removed.length && removed.every((s, i) => path[i] === s);
}

export interface NewProperty {
  kind: PropertyKind;
  attributes: string[];
  definition: unknown;
  description: string | null;
}

/**
 * entityType.addProperty / addRule: a `unique` property (a unique index over its attributes,
 * which must lie outside plurals) or a data rule (rules.ts). Answers the stored property.
 */
export async function addProperty(w: SchemaWriter, appId: number, typeName: string, property: NewProperty) {
  const type = await lockEntityType(w.tx, w.dialect, appId, typeName);
  if (property.attributes.length === 0) throw new RegistrationError(100, 'attributes must name at least one attribute', { argumentName: 'attributes' });
  const locations = property.attributes.map((a) => locate(type, a, 'attributes'));
  for (const location of locations) {
    const path = location.segments.join('.');
    if (location.reserved) throw new RegistrationError(234, `${path} is reserved: properties and rules apply to stored attributes`, { argumentName: 'attributes' });
    if (property.kind === 'unique') {
      if (location.pluralAncestors.length > 0 || location.def.attr_defs || ['json', 'password'].includes(location.def.type) || location.def.type.startsWith('password'))
        throw new RegistrationError(200, `${path}: a unique property covers scalar attributes outside plurals (use the unique constraint inside plurals)`, { argumentName: 'attributes' });
    }
  }
  let definition: unknown = null;
  if (property.kind === 'rule') {
    const node = compileRule(property.definition);
    for (const location of locations) checkRuleFits(node, location.def, location.segments.join('.'));
    definition = property.definition;
  }
  const stored = {
    uuid: randomUUID(),
    kind: property.kind,
    attributes: locations.map((l) => l.segments.join('.')),
    definition,
    description: property.description,
  };
  await w.tx
    .insertInto('entity_type_properties')
    .values({
      app_id: appId,
      type_id: type.id,
      uuid: stored.uuid,
      kind: stored.kind,
      attributes: JSON.stringify(stored.attributes),
      definition: definition === null ? null : JSON.stringify(definition),
      description: stored.description,
      created_at: Date.now(),
    })
    .execute();
  await touch(w.tx, type);
  if (property.kind === 'unique') await syncIndexes(w.tx, w.dialect, await getEntityType(w.tx, appId, typeName), type);
  return stored;
}

/** entityType.removeProperty / removeRule (`only` limits it to one kind): 200 naming uuid when there is none. */
export async function removeProperty(w: SchemaWriter, appId: number, typeName: string, uuid: string, only?: PropertyKind): Promise<void> {
  const type = await lockEntityType(w.tx, w.dialect, appId, typeName);
  const property = type.properties.find((p) => p.uuid === uuid && (!only || p.kind === only));
  if (!property) throw new RegistrationError(200, `${typeName} has no ${only ?? 'property'} with uuid ${uuid}`, { argumentName: 'uuid' });
  await w.tx.deleteFrom('entity_type_properties').where('app_id', '=', appId).where('type_id', '=', type.id).where('uuid', '=', uuid).execute();
  await touch(w.tx, type);
  if (property.kind === 'unique') await syncIndexes(w.tx, w.dialect, await getEntityType(w.tx, appId, typeName), type);
}
