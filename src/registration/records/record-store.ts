import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import { prepared } from '../../store/prepared.js';
import type { Db, Dialect, Tx } from '../../store/store.js';
import type { EntityType } from '../schema/entity-types.js';
import { nowEpochMicros } from './datetime.js';
import { isObject, type JsonObject } from './json.js';
import type { RecordRow } from './present.js';
import { outboxWants, recordOutboxEvents } from '../webhooks/outbox.js';

/**
 * Persistence of records: the `entities` rows, their history (`entity_versions`, written in
 * the same transaction as every change) and orphaned plural elements. Every query is scoped
 * to one entity type, whose internal id is inlined as a literal (records contract) so that the
 * per-type partial indexes serve it.
 */

type Reader = Db | Tx;

/** `"type_id" = 42`: the scope of every records query. */
export function inType(type: Pick<EntityType, 'id'>): RawBuilder<boolean> {
  if (!Number.isSafeInteger(type.id)) throw new Error('entity type ids are integers');
  return sql<boolean>`${sql.ref('type_id')} = ${sql.raw(String(type.id))}`;
}

/** `data` as the driver hands it back: JSON text on SQLite, already parsed jsonb on PostgreSQL. */
export function parseData(data: unknown): JsonObject {
  const value = typeof data === 'string' ? (JSON.parse(data) as unknown) : data;
  return isObject(value) ? value : {};
}

/**
 * How a record is named by a call (NOTES.md §5). `where` is a condition over the row
 * (key_attribute lookups); `single` when it can match one record at most (a unique attribute).
 */
export type Selector = { id: number } | { uuid: string } | { where: RawBuilder<boolean>; single: boolean };

function selectorSql(selector: Selector): RawBuilder<boolean> {
  if ('id' in selector) return sql<boolean>`${sql.ref('id')} = ${selector.id}`;
  if ('uuid' in selector) return sql<boolean>`${sql.ref('uuid')} = ${selector.uuid.toLowerCase()}`;
  return selector.where;
}

const COLUMNS = sql.raw('"id", "uuid", "created", "last_updated", "data"');

export function toRow(row: StoredRecordRow): RecordRow {
  return { id: Number(row.id), uuid: row.uuid, created: Number(row.created), last_updated: Number(row.last_updated), data: parseData(row.data) };
}

/**
 * Queries of fixed shape that every write of a record (and most reads) runs, built once per
 * entity type (store/prepared.ts) since its id is inlined.
 */
function perType<Q>(make: (type: Pick<EntityType, 'id'>) => Q): (type: Pick<EntityType, 'id'>) => Q {
  const made = new Map<number, Q>();
  return (type) => {
    let queries = made.get(type.id);
    if (!queries) made.set(type.id, (queries = make({ id: type.id })));
    return queries;
  };
}

const RECORD_COLUMNS = ['id', 'uuid', 'created', 'last_updated', 'data'] as const;

const recordQueries = perType((type) => {
  const named = (db: Db, column: 'id' | 'uuid', value: number | string) => db.selectFrom('entities').select(RECORD_COLUMNS).where(inType(type)).where(column, '=', value);
  return {
    byId: prepared((db, id: number) => named(db, 'id', id)),
    byIdLocked: prepared((db, id: number) => named(db, 'id', id).forUpdate()),
    byUuid: prepared((db, uuid: string) => named(db, 'uuid', uuid)),
    byUuidLocked: prepared((db, uuid: string) => named(db, 'uuid', uuid).forUpdate()),
    update: prepared((db, data: string, lastUpdated: number, id: number) => db.updateTable('entities').set({ data, last_updated: lastUpdated }).where(inType(type)).where('id', '=', id)),
  };
});

const insertVersion = prepared((db, typeId: number, entityId: number, uuid: string, created: number, lastUpdated: number, superseded: number, deleted: number, data: string) =>
  db.insertInto('entity_versions').values({ type_id: typeId, entity_id: entityId, uuid, created, last_updated: lastUpdated, superseded, deleted, data }),
);

/**
 * The record a selector names (the lowest id when a key attribute is shared). `lockOn` the
 * PostgreSQL dialect, the row stays locked for the rest of the transaction (SQLite has one
 * writer at a time anyway).
 */
export async function findRecord(db: Reader, type: EntityType, selector: Selector, lockOn?: Dialect): Promise<RecordRow | undefined> {
  const locking = lockOn === 'postgres';
  if ('id' in selector || 'uuid' in selector) {
    const queries = recordQueries(type);
    const [row] = 'id' in selector ? await (locking ? queries.byIdLocked : queries.byId)(db, selector.id) : await (locking ? queries.byUuidLocked : queries.byUuid)(db, selector.uuid.toLowerCase());
    return row && toRow(row);
  }
  const result = await recordQuery(type, selector, locking).execute(db);
  const row = result.rows[0];
  return row && toRow(row);
}

export type StoredRecordRow = { id: number; uuid: string; created: number; last_updated: number; data: unknown };

/** findRecord's query for a `where` selector, for callers that compile it once (flows/native/lookups.ts). */
export function recordQuery(type: Pick<EntityType, 'id'>, selector: Selector, locking = false): RawBuilder<StoredRecordRow> {
  const lock = locking ? sql.raw(' for update') : sql.raw('');
  // Only a lookup that may match several records needs ORDER BY and LIMIT; see reads.ts atMostOne for why the others must not have them.
  const tail = 'where' in selector && !selector.single ? sql.raw(' order by "id" limit 1') : sql.raw('');
  return sql<StoredRecordRow>`select ${COLUMNS} from "entities" where ${inType(type)} and ${selectorSql(selector)}${tail}${lock}`;
}

/** A timestamp for a write: now, but always after the record's previous one so that history intervals never collapse. */
export function nextTimestamp(previous?: number): number {
  const now = nowEpochMicros();
  return previous !== undefined && now <= previous ? previous + 1 : now;
}

/** `n` fresh plural element ids, unique across the installation. */
export async function allocateElementIds(tx: Tx, dialect: Dialect, n: number): Promise<number[]> {
  if (n === 0) return [];
  if (dialect === 'postgres') {
    const result = await sql<{ id: number }>`select nextval('entity_element_ids') as "id" from generate_series(1, ${n})`.execute(tx);
    return result.rows.map((r) => Number(r.id));
  }
  const row = await tx.updateTable('entity_element_counter').set((eb) => ({ next_id: eb('next_id', '+', n) })).where('id', '=', 1).returning('next_id').executeTakeFirstOrThrow();
  const end = Number(row.next_id);
  return Array.from({ length: n }, (_, i) => end - n + i);
}

export interface NewRecord {
  uuid: string;
  created: number;
  last_updated: number;
  /** JSON text of `data`. */
  json: string;
}

/** Rows per INSERT statement: 4 parameters each, well inside both databases' limits. */
const ROWS_PER_INSERT = 1000;

/**
 * Inserts records with multi-row statements; answers their ids in input order. The statement
 * text is written here rather than built node by node, since building and compiling a query
 * of thousands of values costs more than the database's own work for it (bulkCreate's budget).
 */
export async function insertRecords(tx: Tx, dialect: Dialect, type: EntityType, records: NewRecord[]): Promise<number[]> {
  const ids = new Map<string, number>();
  inType(type);
  const typeId = String(type.id);
  for (let start = 0; start < records.length; start += ROWS_PER_INSERT) {
    const chunk = records.slice(start, start + ROWS_PER_INSERT);
    const parameters: unknown[] = [];
    const tuples: string[] = [];
    for (const r of chunk) {
      const n = parameters.push(r.uuid, r.created, r.last_updated, r.json);
      tuples.push(dialect === 'postgres' ? `(${typeId},$${n - 3},$${n - 2},$${n - 1},$${n})` : `(${typeId},?,?,?,?)`);
    }
    const text = `insert into "entities" ("type_id", "uuid", "created", "last_updated", "data") values ${tuples.join(',')} returning "id", "uuid"`;
    const result = await tx.executeQuery<{ id: number; uuid: string }>(CompiledQuery.raw(text, parameters));
    for (const row of result.rows) ids.set(row.uuid, Number(row.id));
  }
  return records.map((r) => ids.get(r.uuid)!);
}

/**
 * Replaces a record's data, keeping its previous state in the history. `previousJson` is that
 * state's data as JSON text; `at` is when the change happened, which is also the new
 * lastUpdated unless `lastUpdated` says otherwise (a `metadata` client's write keeps it).
 */
export async function saveRecord(tx: Tx, type: EntityType, previous: RecordRow, previousJson: string, data: JsonObject, at: number, lastUpdated = at): Promise<void> {
  await insertVersion(tx, type.id, previous.id, previous.uuid, previous.created, previous.last_updated, at, 0, previousJson);
  await recordQueries(type).update(tx, JSON.stringify(data), lastUpdated, previous.id);
}

/** Deletes a record; its last state stays in the history so that versions/entity still answers for earlier instants. */
export async function deleteRecord(tx: Tx, type: EntityType, previous: RecordRow, at: number): Promise<void> {
  await tx
    .insertInto('entity_versions')
    .values({ type_id: type.id, entity_id: previous.id, uuid: previous.uuid, created: previous.created, last_updated: previous.last_updated, superseded: at, deleted: 1, data: JSON.stringify(previous.data) })
    .execute();
  await tx.deleteFrom('entities').where(inType(type)).where('id', '=', previous.id).execute();
}

/**
 * Deletes every record of the type matching `where`, keeping each one's last state in the
 * history; answers how many. `actor`: the calling client's client_id, for the DELETE events.
 */
export async function deleteMatching(tx: Tx, dialect: Dialect, type: EntityType, where: RawBuilder<boolean>, actor?: string): Promise<number> {
  const at = nextTimestamp();
  // The deleted records are collected only when a webhook wants their DELETE events.
  const events = await outboxWants(tx, type.appId, type.name, 'DELETE');
  let gone: Array<{ id: number; uuid: string }> | undefined;
  if (dialect === 'postgres') {
    // One statement, so that rows a concurrent write adds between two statements cannot escape the history.
    const result = await sql<{ n: number; id: number; uuid: string }>`with gone as (delete from "entities" where ${inType(type)} and (${where}) returning ${COLUMNS})
      , kept as (insert into "entity_versions" ("type_id", "entity_id", "uuid", "created", "last_updated", "superseded", "deleted", "data")
        select ${sql.raw(String(type.id))}, "id", "uuid", "created", "last_updated", greatest(${at}::bigint, "last_updated" + 1), 1, "data"::text from gone returning "entity_id", "uuid")
      ${events ? sql`select "entity_id" as "id", "uuid" from kept` : sql`select count(*)::int as "n" from kept`}`.execute(tx);
    if (!events) return Number(result.rows[0]?.n ?? 0);
    gone = result.rows;
  } else {
    // SQLite runs one writer at a time: nothing can change between these two statements.
    await sql`insert into "entity_versions" ("type_id", "entity_id", "uuid", "created", "last_updated", "superseded", "deleted", "data")
      select "type_id", "id", "uuid", "created", "last_updated", max(${at}, "last_updated" + 1), 1, "data" from "entities" where ${inType(type)} and (${where})`.execute(tx);
    const result = await sql<{ id: number; uuid: string }>`delete from "entities" where ${inType(type)} and (${where})${sql.raw(events ? ' returning "id", "uuid"' : '')}`.execute(tx);
    if (!events) return Number(result.numAffectedRows ?? 0);
    gone = result.rows;
  }
  await recordOutboxEvents(tx, { dialect, appId: type.appId, type, kind: 'DELETE', records: gone.map((r) => ({ id: Number(r.id), uuid: r.uuid })), actor });
  return gone.length;
}

/** entity.purge: every record of the type and its history, for good; `actor` as for deleteMatching. */
export async function purgeType(tx: Tx, dialect: Dialect, type: EntityType, actor?: string): Promise<number> {
  await tx.deleteFrom('entity_versions').where(inType(type)).execute();
  await tx.deleteFrom('entity_orphans').where(inType(type)).execute();
  if (await outboxWants(tx, type.appId, type.name, 'DELETE')) {
    const gone = await tx.deleteFrom('entities').where(inType(type)).returning(['id', 'uuid']).execute();
    await recordOutboxEvents(tx, { dialect, appId: type.appId, type, kind: 'DELETE', records: gone.map((r) => ({ id: Number(r.id), uuid: r.uuid })), actor });
    return gone.length;
  }
  const result = await tx.deleteFrom('entities').where(inType(type)).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}

export async function addOrphans(tx: Tx, type: EntityType, entityId: number, dropped: Array<{ plural: string; element: JsonObject }>, at: number): Promise<void> {
  if (dropped.length === 0) return;
  await tx
    .insertInto('entity_orphans')
    .values(
      dropped.map(({ plural, element }) => {
        const { id, ...rest } = element;
        return { id: Number(id), type_id: type.id, entity_id: entityId, plural, data: JSON.stringify(rest), orphaned_at: at };
      }),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** Removes an orphan of the type and answers it (its plural's schema path and its fields), or undefined. */
export async function takeOrphan(tx: Tx, type: EntityType, id: number): Promise<{ plural: string; data: JsonObject } | undefined> {
  const row = await tx.deleteFrom('entity_orphans').where(inType(type)).where('id', '=', id).returning(['plural', 'data']).executeTakeFirst();
  return row && { plural: row.plural, data: parseData(row.data) };
}

/**
 * The record as it was at `micros`: the first state in the history superseded after that
 * instant, else the current row; undefined when the record did not exist then. A state holds
 * from the change that made it, which is its lastUpdated except after a `metadata` client's
 * write (lastUpdated kept, so earlier): the previous state's `superseded` then marks it, and
 * since that is at or before `micros` for the state found, lastUpdated and created are the
 * only bounds left to check.
 */
export async function recordAt(db: Reader, type: EntityType, selector: { id: number } | { uuid: string }, micros: number): Promise<RecordRow | undefined> {
  const byId = 'id' in selector;
  const row = await db
    .selectFrom('entity_versions')
    .select(['entity_id', 'uuid', 'created', 'last_updated', 'data'])
    .where(inType(type))
    .where(byId ? 'entity_id' : 'uuid', '=', byId ? selector.id : selector.uuid.toLowerCase())
    .where('superseded', '>', micros)
    .orderBy('superseded', 'asc')
    .orderBy('id', 'asc')
    .limit(1)
    .executeTakeFirst();
  const state = row ? toRow({ id: row.entity_id, uuid: row.uuid, created: row.created, last_updated: row.last_updated, data: row.data }) : await findRecord(db, type, selector);
  if (!state || state.created > micros || state.last_updated > micros) return undefined;
  return state;
}
