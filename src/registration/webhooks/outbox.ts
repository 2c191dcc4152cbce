import { randomUUID } from 'node:crypto';
import { SqliteAdapter, sql } from 'kysely';
import type { Dialect, Tx } from '../../store/store.js';
import type { AttrDef } from '../schema/attr-def.js';
import type { JsonObject } from '../records/json.js';
import { changedPaths, watches } from './changed-paths.js';
import type { EventKind, WebhookTables } from './tables.js';
import { EVENTS_CHANNEL, wakeLocalWorkers } from './wake.js';
import type { Insertable } from 'kysely';
import { prepared } from '../../store/prepared.js';
import { FRESH_MS, freshTicket, type Ticket } from '../../store/fresh-cache.js';

/**
 * The outbox: the records module calls recordOutboxEvents inside the transaction of every
 * record change, so an event row exists exactly when the change committed. Rows are written
 * only for enabled subscriptions that want the change; with none (the common case) the cost is
 * at most one primary-key read of the application's subscription version a second.
 */

export interface RecordChange {
  dialect: Dialect;
  /** Internal `apps.id`. */
  appId: number;
  type: { name: string; attrDefs: readonly AttrDef[] };
  kind: EventKind;
  records: ReadonlyArray<{ id: number; uuid: string }>;
  /** UPDATE (one record): its data before (JSON text or object) and after the change. */
  before?: JsonObject | string;
  after?: JsonObject;
  /** The client_id of the API client that made the change (captureClientId); undefined when the call named none. */
  actor?: string;
}

interface ActiveSubscription {
  id: number;
  entityType: string;
  kinds: ReadonlySet<EventKind>;
  /** Lower-cased attribute filter of UPDATE; empty = any attribute. */
  attributes: readonly string[];
}

interface Cached {
  version: number;
  subscriptions: ActiveSubscription[];
  /** When the version row was read (fresh-cache ticket: time and generation). */
  checked: Ticket;
}

// Per process and database; an entry is used only while the application's version row still
// holds its version (a random stamp each change sets), so a subscription changed by another
// process sharing PostgreSQL is seen at this process's next write. On SQLite, which one process
// owns, an application without webhooks (most) is taken at its word for up to FRESH_MS without
// reading the row: a webhook added applies at once (its commit drops the entry:
// cachedRowsChanged). On PostgreSQL the row is always read: a webhook added through another
// process must get every event from the moment it was added.
const caches = new WeakMap<object, Map<number, Cached>>();
const CACHE_LIMIT = 10_000;

function cacheOf(tx: Tx): Map<number, Cached> {
  const key = tx.getExecutor().adapter;
  let cache = caches.get(key);
  if (!cache) caches.set(key, (cache = new Map()));
  return cache;
}

const versionOf = prepared((db, appId: number) => db.selectFrom('webhook_versions').select('version').where('app_id', '=', appId));

async function activeSubscriptions(tx: Tx, appId: number): Promise<ActiveSubscription[]> {
  const cache = cacheOf(tx);
  const hit = cache.get(appId);
  const now = freshTicket(tx);
  if (hit && hit.subscriptions.length === 0 && tx.getExecutor().adapter instanceof SqliteAdapter && hit.checked.generation === now.generation && now.at - hit.checked.at < FRESH_MS) return hit.subscriptions;
  const [row] = await versionOf(tx, appId);
  // No row: the application never had a webhook.
  const version = row ? Number(row.version) : 0;
  if (hit && hit.version === version) {
    hit.checked = now;
    return hit.subscriptions;
  }
  const rows = row ? await tx.selectFrom('webhook_subscriptions').select(['id', 'entity_type', 'event_types', 'attributes']).where('app_id', '=', appId).where('enabled', '=', 1).execute() : [];
  const subscriptions = rows.map((r) => ({
    id: Number(r.id),
    entityType: r.entity_type,
    kinds: new Set(JSON.parse(r.event_types) as EventKind[]),
    attributes: (JSON.parse(r.attributes) as string[]).map((a) => a.toLowerCase()),
  }));
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(appId, { version, subscriptions, checked: now });
  return subscriptions;
}

async function wanting(tx: Tx, appId: number, typeName: string, kind: EventKind): Promise<ActiveSubscription[]> {
  const all = await activeSubscriptions(tx, appId);
  return all.filter((s) => s.entityType === typeName && s.kinds.has(kind));
}

/**
 * Whether some enabled subscription wants `kind` changes of the type: lets bulk deletes skip
 * collecting the records they delete when nobody listens.
 */
export async function outboxWants(tx: Tx, appId: number, typeName: string, kind: EventKind): Promise<boolean> {
  return (await wanting(tx, appId, typeName, kind)).length > 0;
}

/** Rows per INSERT: 17 parameters each, inside both databases' limits. */
const ROWS_PER_INSERT = 500;

/** Writes the events a record change produces for the application's subscriptions, in the change's transaction. */
export async function recordOutboxEvents(tx: Tx, change: RecordChange): Promise<void> {
  if (change.records.length === 0) return;
  let targets = await wanting(tx, change.appId, change.type.name, change.kind);
  if (targets.length === 0) return;
  let attributes: string | null = null;
  if (change.kind === 'UPDATE') {
    const before = typeof change.before === 'string' ? (JSON.parse(change.before) as JsonObject) : (change.before ?? {});
    const paths = changedPaths(change.type.attrDefs, before, change.after ?? {});
    targets = targets.filter((s) => watches(s.attributes, paths));
    if (targets.length === 0) return;
    attributes = JSON.stringify(paths);
  }
  const now = Date.now();
  const rows: Insertable<WebhookTables['webhook_events']>[] = [];
  for (const record of change.records) {
    const changeId = randomUUID();
    for (const s of targets) {
      rows.push({
        app_id: change.appId,
        subscription_id: s.id,
        jti: randomUUID(),
        change_id: changeId,
        kind: change.kind,
        entity_type: change.type.name,
        entity_id: record.id,
        entity_uuid: record.uuid,
        attributes,
        client_id: change.actor ?? null,
        occurred_at: now,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
      });
    }
  }
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const insert = tx.insertInto('webhook_events').values(rows.slice(start, start + ROWS_PER_INSERT));
    if (change.dialect === 'postgres' && start === 0) {
      // Every process listening on PostgreSQL hears of the events when (and only if) this
      // transaction commits; sent with the insert, so that it costs no round trip of its own.
      await tx
        .with('added', () => insert.returning('id'))
        .selectNoFrom(sql<string>`pg_notify(${EVENTS_CHANNEL}, '')`.as('notified'))
        .execute();
    } else await insert.execute();
  }
  if (change.dialect === 'sqlite') wakeLocalWorkers();
}
