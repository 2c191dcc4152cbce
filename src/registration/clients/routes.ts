import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RegistrationError } from '../../http/errors.js';
import { intParam, listParam } from '../../http/params.js';
import { registrationRoute, type Call } from '../../http/wire.js';
import type { Runtime } from '../../runtime.js';
import { cachedRowsChanged } from '../../store/fresh-cache.js';
import type { Tx } from '../../store/store.js';
import { authorize, type Authorized } from '../authorize.js';
import type { Endpoint } from '../permissions.js';
import { checkFeatureSet, clientFeatureSchema, createClient, deleteClient, listClients, MAX_SECRET_GRACE_HOURS, resetSecret, setDescription, setFeatures, setWhitelist } from './clients.js';
import { parseCidr } from './ip-whitelist.js';

/** clients/* (NOTES.md §7): only owner clients manage clients, and only their application's. */

const clientIdParam = z.string().min(1).max(64);
const description = z.string().max(1000);
/** A JSON array (or comma-separated list) of client features. */
const features = listParam(z.string(), 16).pipe(z.array(clientFeatureSchema));
const cidr = z.string().max(64).refine((c) => parseCidr(c) !== undefined, 'must be IPv4 or IPv6 CIDRs such as 10.0.0.0/8 or 2001:db8::/32');

// Built once: zod compiles each object schema, which costs more than a parse.
const addParams = z.object({ description: description.optional(), features: features.optional() });
const listParams = z.object({ has_features: features.optional() });
const deleteParams = z.object({ client_id_for_deletion: clientIdParam });
const resetParams = z.object({ for_client_id: clientIdParam, hours_to_live: intParam(0, MAX_SECRET_GRACE_HOURS) });
const describeParams = z.object({ for_client_id: clientIdParam, description });
const featureParams = z.object({ for_client_id: clientIdParam, features });
const whitelistParams = z.object({ for_client_id: clientIdParam, whitelist: listParam(cidr, 1000) });
const clientParams = z.object({ for_client_id: clientIdParam });

/** A description may arrive JSON-quoted, as Janrain's own tools send it. */
function plainText(text: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'string') return parsed;
  } catch {
    /* plain text */
  }
  return text;
}

export function registerClientRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { store } = runtime;
  const owner = (call: Call, endpoint: Endpoint): Promise<Authorized> => authorize(runtime, call, endpoint);
  // Changes to existing clients: authentication keeps clients for a moment, so they are dropped once committed.
  const change = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    try {
      return await store.write(fn);
    } finally {
      cachedRowsChanged(store.db);
    }
  };

  registrationRoute(app, '/clients/add', async (call) => {
    const { app: owning } = await owner(call, 'clients/add');
    const p = call.params.parse(addParams);
    const chosen = p.features ?? [];
    checkFeatureSet(chosen);
    const created = await store.write((tx) => createClient(tx, owning.id, { description: plainText(p.description ?? ''), features: chosen }, runtime.sealer));
    return { client_id: created.client_id, client_secret: created.client_secret };
  });

  registrationRoute(app, '/clients/list', async (call) => {
    const { app: owning } = await owner(call, 'clients/list');
    const p = call.params.parse(listParams);
    return { results: await listClients(store.db, owning.id, p.has_features ?? [], runtime.sealer) };
  });

  registrationRoute(app, '/clients/delete', async (call) => {
    const { app: owning } = await owner(call, 'clients/delete');
    const p = call.params.parse(deleteParams);
    await change((tx) => deleteClient(tx, store.dialect, owning.id, p.client_id_for_deletion));
    return {};
  });

  registrationRoute(app, '/clients/reset_secret', async (call) => {
    const { app: owning } = await owner(call, 'clients/reset_secret');
    const p = call.params.parse(resetParams);
    const secret = await change((tx) => resetSecret(tx, owning.id, p.for_client_id, p.hours_to_live, runtime.sealer));
    return { new_secret: secret };
  });

  registrationRoute(app, '/clients/set_description', async (call) => {
    const { app: owning } = await owner(call, 'clients/set_description');
    const p = call.params.parse(describeParams);
    await change((tx) => setDescription(tx, owning.id, p.for_client_id, plainText(p.description)));
    return {};
  });

  registrationRoute(app, '/clients/set_features', async (call) => {
    const { app: owning } = await owner(call, 'clients/set_features');
    const p = call.params.parse(featureParams);
    await change((tx) => setFeatures(tx, store.dialect, owning.id, p.for_client_id, p.features));
    return {};
  });

  registrationRoute(app, '/clients/set_whitelist', async (call) => {
    const { app: owning } = await owner(call, 'clients/set_whitelist');
    const p = call.params.parse(whitelistParams);
    if (p.whitelist.length === 0) throw new RegistrationError(200, 'whitelist must list at least one CIDR; clients/clear_whitelist allows every address again', { argumentName: 'whitelist' });
    await change((tx) => setWhitelist(tx, owning.id, p.for_client_id, p.whitelist.map((c) => c.trim())));
    return {};
  });

  registrationRoute(app, '/clients/clear_whitelist', async (call) => {
    const { app: owning } = await owner(call, 'clients/clear_whitelist');
    const p = call.params.parse(clientParams);
    await change((tx) => setWhitelist(tx, owning.id, p.for_client_id, undefined));
    return {};
  });
}
