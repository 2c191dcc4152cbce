import { sql, type RawBuilder } from 'kysely';
import { digest } from '../../crypto/secrets.js';
import { RegistrationError } from '../../http/errors.js';
import type { Dialect, Tx } from '../../store/store.js';
import { attributeIndexColumnSql, attributeSql, type AttributeInfo } from '../records/filter/attribute.js';
import type { AttrDef } from './attr-def.js';
import type { EntityType } from './entity-types.js';
import { attributeInfo, locateAttribute, parseAttributePath, walkAttrDefs } from './paths.js';
import { dropUniqueValues, fillUniqueValues, pluralUniqueAttributes } from './unique-values.js';

/**
 * Per-type expression indexes on `entities` (docs/storage.md): for every attribute outside
 * plurals that is `unique` a unique index, for every `query` attribute a plain one, and for
 * every `unique` property one unique index over its attributes; each partial
 * (`where "type_id" = N`) and on exactly the expression the filter compiler emits
 * (attributeIndexColumnSql), so that equality filters and sort_on on those attributes use it.
 */
export interface IndexSpec {
  name: string;
  unique: boolean;
  attributes: AttributeInfo[];
}

const PREFIX = 'ent_';
const MAX_NAME = 63;

/** Whether an attribute definition wants a unique index, a plain one, or none. */
function indexKind(def: AttrDef): 'unique' | 'query' | undefined {
  if (def.constraints?.includes('unique')) return 'unique';
  if (def.features?.includes('query')) return 'query';
  return undefined;
}

/** The indexes an entity type should have, with deterministic names (type id, paths, definition). */
export function indexSpecs(type: Pick<EntityType, 'id' | 'attrDefs' | 'properties'>, dialect: Dialect): IndexSpec[] {
  const specs: Array<Omit<IndexSpec, 'name'>> = [];
  walkAttrDefs(type.attrDefs, (def, segments, plurals) => {
    const kind = indexKind(def);
    if (!kind || plurals.length > 0) return;
    const location = locateAttribute(type.attrDefs, segments);
    const info = location && attributeInfo(location);
    if (info && !info.plural) specs.push({ unique: kind === 'unique', attributes: [info] });
  });
  for (const property of type.properties) {
    if (property.kind !== 'unique') continue;
    const infos = property.attributes.map((a) => {
      const segments = parseAttributePath(a);
      const location = segments && locateAttribute(type.attrDefs, segments);
      return location && attributeInfo(location);
    });
    if (infos.every((i): i is AttributeInfo => i !== undefined && !i.plural && !i.column)) specs.push({ unique: true, attributes: infos });
  }
  const byName = new Map<string, IndexSpec>();
  for (const spec of specs) {
    const named = { ...spec, name: indexName(type.id, spec, dialect) };
    byName.set(named.name, named);
  }
  return [...byName.values()];
}

function indexName(typeId: number, spec: Omit<IndexSpec, 'name'>, dialect: Dialect): string {
  const definition = `${dialect === 'postgres' ? 'v3' : 'v2'} ${spec.unique ? 'unique' : 'plain'} ${spec.attributes.map((a) => JSON.stringify([a.path, a.type, a.caseSensitive])).join(' ')} ${dialect}`;
  const hash = digest(definition).slice(0, 10);
  const head = `${PREFIX}${typeId}_${spec.unique ? 'u' : 'q'}_`;
  const slug = spec.attributes
    .map((a) => a.path.join('_'))
    .join('__')
    .toLowerCase()
    .slice(0, MAX_NAME - head.length - hash.length - 1);
  return `${head}${slug}_${hash}`;
}

/**
 * On SQLite the type id leads every index: its planner prefers an index with an equality column
 * over one whose partial predicate alone matches, and would otherwise pick (type_id, id) and sort.
 * On PostgreSQL it must not: the planner then drops `type_id = N` as implied by the predicate and
 * reads the whole index (or the table) instead of seeking on the attribute.
 * Plain indexes end with id on PostgreSQL so that sort_on's `…, id asc` order is the index order
 * (SQLite indexes end with the rowid, which is id, anyway).
 */
function createStatement(spec: IndexSpec, typeId: number, dialect: Dialect): RawBuilder<unknown> {
  const columns = sql.join([
    ...(dialect === 'sqlite' ? [sql.ref('type_id')] : []),
    ...spec.attributes.map((a) => attributeIndexColumnSql(dialect, a)),
    ...(!spec.unique && dialect === 'postgres' ? [sql.ref('id')] : []),
  ]);
  return sql`create ${sql.raw(spec.unique ? 'unique index' : 'index')} ${sql.id(spec.name)} on ${sql.table('entities')} (${columns}) where ${sql.ref('type_id')} = ${sql.raw(String(typeId))}`;
}

/** Names of the indexes that exist on `entities` for one type. */
export async function existingIndexes(tx: Tx, dialect: Dialect, typeId: number): Promise<string[]> {
  const rows =
    dialect === 'postgres'
      ? (await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'entities'`.execute(tx)).rows
      : (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'entities'`.execute(tx)).rows;
  const prefix = `${PREFIX}${typeId}_`;
  return rows.map((r) => r.name).filter((n) => n.startsWith(prefix));
}

/**
 * Brings the type's indexes (and the claimed values of its plural unique attributes) in line
 * with its schema and properties, inside the schema change's transaction. Turning `unique` on
 * where records already share a value is 361 and, the transaction failing, changes nothing.
 */
export async function syncIndexes(tx: Tx, dialect: Dialect, type: EntityType, previous?: EntityType): Promise<void> {
  const desired = indexSpecs(type, dialect);
  const wanted = new Set(desired.map((s) => s.name));
  const existing = new Set(await existingIndexes(tx, dialect, type.id));
  for (const name of existing) if (!wanted.has(name)) await sql`drop index if exists ${sql.id(name)}`.execute(tx);
  for (const spec of desired) {
    if (existing.has(spec.name)) continue;
    if (spec.unique) await refuseDuplicates(tx, dialect, type.id, spec);
    try {
      await createStatement(spec, type.id, dialect).execute(tx);
    } catch (err) {
      if (isUniqueError(err)) throw duplicateValues(spec);
      throw err;
    }
  }

  const before = new Set(previous ? pluralUniqueAttributes(previous.attrDefs).map((a) => a.path) : []);
  const now = pluralUniqueAttributes(type.attrDefs);
  for (const attribute of now) if (!before.has(attribute.path)) await fillUniqueValues(tx, dialect, type, attribute);
  const kept = new Set(now.map((a) => a.path));
  for (const path of before) if (!kept.has(path)) await dropUniqueValues(tx, type.id, path);
}

/** Drops every index of a type (entityType.delete). */
export async function dropIndexes(tx: Tx, dialect: Dialect, typeId: number): Promise<void> {
  for (const name of await existingIndexes(tx, dialect, typeId)) await sql`drop index if exists ${sql.id(name)}`.execute(tx);
}

async function refuseDuplicates(tx: Tx, dialect: Dialect, typeId: number, spec: IndexSpec): Promise<void> {
  const expressions = spec.attributes.map((a) => attributeSql(dialect, a));
  const present = sql.join(
    expressions.map((e) => sql`${e} is not null`),
    sql` and `,
  );
  const found = await sql`select 1 as one from ${sql.table('entities')} where ${sql.ref('type_id')} = ${sql.raw(String(typeId))} and ${present} group by ${sql.join(expressions)} having count(*) > 1 limit 1`.execute(tx);
  if (found.rows.length > 0) throw duplicateValues(spec);
}

function duplicateValues(spec: IndexSpec): RegistrationError {
  const names = spec.attributes.map((a) => a.name).join(', ');
  return new RegistrationError(361, `records already share values of ${names}, so it cannot be made unique`, { extra: { attribute_name: names } });
}

function isUniqueError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * For the records module: the attribute(s) whose unique index a failed record write violated
 * (PostgreSQL names the index in `constraint`, SQLite in the message), or undefined when the
 * error is not one of this type's unique indexes.
 */
export function uniqueViolationAttribute(type: EntityType, dialect: Dialect, err: unknown): string | undefined {
  if (!isUniqueError(err)) return undefined;
  const e = err as { constraint?: unknown; message?: unknown };
  const named = typeof e.constraint === 'string' ? e.constraint : /index '([^']+)'/.exec(String(e.message ?? ''))?.[1];
  if (!named) return undefined;
  const spec = indexSpecs(type, dialect).find((s) => s.name === named);
  return spec?.attributes.map((a) => a.name).join(', ');
}
