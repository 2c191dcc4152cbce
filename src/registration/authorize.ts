import type { FastifyRequest } from 'fastify';
import { RegistrationError } from '../http/errors.js';
import type { Params } from '../http/params.js';
import type { AppRow } from '../partner/apps.js';
import type { Runtime } from '../runtime.js';
import { spendCreationToken } from './access/codes.js';
import type { TokenSubject } from './access/grants.js';
import { findAccessToken } from './access/tokens.js';
import { authenticate, findClientWithApp, readCredentials } from './clients/authenticate.js';
import type { ApiClient } from './clients/clients.js';
import { ruleOf, type Endpoint, type EndpointRule } from './permissions.js';
import { accessSchemaFor } from './schema/access-schemas.js';

/**
 * The one gate of every Registration call: who is calling (NOTES.md §3's four modes, plus
 * creation tokens and public clients) and whether ENDPOINT_RULES lets them make this call.
 */

export interface Authorized {
  app: AppRow;
  /** The client whose permissions apply: the authenticated one, else the token's. */
  client: ApiClient;
  /** How the caller got in. */
  via: 'client' | 'token' | 'creation_token' | 'public_client';
  /**
   * A user's access token made the call: it reaches this record only. authorize() has already
   * written the record into the parameters (`type_name`, `id`; `uuid` / `key_attribute`
   * removed), so that handlers reading the usual selector find exactly this record.
   */
  user?: TokenSubject;
  /** A creation token made the call (entity.create of this type, once). */
  creation?: { typeName: string };
  /**
   * Record calls of a client other than an owner: the attribute paths its access schema for
   * this call's type lets it read (or write); undefined when none was set (everything).
   */
  accessSchema?: string[];
  /** The client has `metadata`: its record writes must leave lastUpdated as it was. */
  keepLastUpdated: boolean;
}

export interface CallLike {
  request: FastifyRequest;
  params: Params;
}

const OAUTH_HEADER = /^(?:OAuth|Bearer)\s+(\S+)\s*$/i;

/** A user's access token: the `access_token` parameter, or `Authorization: OAuth <token>` / `Bearer <token>`. */
export function readAccessToken(request: FastifyRequest, params: Params): string | undefined {
  const param = params.get('access_token');
  if (param) return param;
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  return OAUTH_HEADER.exec(header)?.[1];
}

function allows(rule: EndpointRule, client: ApiClient): boolean {
  return client.features.includes('owner') || rule.features.some((f) => client.features.includes(f));
}

const featureMissing = (endpoint: string) => new RegistrationError(403, `this client lacks the features ${endpoint} needs (see docs/registration-permissions.md)`);

/** The client `clientId` and its application, when it belongs to the application `appRowId` (any when undefined). */
async function clientOfApp(runtime: Runtime, appRowId: number | undefined, clientId: string): Promise<{ app: AppRow; client: ApiClient } | undefined> {
  if (clientId.length === 0) return undefined;
  const found = await findClientWithApp(runtime, clientId);
  return found && (appRowId === undefined || found.client.appId === appRowId) ? found : undefined;
}

/** Access tokens: unknown or revoked → 402, expired → 414. */
async function tokenGrant(runtime: Runtime, token: string): Promise<{ appId: number; clientId: string; subject: TokenSubject }> {
  const info = await findAccessToken(runtime.store.db, token);
  if (!info) throw new RegistrationError(402, 'invalid access token: unknown or revoked');
  if (info.expiresAt <= Date.now()) throw new RegistrationError(414, 'the access token has expired');
  return info;
}

/**
 * Confines a token call to the token's record: a selector naming another record (or type) is
 * 403; then the parameters name exactly the token's record, whatever the handler reads.
 */
function bindSubject(params: Params, subject: TokenSubject): void {
  const raw = params.raw;
  const denied = () => new RegistrationError(403, 'an access token reaches only its own record');
  if (raw.type_name && raw.type_name !== subject.typeName) throw denied();
  if (raw.uuid && raw.uuid.toLowerCase() !== subject.uuid.toLowerCase()) throw denied();
  if (raw.id && raw.id.trim() !== String(subject.id)) throw denied();
  if (raw.key_attribute) throw new RegistrationError(200, 'an access token names its record: leave out key_attribute', { argumentName: 'key_attribute' });
  delete raw.uuid;
  delete raw.key_attribute;
  delete raw.key_value;
  raw.type_name = subject.typeName;
  raw.id = String(subject.id);
}

/**
 * Whether access schemas limit a call's reach into records: for every client but an owner
 * calling with its own credentials (an owner's user token is limited like any other).
 */
export function limitedByAccessSchema(auth: Pick<Authorized, 'client' | 'user'>): boolean {
  return !auth.client.features.includes('owner') || auth.user !== undefined;
}

type Caller = Omit<Authorized, 'accessSchema' | 'keepLastUpdated'>;

/** The call's Authorized; a promise only when an access schema has to be looked up (non-owner record calls). */
function withAccessSchema(runtime: Runtime, rule: EndpointRule, params: Params, caller: Caller): Authorized | Promise<Authorized> {
  const access = caller.user ? rule.token : rule.record;
  const typeName = access && params.get('type_name');
  if (!access || !typeName || !limitedByAccessSchema(caller)) return authorized(caller, undefined);
  return accessSchemaFor(runtime.store.db, caller.app.id, typeName, caller.client.clientId, access).then((accessSchema) => authorized(caller, accessSchema));
}

// Written out rather than spread: on Node 20 `{ ...caller, more }` costs over a microsecond per call.
function authorized(caller: Caller, accessSchema: string[] | undefined): Authorized {
  return {
    app: caller.app,
    client: caller.client,
    via: caller.via,
    user: caller.user,
    creation: caller.creation,
    accessSchema,
    keepLastUpdated: caller.client.features.includes('metadata'),
  };
}

function checkOtherClient(rule: EndpointRule, params: Params, client: ApiClient, endpoint: string): void {
  const other = params.get('for_client_id');
  if (rule.otherClientNeedsOwner && other && other !== client.clientId && !client.features.includes('owner')) {
    throw new RegistrationError(403, `only an owner client may name another client in for_client_id of ${endpoint}`);
  }
}

/**
 * Authenticates the call and checks ENDPOINT_RULES[endpoint]. Client credentials (parameters,
 * Basic or a signed request) come first and decide permissions; a client whose features do not
 * allow the call may still make it for a user's record with that user's access token where the
 * endpoint takes one. Without credentials: the access token, a creation token, or a public
 * client's client_id, as the endpoint allows. Nothing usable at all → 100.
 */
export function authorize(runtime: Runtime, call: CallLike, endpoint: Endpoint | string): Promise<Authorized> {
  return identify(runtime, call, endpoint, true) as Promise<Authorized>;
}

/** authorize() for endpoints that also serve anonymous callers: undefined when the caller gave no credentials. */
export function authorizeOptional(runtime: Runtime, call: CallLike, endpoint: Endpoint | string): Promise<Authorized | undefined> {
  return identify(runtime, call, endpoint, false);
}

const noCredentials = () => new RegistrationError(100, 'missing client credentials: client_id and client_secret, HTTP Basic or a signed request', { argumentName: 'client_id' });

/** authorize() and authorizeOptional() in one async frame: `required` turns "no credentials" into 100. */
async function identify(runtime: Runtime, { request, params }: CallLike, endpoint: Endpoint | string, required: boolean): Promise<Authorized | undefined> {
  const rule = ruleOf(endpoint);
  const credentials = readCredentials(request, params);
  const token = rule.token ? readAccessToken(request, params) : undefined;

  if (credentials) {
    // A cached client is answered without a promise: awaiting only a promise saves a turn of the microtask queue on nearly every call.
    const authenticated = authenticate(runtime, request, params, credentials);
    const { app, client } = authenticated instanceof Promise ? await authenticated : authenticated;
    if (allows(rule, client)) {
      checkOtherClient(rule, params, client, endpoint);
      return withAccessSchema(runtime, rule, params, { app, client, via: 'client' });
    }
    if (!token) throw featureMissing(endpoint);
    const grant = await tokenGrant(runtime, token);
    if (grant.appId !== app.id) throw new RegistrationError(402, 'invalid access token: unknown or revoked');
    bindSubject(params, grant.subject);
    return withAccessSchema(runtime, rule, params, { app, client, via: 'token', user: grant.subject });
  }

  if (token) {
    const grant = await tokenGrant(runtime, token);
    const named = params.get('client_id');
    if (named && named !== grant.clientId) throw new RegistrationError(402, 'the access token was not issued to this client_id');
    const found = await clientOfApp(runtime, grant.appId, grant.clientId);
    if (!found) throw new RegistrationError(402, 'invalid access token: unknown or revoked');
    const { app, client } = found;
    if (rule.publicClient && !allows(rule, client)) throw featureMissing(endpoint);
    bindSubject(params, grant.subject);
    return withAccessSchema(runtime, rule, params, { app, client, via: 'token', user: grant.subject });
  }

  const creationToken = rule.creationToken ? params.get('creation_token') : undefined;
  if (creationToken) {
    const named = params.get('type_name');
    const spent = await spendCreationToken(runtime, creationToken);
    if (named && named !== spent.typeName) throw new RegistrationError(403, `this creation token creates records of ${spent.typeName} only`);
    params.raw.type_name = spent.typeName;
    const found = await clientOfApp(runtime, spent.appId, spent.clientId);
    if (!found) throw new RegistrationError(402, 'creation_token is not valid: unknown or already used');
    return withAccessSchema(runtime, rule, params, { app: found.app, client: found.client, via: 'creation_token', creation: { typeName: spent.typeName } });
  }

  const clientId = params.get('client_id');
  if (rule.publicClient && clientId) {
    const found = await clientOfApp(runtime, undefined, clientId);
    if (!found) throw new RegistrationError(402, 'invalid client_id');
    if (!allows(rule, found.client)) throw featureMissing(endpoint);
    return withAccessSchema(runtime, rule, params, { app: found.app, client: found.client, via: 'public_client' });
  }

  if (rule.anonymous) {
    if (required) throw noCredentials();
    return undefined;
  }
  if (readAccessToken(request, params)) throw new RegistrationError(403, `${endpoint} does not take an access token: call it with client credentials`);
  // A client_id without its secret is a half-given credential.
  if (clientId) throw new RegistrationError(402, 'invalid client credentials');
  if (required) throw noCredentials();
  return undefined;
}

/** The endpoint a route serves (`/entity.update` → `entity.update`), the key of ENDPOINT_RULES. */
export function endpointOfRoute(request: FastifyRequest): string {
  return (request.routeOptions.url ?? request.url.split('?')[0]).replace(/^\/+/, '');
}
