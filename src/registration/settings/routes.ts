import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ParameterError, RegistrationError } from '../../http/errors.js';
import { listParam, type Params } from '../../http/params.js';
import { registrationRoute, type Call } from '../../http/wire.js';
import type { Runtime } from '../../runtime.js';
import { authorize, type Authorized } from '../authorize.js';
import { requireClientOfApp } from '../clients/clients.js';
import type { Endpoint } from '../permissions.js';
import { allSettings, clientItems, clientSetting, clientSettings, defaultSetting, deleteSetting, putSetting, type SettingsScope } from './settings.js';

/**
 * settings/* (NOTES.md §7). `for_client_id` defaults to the calling client; naming another
 * client needs owner (ENDPOINT_RULES), and it must be a client of the caller's application.
 */

const MAX_VALUE_LENGTH = 64 * 1024;
const key = z.string().min(1).max(255);
const value = z.string().max(MAX_VALUE_LENGTH);
// Built once: zod compiles each object schema, which costs more than a parse.
const forClient = z.object({ for_client_id: z.string().min(1).max(64).optional() });
const keyParams = z.object({ key });
const keysParams = z.object({ keys: listParam(key, 1000) });
const setParams = z.object({ key, value });

/** `items`: a JSON object of key → value. Janrain's values are text; numbers and booleans become their text. */
function readItems(params: Params): Array<[string, string]> {
  const text = params.get('items');
  if (text === undefined || text === '') throw new ParameterError('missing', 'items');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ParameterError('invalid', 'items', 'is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ParameterError('invalid', 'items', 'must be a JSON object of key → value');
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length > 1000) throw new ParameterError('invalid', 'items', 'at most 1000 keys at once');
  return entries.map(([k, v]) => {
    if (!key.safeParse(k).success) throw new RegistrationError(200, `items: ${JSON.stringify(k.slice(0, 40))} is not a setting key (1 to 255 characters)`, { argumentName: 'items' });
    if (v === null || typeof v === 'object') throw new RegistrationError(200, `items: the value of ${k} must be text`, { argumentName: 'items' });
    const text = String(v);
    if (text.length > MAX_VALUE_LENGTH) throw new RegistrationError(200, `items: the value of ${k} is too long`, { argumentName: 'items' });
    return [k, text];
  });
}

export function registerSettingsRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { store } = runtime;

  /** The caller's authorization and the client whose settings the call is about. */
  async function target(call: Call, endpoint: Endpoint): Promise<{ auth: Authorized; clientId: string }> {
    const auth = await authorize(runtime, call, endpoint);
    const { for_client_id } = call.params.parse(forClient);
    if (!for_client_id || for_client_id === auth.client.clientId) return { auth, clientId: auth.client.clientId };
    await requireClientOfApp(store.db, auth.app.id, for_client_id, 'for_client_id');
    return { auth, clientId: for_client_id };
  }

  registrationRoute(app, '/settings/get', async (call) => {
    const { auth, clientId } = await target(call, 'settings/get');
    const p = call.params.parse(keyParams);
    return { result: await clientSetting(store.db, auth.app.id, clientId, p.key) };
  });

  registrationRoute(app, '/settings/get_multi', async (call) => {
    const { auth, clientId } = await target(call, 'settings/get_multi');
    const p = call.params.parse(keysParams);
    return { result: await clientSettings(store.db, auth.app.id, clientId, p.keys) };
  });

  registrationRoute(app, '/settings/items', async (call) => {
    const { auth, clientId } = await target(call, 'settings/items');
    return { result: await clientItems(store.db, auth.app.id, clientId) };
  });

  registrationRoute(app, '/settings/keys', async (call) => {
    const { auth, clientId } = await target(call, 'settings/keys');
    return { result: Object.keys(await clientItems(store.db, auth.app.id, clientId)) };
  });

  registrationRoute(app, '/settings/get_all', async (call) => {
    const auth = await authorize(runtime, call, 'settings/get_all');
    return { result: await allSettings(store.db, auth.app.id) };
  });

  registrationRoute(app, '/settings/set', async (call) => {
    const { auth, clientId } = await target(call, 'settings/set');
    const p = call.params.parse(setParams);
    return { result: await store.write((tx) => putSetting(tx, auth.app.id, { clientId }, p.key, p.value)) };
  });

  registrationRoute(app, '/settings/set_multi', async (call) => {
    const { auth, clientId } = await target(call, 'settings/set_multi');
    return { result: await putMany(auth.app.id, { clientId }, readItems(call.params)) };
  });

  registrationRoute(app, '/settings/delete', async (call) => {
    const { auth, clientId } = await target(call, 'settings/delete');
    const p = call.params.parse(keyParams);
    return { result: await store.write((tx) => deleteSetting(tx, auth.app.id, { clientId }, p.key)) };
  });

  registrationRoute(app, '/settings/get_default', async (call) => {
    const auth = await authorize(runtime, call, 'settings/get_default');
    const p = call.params.parse(keyParams);
    return { result: await defaultSetting(store.db, auth.app.id, p.key) };
  });

  registrationRoute(app, '/settings/set_default', async (call) => {
    const auth = await authorize(runtime, call, 'settings/set_default');
    const p = call.params.parse(setParams);
    return { result: await store.write((tx) => putSetting(tx, auth.app.id, 'default', p.key, p.value)) };
  });

  registrationRoute(app, '/settings/set_default_multi', async (call) => {
    const auth = await authorize(runtime, call, 'settings/set_default_multi');
    return { result: await putMany(auth.app.id, 'default', readItems(call.params)) };
  });

  registrationRoute(app, '/settings/delete_default', async (call) => {
    const auth = await authorize(runtime, call, 'settings/delete_default');
    const p = call.params.parse(keyParams);
    return { result: await store.write((tx) => deleteSetting(tx, auth.app.id, 'default', p.key)) };
  });

  /** set_multi / set_default_multi: all keys in one transaction; key → whether it existed. */
  function putMany(appId: number, scope: SettingsScope, items: Array<[string, string]>): Promise<Record<string, boolean>> {
    return store.write(async (tx) => {
      const out: Record<string, boolean> = {};
      for (const [k, v] of items) out[k] = await putSetting(tx, appId, scope, k, v);
      return out;
    });
  }
}
