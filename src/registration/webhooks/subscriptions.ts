import { randomInt, randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { RegistrationError } from '../../http/errors.js';
import type { Runtime } from '../../runtime.js';
import { cachedRowsChanged } from '../../store/fresh-cache.js';
import type { Db, Tx } from '../../store/store.js';
import type { EventKind, WebhookTables } from './tables.js';

/**
 * Subscriptions of an application: a callback, the entity type, the kinds of change (ADD,
 * UPDATE, DELETE) and for UPDATE an attribute filter. Every change bumps the application's
 * webhook_versions row in the same transaction, which is how every process notices that its
 * cached view of the subscriptions (outbox.ts) is out of date; once committed, the change
 * drops this process's cached rows (cachedRowsChanged), so that an application that had no
 * webhooks gets events at once.
 */

/** Bounds the work every record write of an application does for its subscriptions. */
export const MAX_SUBSCRIPTIONS_PER_APP = 100;

export type SubscriptionRow = Selectable<WebhookTables['webhook_subscriptions']>;

export interface Subscription {
  id: number;
  uuid: string;
  callback: string;
  entityType: string;
  eventTypes: EventKind[];
  attributes: string[];
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface SubscriptionFields {
  callback: string;
  entityType: string;
  eventTypes: EventKind[];
  attributes: string[];
  enabled: boolean;
}

export function toSubscription(row: SubscriptionRow): Subscription {
  return {
    id: Number(row.id),
    uuid: row.uuid,
    callback: row.callback,
    entityType: row.entity_type,
    eventTypes: JSON.parse(row.event_types) as EventKind[],
    attributes: JSON.parse(row.attributes) as string[],
    enabled: row.enabled === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function noSuchWebhook(): RegistrationError {
  return new RegistrationError(200, 'uuid is not a webhook of this application', { argumentName: 'uuid' });
}

/**
 * A fresh random version rather than a count: a cache entry can then never be mistaken for
 * another database's application of the same internal id.
 */
async function bumpVersion(tx: Tx, appId: number): Promise<void> {
  const version = randomInt(1, 2 ** 47);
  await tx
    .insertInto('webhook_versions')
    .values({ app_id: appId, version })
    .onConflict((oc) => oc.column('app_id').doUpdateSet({ version }))
    .execute();
}

export async function addSubscription(runtime: Runtime, app: { id: number; app_id: string }, fields: SubscriptionFields): Promise<Subscription> {
  const appId = app.id;
  const now = Date.now();
  const added = await runtime.store.write(async (tx) => {
    const count = await tx.selectFrom('webhook_subscriptions').select((eb) => eb.fn.countAll<number>().as('n')).where('app_id', '=', appId).executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_SUBSCRIPTIONS_PER_APP) throw new RegistrationError(200, `an application has at most ${MAX_SUBSCRIPTIONS_PER_APP} webhooks`, { argumentName: 'callback' });
    const row = await tx
      .insertInto('webhook_subscriptions')
      .values({
        app_id: appId,
        capture_app_id: app.app_id,
        uuid: randomUUID(),
        callback: fields.callback,
        entity_type: fields.entityType,
        event_types: JSON.stringify(fields.eventTypes),
        attributes: JSON.stringify(fields.attributes),
        enabled: fields.enabled ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await bumpVersion(tx, appId);
    return toSubscription(row);
  });
  cachedRowsChanged(runtime.store.db);
  return added;
}

export async function findSubscription(db: Db | Tx, appId: number, uuid: string): Promise<Subscription> {
  const row = await db.selectFrom('webhook_subscriptions').selectAll().where('app_id', '=', appId).where('uuid', '=', uuid.toLowerCase()).executeTakeFirst();
  if (!row) throw noSuchWebhook();
  return toSubscription(row);
}

export async function listSubscriptions(db: Db, appId: number): Promise<Subscription[]> {
  const rows = await db.selectFrom('webhook_subscriptions').selectAll().where('app_id', '=', appId).orderBy('id').execute();
  return rows.map(toSubscription);
}

/** Overwrites the given fields of a subscription (webhooks/update). */
export async function updateSubscription(runtime: Runtime, appId: number, uuid: string, change: Partial<SubscriptionFields>): Promise<Subscription> {
  const updated = await runtime.store.write(async (tx) => {
    const current = await findSubscription(tx, appId, uuid);
    const next = { ...current, ...change };
    const row = await tx
      .updateTable('webhook_subscriptions')
      .set({
        callback: next.callback,
        entity_type: next.entityType,
        event_types: JSON.stringify(next.eventTypes),
        attributes: JSON.stringify(next.attributes),
        enabled: next.enabled ? 1 : 0,
        updated_at: Math.max(Date.now(), current.updatedAt + 1),
      })
      .where('app_id', '=', appId)
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await bumpVersion(tx, appId);
    return toSubscription(row);
  });
  cachedRowsChanged(runtime.store.db);
  return updated;
}

/** Deletes a subscription with its undelivered events and its delivery history. */
export async function deleteSubscription(runtime: Runtime, appId: number, uuid: string): Promise<void> {
  await runtime.store.write(async (tx) => {
    const current = await findSubscription(tx, appId, uuid);
    await tx.deleteFrom('webhook_subscriptions').where('app_id', '=', appId).where('id', '=', current.id).execute();
    await bumpVersion(tx, appId);
  });
  cachedRowsChanged(runtime.store.db);
}
