import { sql } from 'kysely';
import { z } from 'zod';
import { RegistrationError } from '../../http/errors.js';
import { FreshCache } from '../../store/fresh-cache.js';
import { prepared } from '../../store/prepared.js';
import type { Db, Dialect, Tx } from '../../store/store.js';
import type { AttributeInfo } from '../records/filter/attribute.js';
import { attrDefSchema, type AttrDef } from './attr-def.js';
import { resolverFor } from './paths.js';

export type PropertyKind = 'unique' | 'rule';

/** A `unique` property or a data rule of an entity type (entityType.properties / rules). */
export interface EntityTypeProperty {
  uuid: string;
  kind: PropertyKind;
  /** Dotted attribute paths. */
  attributes: string[];
  /** The rule definition (rules.ts); null for `unique`. */
  definition: unknown;
  description: string | null;
  createdAt: number;
}

/** One entity type as stored now. Immutable: every change produces a new one. */
export interface EntityType {
  /** Internal id (`entities.type_id`). */
  readonly id: number;
  /** Internal `apps.id`. */
  readonly appId: number;
  readonly name: string;
  /** The schema without the reserved attributes (withReserved adds them for answers). */
  readonly attrDefs: readonly AttrDef[];
  readonly properties: readonly EntityTypeProperty[];
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The records contract's AttributeInfo for a dotted (or slashed) path; undefined for no such attribute. */
  resolve(path: string): AttributeInfo | undefined;
}

const storedAttrDefs = z.array(attrDefSchema);
const storedPaths = z.array(z.string());

export function parseStoredSchema(json: string): AttrDef[] {
  return storedAttrDefs.parse(JSON.parse(json));
}

type Reader = Db | Tx;

interface Cached {
  type: EntityType;
}

// Several processes may share one PostgreSQL database, so an entry is used only while the row's
// updated_at (strictly increasing on every change) still matches.
const cache = new Map<string, Cached>();
const CACHE_LIMIT = 1000;

function cacheKey(appId: number, name: string): string {
  return `${appId}\u0000${name}`;
}

/** The entity type, or RegistrationError 222 (unknown_entity_type). */
export async function getEntityType(db: Reader, appId: number, name: string): Promise<EntityType> {
  const type = await findEntityType(db, appId, name);
  if (!type) throw unknownEntityType(name);
  return type;
}

export function unknownEntityType(name: string): RegistrationError {
  return new RegistrationError(222, `unknown entity type ${JSON.stringify(name)}`, { argumentName: 'type_name' });
}

const typeHead = prepared((db, appId: number, name: string) => db.selectFrom('entity_types').select(['id', 'updated_at']).where('app_id', '=', appId).where('name', '=', name));

// Types whose head was read within the last moment (see fresh-cache.ts): reads outside
// transactions skip the head query. Schema changes drop them once committed.
const recentlyChecked = new FreshCache<EntityType>();

/** The entity type, or undefined. Served from a cache keyed by the row's updated_at. */
export async function findEntityType(db: Reader, appId: number, name: string): Promise<EntityType | undefined> {
  const key = cacheKey(appId, name);
  const fresh = recentlyChecked.get(db, key);
  if (fresh) return fresh;
  const ticket = recentlyChecked.ticket(db);
  const [head] = await typeHead(db, appId, name);
  if (!head) return undefined;
  const hit = cache.get(key);
  if (hit && hit.type.id === head.id && hit.type.updatedAt === head.updated_at) {
    recentlyChecked.set(db, key, hit.type, ticket);
    return hit.type;
  }
  const type = await loadEntityType(db, appId, head.id);
  if (!type) return undefined;
  // Only committed states are cached: a transaction may still roll back a state it wrote, and
  // a later change could then reuse that updated_at.
  if (db.isTransaction) return type;
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, { type });
  recentlyChecked.set(db, key, type, ticket);
  return type;
}

/**
 * Reads the entity type inside a write transaction, locking its row on PostgreSQL so that
 * concurrent schema changes apply one after the other (SQLite serialises writers anyway).
 * Record writes that must not interleave with a schema change can pass `mode: 'share'`.
 */
export async function lockEntityType(tx: Tx, dialect: Dialect, appId: number, name: string, mode: 'update' | 'share' = 'update'): Promise<EntityType> {
  if (dialect === 'postgres') {
    const locked = await sql<{ id: number }>`select id from entity_types where app_id = ${appId} and name = ${name} for ${sql.raw(mode === 'update' ? 'update' : 'share')}`.execute(tx);
    if (locked.rows.length === 0) throw unknownEntityType(name);
  }
  return getEntityType(tx, appId, name);
}

async function loadEntityType(db: Reader, appId: number, id: number): Promise<EntityType | undefined> {
  const row = await db.selectFrom('entity_types').selectAll().where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const properties = await db.selectFrom('entity_type_properties').selectAll().where('app_id', '=', appId).where('type_id', '=', id).orderBy('id').execute();
  return makeEntityType({
    id: row.id,
    appId: row.app_id,
    name: row.name,
    attrDefs: parseStoredSchema(row.schema_json),
    properties: properties.map((p) => ({
      uuid: p.uuid,
      kind: p.kind === 'unique' ? 'unique' : 'rule',
      attributes: storedPaths.parse(JSON.parse(p.attributes)),
      definition: p.definition === null ? null : (JSON.parse(p.definition) as unknown),
      description: p.description,
      createdAt: p.created_at,
    })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

export function makeEntityType(fields: Omit<EntityType, 'resolve'>): EntityType {
  const resolve = resolverFor(fields.attrDefs);
  return Object.freeze({ ...fields, resolve });
}

/** Names of the application's entity types, sorted. */
export async function listEntityTypeNames(db: Reader, appId: number): Promise<string[]> {
  const rows = await db.selectFrom('entity_types').select('name').where('app_id', '=', appId).orderBy('name').execute();
  return rows.map((r) => r.name);
}
