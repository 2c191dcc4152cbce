import type { Db } from '../../store/store.js';
import { formatTimestampOutput, fromEpochMicros } from '../records/datetime.js';
import type { DeliveryStatus, EventKind } from './tables.js';

/**
 * webhooks/deliveries: a subscription's events, newest first, with their delivery state and
 * every attempt. Paged by `before` (an event's sequence number), which stays stable while new
 * events arrive.
 */

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivering', 'delivered', 'dead'];
export const DEFAULT_DELIVERIES = 50;
export const MAX_DELIVERIES = 200;

const EVENT_NAMES: Record<EventKind, string> = { ADD: 'entityCreated', UPDATE: 'entityUpdated', DELETE: 'entityDeleted' };

/** Epoch ms as Registration shows times: `2016-04-20 17:02:18.649000 +0000`. */
export function showTime(ms: number | null): string | null {
  return ms === null ? null : formatTimestampOutput(fromEpochMicros(Number(ms) * 1000));
}

export interface DeliveryQuery {
  appId: number;
  subscriptionId: number;
  statuses?: DeliveryStatus[];
  before?: number;
  limit: number;
}

export async function listDeliveries(db: Db, q: DeliveryQuery) {
  let query = db
    .selectFrom('webhook_events')
    .select(['id', 'jti', 'change_id', 'kind', 'entity_type', 'entity_uuid', 'attributes', 'client_id', 'occurred_at', 'status', 'attempts', 'next_attempt_at', 'last_status_code', 'last_error', 'finished_at'])
    .where('app_id', '=', q.appId)
    .where('subscription_id', '=', q.subscriptionId);
  if (q.statuses && q.statuses.length > 0) query = query.where('status', 'in', q.statuses);
  if (q.before !== undefined) query = query.where('id', '<', q.before);
  const events = await query.orderBy('id', 'desc').limit(q.limit).execute();
  const ids = events.map((e) => Number(e.id));
  const attempts =
    ids.length === 0
      ? []
      : await db.selectFrom('webhook_attempts').select(['event_id', 'attempted_at', 'duration_ms', 'status_code', 'error']).where('app_id', '=', q.appId).where('event_id', 'in', ids).orderBy('id').execute();
  const results = events.map((e) => ({
    sequence: Number(e.id),
    jti: e.jti,
    id: e.change_id,
    event: EVENT_NAMES[e.kind],
    entity_type: e.entity_type,
    sub: e.entity_uuid,
    attributes: e.attributes ? (JSON.parse(e.attributes) as string[]) : null,
    client_id: e.client_id,
    created: showTime(e.occurred_at),
    status: e.status,
    attempt_count: Number(e.attempts),
    next_attempt: e.status === 'pending' ? showTime(e.next_attempt_at) : null,
    last_status_code: e.last_status_code,
    last_error: e.last_error,
    finished: showTime(e.finished_at),
    attempts: attempts
      .filter((a) => Number(a.event_id) === Number(e.id))
      .map((a) => ({ at: showTime(a.attempted_at), status_code: a.status_code, error: a.error, duration_ms: Number(a.duration_ms) })),
  }));
  return { results, result_count: results.length, ...(results.length === q.limit ? { next_before: results[results.length - 1].sequence } : {}) };
}
