import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ParameterError } from '../../http/errors.js';
import { boolParam, intParam, listParam, type Params } from '../../http/params.js';
import { registrationRoute } from '../../http/wire.js';
import { findAppByAppId } from '../../partner/apps.js';
import type { Runtime } from '../../runtime.js';
import { authorize } from '../authorize.js';
import { getEntityType } from '../schema/entity-types.js';
import { parseAttributePath } from '../schema/paths.js';
import { checkCallback } from './callback-address.js';
import { DEFAULT_DELIVERIES, DELIVERY_STATUSES, listDeliveries, MAX_DELIVERIES, showTime } from './history.js';
import { ensureSigningKey, jwksOf } from './signing-keys.js';
import { addSubscription, deleteSubscription, findSubscription, listSubscriptions, updateSubscription, type Subscription, type SubscriptionFields } from './subscriptions.js';
import type { DeliveryStatus, EventKind } from './tables.js';

/**
 * webhooks/add, update, find, list, delete (NOTES.md §9), webhooks/deliveries (delivery
 * history) and the public JWKS receivers verify events with: `/webhooks/jwks/{appId}.json`.
 */

const EVENT_ALIASES: Record<string, EventKind> = {
  add: 'ADD',
  create: 'ADD',
  entitycreated: 'ADD',
  update: 'UPDATE',
  entityupdated: 'UPDATE',
  delete: 'DELETE',
  entitydeleted: 'DELETE',
};

const eventTypes = listParam(z.string().max(32), 3).transform((list, ctx) => {
  const kinds = new Set<EventKind>();
  for (const name of list) {
    const kind = EVENT_ALIASES[name.toLowerCase()];
    if (!kind) {
      ctx.addIssue({ code: 'custom', message: `${name.slice(0, 32)} is not an event type: ADD, UPDATE or DELETE` });
      return z.NEVER;
    }
    kinds.add(kind);
  }
  if (kinds.size === 0) {
    ctx.addIssue({ code: 'custom', message: 'name at least one of ADD, UPDATE, DELETE' });
    return z.NEVER;
  }
  return (['ADD', 'UPDATE', 'DELETE'] as const).filter((k) => kinds.has(k));
});

const attributePaths = listParam(z.string().max(1000), 100).transform((list, ctx) => {
  const out: string[] = [];
  for (const text of list) {
    const segments = parseAttributePath(text);
    if (!segments) {
      ctx.addIssue({ code: 'custom', message: `${text.slice(0, 64)} is not an attribute path like primaryAddress.city` });
      return z.NEVER;
    }
    out.push(segments.join('.'));
  }
  return [...new Set(out)];
});

const FIELDS = z.object({
  callback: z.string().min(1).max(4000).optional(),
  event_type: eventTypes.optional(),
  entity_type: z.string().min(1).max(64).optional(),
  attributes: attributePaths.optional(),
  enabled: boolParam.optional(),
});
const UUID = z.object({ uuid: z.string().min(1).max(64) });
const DELIVERIES = z.object({
  status: listParam(z.enum(DELIVERY_STATUSES as [DeliveryStatus, ...DeliveryStatus[]]), 4).optional(),
  max_results: intParam(1, MAX_DELIVERIES).optional(),
  before: intParam(1).optional(),
});

/** Janrain's clients send `event_types` as often as `event_type`: take either. */
function readFields(params: Params) {
  if (params.get('event_type') === undefined && params.get('event_types') !== undefined) params.raw.event_type = params.raw.event_types;
  return params.parse(FIELDS);
}

function present(s: Subscription) {
  return {
    uuid: s.uuid,
    callback: s.callback,
    entity_type: s.entityType,
    event_type: s.eventTypes,
    attributes: s.attributes,
    enabled: s.enabled,
    created: showTime(s.createdAt),
    last_updated: showTime(s.updatedAt),
  };
}

export function registerWebhookRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { store } = runtime;
  const allowPrivate = runtime.config.webhooks.allowPrivateCallbacks;

  registrationRoute(app, '/webhooks/add', async (call) => {
    const auth = await authorize(runtime, call, 'webhooks/add');
    const p = readFields(call.params);
    if (p.callback === undefined) throw new ParameterError('missing', 'callback');
    if (p.event_type === undefined) throw new ParameterError('missing', 'event_type');
    if (p.entity_type === undefined) throw new ParameterError('missing', 'entity_type');
    const fields: SubscriptionFields = {
      callback: await checkCallback(p.callback, allowPrivate),
      entityType: (await getEntityType(store.db, auth.app.id, p.entity_type)).name,
      eventTypes: p.event_type,
      attributes: p.attributes ?? [],
      enabled: p.enabled ?? true,
    };
    // Receivers can fetch the JWKS before the first event arrives.
    await ensureSigningKey(runtime, auth.app.id);
    const subscription = await addSubscription(runtime, auth.app, fields);
    return { uuid: subscription.uuid, result: present(subscription) };
  });

  registrationRoute(app, '/webhooks/update', async (call) => {
    const auth = await authorize(runtime, call, 'webhooks/update');
    const { uuid } = call.params.parse(UUID);
    const p = readFields(call.params);
    const change: Partial<SubscriptionFields> = {};
    if (p.callback !== undefined) change.callback = await checkCallback(p.callback, allowPrivate);
    if (p.entity_type !== undefined) change.entityType = (await getEntityType(store.db, auth.app.id, p.entity_type)).name;
    if (p.event_type !== undefined) change.eventTypes = p.event_type;
    if (p.attributes !== undefined) change.attributes = p.attributes;
    if (p.enabled !== undefined) change.enabled = p.enabled;
    if (Object.keys(change).length === 0) throw new ParameterError('missing', 'callback', 'give at least one of callback, event_type, entity_type, attributes, enabled');
    return { result: present(await updateSubscription(runtime, auth.app.id, uuid, change)) };
  });

  registrationRoute(app, '/webhooks/find', async (call) => {
    const auth = await authorize(runtime, call, 'webhooks/find');
    const { uuid } = call.params.parse(UUID);
    return { result: present(await findSubscription(store.db, auth.app.id, uuid)) };
  });

  registrationRoute(app, '/webhooks/list', async (call) => {
    const auth = await authorize(runtime, call, 'webhooks/list');
    return { results: (await listSubscriptions(store.db, auth.app.id)).map(present) };
  });

  registrationRoute(app, '/webhooks/delete', async (call) => {
    const auth = await authorize(runtime, call, 'webhooks/delete');
    const { uuid } = call.params.parse(UUID);
    await deleteSubscription(runtime, auth.app.id, uuid);
    return {};
  });

  registrationRoute(app, '/webhooks/deliveries', async (call) => {
    const auth = await authorize(runtime, call, 'webhooks/deliveries');
    const { uuid } = call.params.parse(UUID);
    const q = call.params.parse(DELIVERIES);
    const subscription = await findSubscription(store.db, auth.app.id, uuid);
    return listDeliveries(store.db, { appId: auth.app.id, subscriptionId: subscription.id, statuses: q.status as DeliveryStatus[] | undefined, before: q.before, limit: q.max_results ?? DEFAULT_DELIVERIES });
  });

  app.get<{ Params: { file: string } }>('/webhooks/jwks/:file', async (request, reply) => {
    const match = /^([a-z0-9]{1,64})\.json$/i.exec(request.params.file);
    const found = match ? await findAppByAppId(store.db, match[1]) : undefined;
    if (!found) return reply.code(404).header('cache-control', 'no-store').send({ error: 'no such application', request_id: request.id });
    return reply.header('content-type', 'application/jwk-set+json').header('cache-control', 'public, max-age=300').send(await jwksOf(store.db, found.id));
  });
}

