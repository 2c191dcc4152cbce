import type { FastifyRequest } from 'fastify';
import type { Sealer } from '../../crypto/sealer.js';
import { digest, safeEqual } from '../../crypto/secrets.js';
import { RegistrationError } from '../../http/errors.js';
import type { Params } from '../../http/params.js';
import type { AppRow } from '../../partner/apps.js';
import type { Runtime } from '../../runtime.js';
import { FreshCache } from '../../store/fresh-cache.js';
import { prepared } from '../../store/prepared.js';
import { toApiClient, type ApiClient, type ClientRow } from './clients.js';
import { compileWhitelist } from './ip-whitelist.js';
import { isFresh, signRequest } from './signature.js';

export { ipAllowed } from './ip-whitelist.js';

/** How a caller proved it holds a client's secret (NOTES.md §3, modes 1–3). */
export type CredentialMode = 'params' | 'basic' | 'signature';

export interface AuthenticatedClient {
  app: AppRow;
  client: ApiClient;
}

/** What a request offers as client credentials; `clientId` alone (no secret) is not a credential. */
export type ClientCredentials =
  | { mode: 'params' | 'basic'; clientId?: string; secret?: string }
  | { mode: 'signature'; clientId: string; signature: string; date?: string };

/** A digest compared against when the client id is unknown, so both failures cost the same. */
const NO_SUCH_CLIENT = digest('no such client');

const BASIC = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i;
const SIGNATURE = /^Signature\s+([^:\s]+):(\S+)\s*$/i;

/**
 * The client credentials a request carries: `client_secret` (with `client_id`) as parameters,
 * else an `Authorization: Basic` or `Authorization: Signature` header. A `client_id` parameter
 * without a secret is not a credential (public clients and access-token calls send one).
 */
export function readCredentials(request: FastifyRequest, params: Params): ClientCredentials | undefined {
  const clientId = params.get('client_id') || undefined;
  const secret = params.get('client_secret') || undefined;
  if (secret) return { mode: 'params', clientId, secret };
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const basic = BASIC.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { mode: 'basic', clientId: decoded || undefined };
    return { mode: 'basic', clientId: decoded.slice(0, colon) || undefined, secret: decoded.slice(colon + 1) || undefined };
  }
  const signed = SIGNATURE.exec(header);
  if (signed) {
    const date = request.headers.date;
    return { mode: 'signature', clientId: signed[1], signature: signed[2], date: typeof date === 'string' ? date : undefined };
  }
  return undefined;
}

const clientWithApp = prepared((db, clientId: string) =>
  db
    .selectFrom('api_clients')
    .innerJoin('apps', 'apps.id', 'api_clients.app_id')
    .selectAll('apps')
    .select([
      'api_clients.id as c_id',
      'api_clients.app_id as c_app_id',
      'api_clients.client_id as c_client_id',
      'api_clients.secret_digest as c_secret_digest',
      'api_clients.secret_sealed as c_secret_sealed',
      'api_clients.previous_secret_digest as c_previous_secret_digest',
      'api_clients.previous_secret_sealed as c_previous_secret_sealed',
      'api_clients.previous_secret_expires_at as c_previous_secret_expires_at',
      'api_clients.description as c_description',
      'api_clients.features as c_features',
      'api_clients.whitelist as c_whitelist',
      'api_clients.created_at as c_created_at',
    ])
    .where('api_clients.client_id', '=', clientId),
);

/** A client row as authentication uses it: with its application, its JSON columns parsed and its whitelist compiled. */
interface KnownClient {
  row: ClientRow;
  app: AppRow;
  client: ApiClient;
  allows: (ip: string) => boolean;
}

// Every authenticated call reads its client (see fresh-cache.ts for how long an entry is trusted;
// clients/* changes drop it at once). Unknown client ids are not kept: they are read every time.
const knownClients = new FreshCache<KnownClient>();

/** The client and its application, in one query (every authenticated call pays for it, unless cached). */
async function clientRow(runtime: Runtime, clientId: string | undefined): Promise<KnownClient | undefined> {
  if (!clientId || clientId.length > 64) return undefined;
  const db = runtime.store.db;
  const cached = knownClients.get(db, clientId);
  if (cached) return cached;
  const ticket = knownClients.ticket(db);
  const [found] = await clientWithApp(db, clientId);
  if (!found) return undefined;
  const {
    c_id, c_app_id, c_client_id, c_secret_digest, c_secret_sealed, c_previous_secret_digest, c_previous_secret_sealed, c_previous_secret_expires_at, c_description, c_features, c_whitelist, c_created_at,
    ...app
  } = found;
  const row: ClientRow = {
    id: c_id,
    app_id: c_app_id,
    client_id: c_client_id,
    secret_digest: c_secret_digest,
    secret_sealed: c_secret_sealed,
    previous_secret_digest: c_previous_secret_digest,
    previous_secret_sealed: c_previous_secret_sealed,
    previous_secret_expires_at: c_previous_secret_expires_at === null ? null : Number(c_previous_secret_expires_at),
    description: c_description,
    features: c_features,
    whitelist: c_whitelist,
    created_at: c_created_at,
  };
  const client = toApiClient(row);
  // Frozen: every caller shares the cached objects.
  Object.freeze(client.features);
  Object.freeze(client.whitelist);
  const known: KnownClient = Object.freeze({ row: Object.freeze(row), app: Object.freeze(app as AppRow), client: Object.freeze(client), allows: compileWhitelist(client.whitelist) });
  knownClients.set(db, clientId, known, ticket);
  return known;
}

/**
 * A client and its application by client id, from the same cache authentication reads: for
 * calls that name a client without proving they hold its secret (access tokens, creation
 * tokens, public clients), whose grant says which client it is.
 */
export async function findClientWithApp(runtime: Runtime, clientId: string): Promise<AuthenticatedClient | undefined> {
  const found = await clientRow(runtime, clientId);
  return found && { app: found.app, client: found.client };
}

/** The old secret's digest / sealed form while `clients/reset_secret`'s grace period lasts. */
function previousSecret(row: ClientRow, now: number): { digest: string; sealed: string | null } | undefined {
  if (!row.previous_secret_digest || row.previous_secret_expires_at === null || now >= row.previous_secret_expires_at) return undefined;
  return { digest: row.previous_secret_digest, sealed: row.previous_secret_sealed };
}

function secretMatches(row: ClientRow | undefined, secret: string | undefined, now: number): boolean {
  const given = digest(secret ?? '');
  const current = safeEqual(given, row?.secret_digest ?? NO_SUCH_CLIENT);
  const previous = row ? previousSecret(row, now) : undefined;
  // Both comparisons always run, so the answer takes as long whichever secret was used.
  const old = safeEqual(given, previous?.digest ?? NO_SUCH_CLIENT);
  return Boolean(row && secret && (current || (previous && old)));
}

function signatureMatches(row: ClientRow | undefined, sealer: Sealer, request: FastifyRequest, params: Params, credentials: { signature: string; date?: string }, now: number): boolean {
  if (!row || !credentials.date) return false;
  const path = request.url.split('?')[0];
  const secrets = [row.secret_sealed, previousSecret(row, now)?.sealed].filter((s): s is string => Boolean(s)).map((s) => sealer.open(s));
  let matched = false;
  for (const secret of secrets) {
    if (safeEqual(signRequest(secret, path, credentials.date, params.raw), credentials.signature)) matched = true;
  }
  return matched;
}

/**
 * Authenticates a Registration call by client credentials (NOTES.md §3, modes 1–3):
 * `client_id` + `client_secret` parameters, HTTP Basic, or a signed request whose Date lies
 * within SIGNATURE_WINDOW_MS. During a `reset_secret` grace period the old secret also works.
 * No credentials at all → 100; anything wrong, incomplete or stale → 402 with one message, so
 * that a caller cannot probe which client ids exist; a caller outside the client's IP
 * whitelist → 403.
 */
export async function authenticateClient(runtime: Runtime, request: FastifyRequest, params: Params, credentials = readCredentials(request, params)): Promise<AuthenticatedClient> {
  if (!credentials) {
    if (params.get('client_id')) throw new RegistrationError(402, 'invalid client credentials');
    throw new RegistrationError(100, 'missing client credentials: client_id and client_secret, HTTP Basic or a signed request', { argumentName: 'client_id' });
  }
  const found = await clientRow(runtime, credentials.clientId);
  const row = found?.row;
  const now = Date.now();
  if (credentials.mode === 'signature') {
    if (!credentials.date || !isFresh(credentials.date, now)) throw new RegistrationError(402, 'invalid client credentials: a signed request needs a Date header (YYYY-MM-DD HH:MM:SS, UTC) within 5 minutes of the server clock');
    if (!signatureMatches(row, runtime.sealer, request, params, credentials, now)) throw new RegistrationError(402, 'invalid client credentials');
  } else if (!secretMatches(row, credentials.secret, now)) {
    throw new RegistrationError(402, 'invalid client credentials');
  }
  if (!found!.allows(request.ip)) throw new RegistrationError(403, 'this client may not call from this address');
  return { app: found!.app, client: found!.client };
}
