import type { FastifyRequest } from 'fastify';
import type { Sealer } from '../../crypto/sealer.js';
import { comparable, digest, safeEqual, safeEqualBytes } from '../../crypto/secrets.js';
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

/** A digest compared against when the client id is unknown (or has no old secret), so every failure costs the same. */
const NO_SUCH_CLIENT = comparable(digest('no such client'));

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
    const decoded = decodeBase64(basic[1]);
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

const ASCII = /^[\x00-\x7f]*$/;

/**
 * A Basic credential's text: atob costs a third of decoding through a Buffer, and gives the same
 * text when it accepts the input (strict base64) and the bytes are ASCII; anything else (URL-safe
 * or sloppy base64, UTF-8 beyond ASCII) is decoded through a Buffer as UTF-8, as always.
 */
function decodeBase64(encoded: string): string {
  try {
    const text = atob(encoded);
    if (ASCII.test(text)) return text;
  } catch {
    /* not strict base64 */
  }
  return Buffer.from(encoded, 'base64').toString('utf8');
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

/** A client row as authentication uses it: with its application, its JSON columns parsed, its digests decoded and its whitelist compiled. */
interface KnownClient {
  row: ClientRow;
  app: AppRow;
  client: ApiClient;
  /** `row.secret_digest` as compared. */
  secretDigest: Buffer;
  /** `row.previous_secret_digest` as compared, while it is set. */
  previousDigest: Buffer | undefined;
  allows: (ip: string) => boolean;
}

// Every authenticated call reads its client (see fresh-cache.ts for how long an entry is trusted;
// clients/* changes drop it at once). Unknown client ids are not kept: they are read every time.
const knownClients = new FreshCache<KnownClient>();

/** The client, when a fresh copy is cached (most calls): no await, so no turn of the microtask queue. */
function cachedClient(runtime: Runtime, clientId: string | undefined): KnownClient | undefined {
  return clientId ? knownClients.get(runtime.store.db, clientId) : undefined;
}

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
  const known: KnownClient = Object.freeze({
    row: Object.freeze(row),
    app: Object.freeze(app as AppRow),
    client: Object.freeze(client),
    secretDigest: comparable(row.secret_digest),
    previousDigest: row.previous_secret_digest ? comparable(row.previous_secret_digest) : undefined,
    allows: compileWhitelist(client.whitelist),
  });
  knownClients.set(db, clientId, known, ticket);
  return known;
}

/**
 * A client and its application by client id, from the same cache authentication reads: for
 * calls that name a client without proving they hold its secret (access tokens, creation
 * tokens, public clients), whose grant says which client it is.
 */
export async function findClientWithApp(runtime: Runtime, clientId: string): Promise<AuthenticatedClient | undefined> {
  const found = cachedClient(runtime, clientId) ?? (await clientRow(runtime, clientId));
  return found && { app: found.app, client: found.client };
}

/** Whether the old secret still works: `clients/reset_secret`'s grace period lasts. */
function inGrace(row: ClientRow, now: number): boolean {
  return Boolean(row.previous_secret_digest) && row.previous_secret_expires_at !== null && now < row.previous_secret_expires_at;
}

function secretMatches(known: KnownClient | undefined, secret: string | undefined, now: number): boolean {
  const given = comparable(digest(secret ?? ''));
  const current = safeEqualBytes(given, known?.secretDigest ?? NO_SUCH_CLIENT);
  const previous = known?.previousDigest && inGrace(known.row, now) ? known.previousDigest : undefined;
  // Both comparisons always run, so the answer takes as long whichever secret was used.
  const old = safeEqualBytes(given, previous ?? NO_SUCH_CLIENT);
  return Boolean(known && secret && (current || (previous && old)));
}

function signatureMatches(row: ClientRow | undefined, sealer: Sealer, request: FastifyRequest, params: Params, credentials: { signature: string; date?: string }, now: number): boolean {
  if (!row || !credentials.date) return false;
  const path = request.url.split('?')[0];
  const secrets = [row.secret_sealed, inGrace(row, now) ? row.previous_secret_sealed : null].filter((s): s is string => Boolean(s)).map((s) => sealer.open(s));
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
  return authenticate(runtime, request, params, credentials);
}

/**
 * authenticateClient, answered at once (no promise) when the client is cached, which is most
 * calls: authorize() awaits it once instead of through two more async frames.
 */
export function authenticate(runtime: Runtime, request: FastifyRequest, params: Params, credentials: ClientCredentials | undefined): AuthenticatedClient | Promise<AuthenticatedClient> {
  if (!credentials) {
    if (params.get('client_id')) throw new RegistrationError(402, 'invalid client credentials');
    throw new RegistrationError(100, 'missing client credentials: client_id and client_secret, HTTP Basic or a signed request', { argumentName: 'client_id' });
  }
  const cached = cachedClient(runtime, credentials.clientId);
  if (cached) return check(runtime, request, params, credentials, cached);
  return clientRow(runtime, credentials.clientId).then((found) => check(runtime, request, params, credentials, found));
}

function check(runtime: Runtime, request: FastifyRequest, params: Params, credentials: ClientCredentials, found: KnownClient | undefined): AuthenticatedClient {
  const now = Date.now();
  if (credentials.mode === 'signature') {
    if (!credentials.date || !isFresh(credentials.date, now)) throw new RegistrationError(402, 'invalid client credentials: a signed request needs a Date header (YYYY-MM-DD HH:MM:SS, UTC) within 5 minutes of the server clock');
    if (!signatureMatches(found?.row, runtime.sealer, request, params, credentials, now)) throw new RegistrationError(402, 'invalid client credentials');
  } else if (!secretMatches(found, credentials.secret, now)) {
    throw new RegistrationError(402, 'invalid client credentials');
  }
  if (!found!.allows(request.ip)) throw new RegistrationError(403, 'this client may not call from this address');
  return { app: found!.app, client: found!.client };
}
