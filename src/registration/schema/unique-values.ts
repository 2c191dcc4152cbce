import { sql, type Kysely } from 'kysely';
import { digest } from '../../crypto/secrets.js';
import { RegistrationError } from '../../http/errors.js';
import type { Db, Dialect, Tx } from '../../store/store.js';
import type { AttrDef } from './attr-def.js';
import type { EntityType } from './entity-types.js';
import { walkAttrDefs } from './paths.js';

/**
 * `unique` attributes inside plural elements (`profiles.identifier`, unique across the whole
 * entity type) cannot be enforced by an expression index on `entities`, so each such value is
 * claimed as a row of `entity_unique_values` (created by the records migrations: primary key
 * (type_id, attribute, value), entity_id referencing entities on delete cascade). The primary
 * key makes the database refuse a second holder however writes race; deleting a record frees its
 * values through the cascade.
 */
interface UniqueValuesDatabase {
  entity_unique_values: { type_id: number; attribute: string; value: string; entity_id: number };
}

const TEXT_TYPES = new Set(['string', 'uuid', 'ipAddress']);
/** Longer values are stored as a digest: an index key must stay small on both databases. */
const MAX_STORED_VALUE = 256;
const BATCH = 500;

export interface PluralUniqueAttribute {
  /** Dotted path, the `attribute` column. */
  path: string;
  segments: string[];
  def: AttrDef;
}

// Every write of a record asks; a type's attr_defs never change once made (a schema change makes a new type object).
const pluralUniqueOf = new WeakMap<readonly AttrDef[], readonly PluralUniqueAttribute[]>();

/** The type's `unique` attributes that live in plural elements. */
export function pluralUniqueAttributes(attrDefs: readonly AttrDef[]): readonly PluralUniqueAttribute[] {
  let known = pluralUniqueOf.get(attrDefs);
  if (known) return known;
  const out: PluralUniqueAttribute[] = [];
  walkAttrDefs(attrDefs, (def, segments, plurals) => {
    if (plurals.length > 0 && def.constraints?.includes('unique')) out.push({ path: segments.join('.'), segments, def });
  });
  pluralUniqueOf.set(attrDefs, (known = out));
  return known;
}

/** A value as compared for uniqueness: text lower-cased unless case-sensitive, long values digested. */
export function uniqueKey(value: unknown, def: AttrDef): string | undefined {
  if (value === null || value === undefined) return undefined;
  let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (TEXT_TYPES.has(def.type) && def['case-sensitive'] !== true) text = text.toLowerCase();
  return text.length > MAX_STORED_VALUE ? `sha256:${digest(text)}` : text;
}

/** Every value a record holds at a plural attribute's path (all elements, nested plurals too). */
export function valuesAt(data: unknown, segments: readonly string[]): unknown[] {
  let current: unknown[] = [data];
  for (const name of segments) {
    const next: unknown[] = [];
    for (const item of current) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
      const value = (item as Record<string, unknown>)[name];
      if (Array.isArray(value)) next.push(...value);
      else if (value !== undefined && value !== null) next.push(value);
    }
    current = next;
  }
  return current;
}

type Keys = Map<string, { attribute: string; value: string }>;

function keyMapOf(attributes: readonly PluralUniqueAttribute[], data: unknown): Keys {
  const keys: Keys = new Map();
  for (const attribute of attributes) {
    for (const raw of valuesAt(data, attribute.segments)) {
      const value = uniqueKey(raw, attribute.def);
      if (value !== undefined) keys.set(`${attribute.path}\u0000${value}`, { attribute: attribute.path, value });
    }
  }
  return keys;
}

function keysOf(attributes: readonly PluralUniqueAttribute[], data: unknown): Array<{ attribute: string; value: string }> {
  return [...keyMapOf(attributes, data).values()];
}

function sameKeys(a: Keys, b: Keys): boolean {
  if (a.size !== b.size) return false;
  for (const key of a.keys()) if (!b.has(key)) return false;
  return true;
}

function table(tx: Tx): Kysely<UniqueValuesDatabase> {
  return tx as unknown as Kysely<UniqueValuesDatabase>;
}

/**
 * Claims the record's values of the type's plural `unique` attributes, in the transaction that
 * writes the record and after its `entities` row exists; a value another record holds is 361
 * unique_violation naming the attribute. `data` is the record's whole data as stored. Pass
 * `fresh: true` for a record just created (nothing to release first), or `previous`, the
 * record's data before this change (read in the same transaction), for a changed one: the
 * record holds exactly that data's values, so when the change leaves them as they were (a
 * sign-in's lastLogin) there is nothing to do.
 */
export async function claimUniqueValues(tx: Tx, type: EntityType, entityId: number, data: unknown, options: { fresh?: boolean; previous?: unknown } = {}): Promise<void> {
  const attributes = pluralUniqueAttributes(type.attrDefs);
  if (attributes.length === 0) return;
  const keyMap = keyMapOf(attributes, data);
  if (!options.fresh && options.previous !== undefined && sameKeys(keyMap, keyMapOf(attributes, options.previous))) return;
  const db = table(tx);
  if (!options.fresh) await db.deleteFrom('entity_unique_values').where('type_id', '=', type.id).where('entity_id', '=', entityId).execute();
  const keys = [...keyMap.values()];
  for (let i = 0; i < keys.length; i += BATCH) {
    const batch = keys.slice(i, i + BATCH).map((k) => ({ type_id: type.id, attribute: k.attribute, value: k.value, entity_id: entityId }));
    await insertOrRefuse(db, type.id, batch);
  }
}

async function insertOrRefuse(db: Kysely<UniqueValuesDatabase>, typeId: number, rows: UniqueValuesDatabase['entity_unique_values'][]): Promise<void> {
  const inserted = await db
    .insertInto('entity_unique_values')
    .values(rows)
    .onConflict((oc) => oc.columns(['type_id', 'attribute', 'value']).doNothing())
    .returning(['attribute', 'value', 'entity_id'])
    .execute();
  if (inserted.length === rows.length) return;
  // Two rows of one batch may carry the same value for different records: key on the holder too.
  const key = (r: { attribute: string; value: string; entity_id: number }) => `${r.attribute}\u0000${r.value}\u0000${Number(r.entity_id)}`;
  const done = new Set(inserted.map(key));
  const refused = rows.filter((r) => !done.has(key(r)));
  for (const row of refused) {
    const holder = await db.selectFrom('entity_unique_values').select('entity_id').where('type_id', '=', typeId).where('attribute', '=', row.attribute).where('value', '=', row.value).executeTakeFirst();
    // The same record listing one value in two elements is not a conflict (locally-unique says whether that is allowed).
    if (holder && Number(holder.entity_id) !== row.entity_id) throw new RegistrationError(361, `another record already has this value of ${row.attribute}`, { extra: { attribute_name: row.attribute } });
  }
}

/**
 * Makes a plural attribute unique over the records the type already has: claims every value,
 * 361 when two records share one (the caller's transaction then changes nothing).
 */
export async function fillUniqueValues(tx: Tx, dialect: Dialect, type: EntityType, attribute: PluralUniqueAttribute): Promise<void> {
  const db = table(tx);
  const root = attribute.segments[0];
  let after = 0;
  for (;;) {
    const rootSql = dialect === 'postgres' ? sql`"data" -> ${sql.lit(root)}` : sql`json_extract("data", ${sql.raw(`'$.${root}'`)})`;
    const page = await sql<{ id: number; root: unknown }>`select "id", ${rootSql} as "root" from "entities" where "type_id" = ${sql.raw(String(type.id))} and "id" > ${after} order by "id" limit ${BATCH}`.execute(tx);
    if (page.rows.length === 0) return;
    const rows: UniqueValuesDatabase['entity_unique_values'][] = [];
    for (const row of page.rows) {
      const value = typeof row.root === 'string' ? safeParse(row.root) : row.root;
      for (const key of keysOf([attribute], { [root]: value })) rows.push({ type_id: type.id, attribute: key.attribute, value: key.value, entity_id: Number(row.id) });
    }
    for (let i = 0; i < rows.length; i += BATCH) await insertOrRefuse(db, type.id, rows.slice(i, i + BATCH));
    after = Number(page.rows[page.rows.length - 1].id);
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Forgets the claimed values of an attribute that is no longer unique (or no longer exists). */
export async function dropUniqueValues(tx: Tx, typeId: number, path: string): Promise<void> {
  await table(tx).deleteFrom('entity_unique_values').where('type_id', '=', typeId).where('attribute', '=', path).execute();
}

/**
 * The record holding `value` at a plural `unique` attribute (`profiles.identifier`), through its
 * claimed value: one primary-key read where a filter would look inside every record's elements.
 * Undefined when no record holds it; the attribute must be one of pluralUniqueAttributes.
 */
export async function holderOfUniqueValue(db: Db | Tx, type: EntityType, attribute: PluralUniqueAttribute, value: unknown): Promise<number | undefined> {
  const key = uniqueKey(value, attribute.def);
  if (key === undefined) return undefined;
  const row = await table(db as unknown as Tx)
    .selectFrom('entity_unique_values')
    .select('entity_id')
    .where('type_id', '=', type.id)
    .where('attribute', '=', attribute.path)
    .where('value', '=', key)
    .executeTakeFirst();
  return row ? Number(row.entity_id) : undefined;
}
