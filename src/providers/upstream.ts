/**
 * The upstream half of social sign-in (the contract with the sign-in routes, see
 * docs/providers.md): send the browser to the provider, validate what comes back, and turn
 * the provider's answers into Janrain's profile, for sign-in, get_user_data and get_contacts.
 * Every provider goes through the same openid-client code: OpenID Connect providers by
 * discovery with PKCE, state, nonce and ID token validation; OAuth 2.0 providers with state
 * and, where they support it, PKCE.
 */
import * as oidc from 'openid-client';
import { z } from 'zod';
import { safeEqual } from '../crypto/secrets.js';
import { SocialError, socialErrors } from '../http/errors.js';
import type { AppRow } from '../partner/apps.js';
import type { Runtime } from '../runtime.js';
import { liveProviders } from './catalog.js';
import { checkUpstreamUrl, clientConfiguration, transportFor } from './client.js';
import { customUpstream, listCustomProviders } from './custom.js';
import { demoUpstream } from './demo/upstream.js';
import { compact, mergedPoco, type ContactsPage, type JanrainProfile } from './poco.js';
import { MissingIdentity } from './profiles/oidc-claims.js';
import { resolveProvider, type ResolvedProvider } from './resolve.js';
import type { Doc, FetchContext, JsonRequest, TokenInfo } from './spec.js';

/** How long a sign-in may stay at the provider before its callback is refused. */
export const PENDING_LIFETIME_MS = 15 * 60 * 1000;

/**
 * What must survive between beginSignIn and completeSignIn (sealed in a cookie or kept
 * server-side by the caller): JSON-serialisable.
 */
export interface PendingSignIn {
  v: 1;
  /** Canonical provider specifier. */
  provider: string;
  /** The application (its public appId) the sign-in belongs to. */
  appId: string;
  state: string;
  nonce?: string;
  codeVerifier?: string;
  redirectUri: string;
  /** Epoch milliseconds. */
  issuedAt: number;
}

const pendingSchema = z.object({
  v: z.literal(1),
  provider: z.string().min(1),
  appId: z.string().min(1),
  state: z.string().min(16),
  nonce: z.string().min(16).optional(),
  codeVerifier: z.string().min(43).optional(),
  redirectUri: z.string().url(),
  issuedAt: z.number().int(),
});

/** The upstream tokens of a signed-in identity, kept (sealed) for get_user_data and get_contacts. */
export interface UpstreamTokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch milliseconds. */
  expiresAt?: number;
  scope?: string;
  /** The OpenID Connect subject, checked against later UserInfo answers. */
  subject?: string;
  /** Token-response members some providers' APIs need later (Weibo `uid`, Salesforce `instance_url`…). */
  extra?: Record<string, string>;
}

export interface SignedInIdentity {
  /** Janrain's normalised profile: identifier, providerName, displayName, name, email, verifiedEmail… */
  profile: JanrainProfile;
  /** Janrain-shaped, per provider. */
  accessCredentials: Record<string, unknown>;
  /** Portable Contacts record for `extended=true`. */
  mergedPoco: Record<string, unknown>;
  extended?: Record<string, unknown>;
  upstreamTokens: UpstreamTokens;
}

export type UpstreamErrorKind = 'denied' | 'state_mismatch' | 'provider_error' | 'invalid_response';

/** Why a callback did not end in a signed-in identity. `message` is safe to show. */
export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/**
 * What of an upstream failure may be logged: openid-client errors carry the provider's
 * response body as their cause, which can hold tokens.
 */
function loggable(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error: String(err) };
  return { name: err.name, message: err.message, code: (err as { code?: unknown }).code, error: (err as { error?: unknown }).error };
}

/** Largest provider API answer read (a profile or a page of contacts). */
const MAX_API_BODY = 2 * 1024 * 1024;

/** A provider API answered with an HTTP error or something that is not JSON. */
class UpstreamHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamHttpError';
  }
}

async function configurationFor(runtime: Runtime, p: ResolvedProvider): Promise<oidc.Configuration> {
  try {
    return await clientConfiguration(runtime, p.protocol, p.client);
  } catch (err) {
    runtime.log.warn({ err: loggable(err), provider: p.specifier }, 'upstream provider configuration failed');
    throw socialErrors.providerFailure(`${p.specifier}: its configuration could not be loaded`);
  }
}

function checkRedirectUri(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw socialErrors.invalidParameter('redirectUri', 'not a URL');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash || url.search) throw socialErrors.invalidParameter('redirectUri', 'must be an http(s) URL without query or fragment');
  return url.href;
}

/** Everything needed to send the browser to the provider. */
export async function beginSignIn(runtime: Runtime, app: AppRow, specifier: string, options: { redirectUri: string }): Promise<{ authorizationUrl: string; pending: PendingSignIn }> {
  const redirectUri = checkRedirectUri(options.redirectUri);
  const p = await resolveProvider(runtime, app, specifier);
  const config = await configurationFor(runtime, p);
  const state = oidc.randomState();
  const nonce = p.protocol.kind === 'oidc' ? oidc.randomNonce() : undefined;
  // OpenID Connect providers that advertise S256 in discovery get PKCE even when the catalog does not insist.
  const pkce = p.protocol.pkce || (p.protocol.kind === 'oidc' && config.serverMetadata().supportsPKCE('S256'));
  const codeVerifier = pkce ? oidc.randomPKCECodeVerifier() : undefined;
  const params: Record<string, string> = {
    ...p.protocol.authorizationParams,
    response_type: 'code',
    redirect_uri: redirectUri,
    state,
  };
  if (p.scopes.length) params.scope = p.scopes.join(p.protocol.scopeSeparator ?? ' ');
  if (nonce) params.nonce = nonce;
  if (codeVerifier) {
    params.code_challenge = await oidc.calculatePKCECodeChallenge(codeVerifier);
    params.code_challenge_method = 'S256';
  }
  if (p.protocol.kind === 'oidc' && p.protocol.responseMode) params.response_mode = p.protocol.responseMode;
  const authorizationUrl = oidc.buildAuthorizationUrl(config, params).href;
  const pending: PendingSignIn = compact({ v: 1 as const, provider: p.specifier, appId: app.app_id, state, nonce, codeVerifier, redirectUri, issuedAt: Date.now() });
  return { authorizationUrl, pending };
}

const DENIALS = new Set(['access_denied', 'user_cancelled_authorize', 'user_denied', 'user_cancelled_login']);

function describe(text: string | null | undefined, max = 200): string {
  return (text ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, max);
}

/** Maps what openid-client throws during the code exchange to the contract's kinds. */
function grantFailure(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof oidc.ResponseBodyError) return new UpstreamError('provider_error', `the provider refused the sign-in: ${describe(err.error)}${err.error_description ? ` (${describe(err.error_description)})` : ''}`);
  if (err instanceof oidc.AuthorizationResponseError) return new UpstreamError(DENIALS.has(err.error) ? 'denied' : 'provider_error', `the provider answered ${describe(err.error)}`);
  if (err instanceof oidc.WWWAuthenticateChallengeError) return new UpstreamError('provider_error', 'the provider refused the token');
  if (err instanceof UpstreamHttpError) return new UpstreamError('provider_error', `the provider's API answered HTTP ${err.status}`);
  if (err instanceof MissingIdentity) return new UpstreamError('invalid_response', err.message);
  if (err instanceof SocialError) return new UpstreamError('provider_error', err.message);
  const code = (err as { code?: unknown }).code;
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') return new UpstreamError('provider_error', 'the provider answered with an unexpected HTTP status');
  if (err instanceof TypeError || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))) return new UpstreamError('provider_error', 'the provider could not be reached');
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON') return new UpstreamError('invalid_response', 'the ID token does not belong to this sign-in (nonce, audience or issuer mismatch)');
  return new UpstreamError('invalid_response', `the provider's answer failed validation${err instanceof Error ? `: ${describe(err.message)}` : ''}`);
}

/** The callback's parameters: query string, then form_post body members (Apple). */
function callbackParams(callback: { url: URL; body?: Record<string, string> }): URLSearchParams {
  const params = new URLSearchParams(callback.url.search);
  for (const [k, v] of Object.entries(callback.body ?? {})) {
    if (typeof v === 'string' && !params.has(k)) params.append(k, v);
  }
  return params;
}

/** Validates the callback (state, PKCE, nonce, ID token) and returns the normalised identity. */
export async function completeSignIn(runtime: Runtime, app: AppRow, pending: PendingSignIn, callback: { url: URL; body?: Record<string, string> }): Promise<SignedInIdentity> {
  const checked = pendingSchema.safeParse(pending);
  if (!checked.success || checked.data.appId !== app.app_id) throw new UpstreamError('state_mismatch', 'this sign-in was not started here');
  const started = checked.data;
  if (Date.now() - started.issuedAt > PENDING_LIFETIME_MS || started.issuedAt > Date.now() + 60_000) throw new UpstreamError('state_mismatch', 'this sign-in took too long; please start again');

  const params = callbackParams(callback);
  const error = params.get('error');
  if (error) throw new UpstreamError(DENIALS.has(error) ? 'denied' : 'provider_error', `the provider answered ${describe(error, 64)}${params.get('error_description') ? `: ${describe(params.get('error_description'))}` : ''}`);
  const state = params.get('state');
  if (!state || !safeEqual(state, started.state)) throw new UpstreamError('state_mismatch', 'the sign-in state does not match');

  let p: ResolvedProvider;
  try {
    p = await resolveProvider(runtime, app, started.provider);
  } catch (err) {
    throw grantFailure(err);
  }
  if (p.specifier !== started.provider) throw new UpstreamError('state_mismatch', 'the sign-in state does not match');
  let config: oidc.Configuration;
  try {
    config = await clientConfiguration(runtime, p.protocol, p.client);
  } catch (err) {
    runtime.log.warn({ err: loggable(err), provider: p.specifier }, 'upstream provider configuration failed');
    throw new UpstreamError('provider_error', 'the provider could not be reached');
  }

  // redirect_uri of the token request is what the authorization request carried, whatever
  // host or scheme the callback arrived on behind proxies.
  const currentUrl = new URL(started.redirectUri);
  for (const [k, v] of params) currentUrl.searchParams.append(k, v);
  const tokenParams: Record<string, string> = {};
  for (const name of p.protocol.tokenParamsFromCallback ?? []) {
    const value = params.get(name);
    if (value) tokenParams[name] = value;
  }

  try {
    const response = await oidc.authorizationCodeGrant(
      config,
      currentUrl,
      { expectedState: started.state, pkceCodeVerifier: started.codeVerifier, expectedNonce: p.protocol.kind === 'oidc' ? started.nonce : undefined, idTokenExpected: p.protocol.kind === 'oidc' },
      tokenParams,
    );
    const tokens = tokenInfo(response);
    const idClaims = response.id_token ? (response.claims() as Doc | undefined) : undefined;
    const ctx = fetchContext(runtime, config, p, tokens, idClaims, params, undefined);
    const doc = await p.adapter.fetch(ctx);
    return identityOf(p, tokens, doc, typeof idClaims?.sub === 'string' ? idClaims.sub : undefined);
  } catch (err) {
    const failure = grantFailure(err);
    if (failure.kind !== 'denied') runtime.log.info({ provider: p.specifier, kind: failure.kind, err: loggable(err) }, 'upstream sign-in failed');
    throw failure;
  }
}

const TOKEN_MEMBERS = new Set(['access_token', 'refresh_token', 'id_token', 'token_type', 'expires_in', 'scope']);

function tokenInfo(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): TokenInfo {
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(response)) {
    if (TOKEN_MEMBERS.has(k) || Object.keys(extra).length >= 20) continue;
    if ((typeof v === 'string' && v.length <= 512) || typeof v === 'number') extra[k] = String(v);
  }
  const expiresIn = response.expiresIn();
  return compact({
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    expiresAt: expiresIn === undefined ? undefined : Date.now() + expiresIn * 1000,
    scope: response.scope,
    extra,
  });
}

function fetchContext(runtime: Runtime, config: oidc.Configuration, p: ResolvedProvider, tokens: TokenInfo, idClaims: Doc | undefined, callback: URLSearchParams | undefined, subject: string | undefined): FetchContext {
  const transport = transportFor(runtime);
  return {
    tokens,
    idClaims,
    callback,
    client: p.client,
    async userInfo() {
      if (!config.serverMetadata().userinfo_endpoint) return {};
      const expected = typeof idClaims?.sub === 'string' ? idClaims.sub : subject;
      return (await oidc.fetchUserInfo(config, tokens.accessToken, expected ?? oidc.skipSubjectCheck)) as Doc;
    },
    async json(url: string, options: JsonRequest = {}) {
      const target = checkUpstreamUrl(url);
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'Openrain', ...options.headers };
      const auth = options.auth ?? 'bearer';
      if (auth === 'bearer') headers.authorization = `Bearer ${tokens.accessToken}`;
      if (auth === 'oauth') headers.authorization = `OAuth ${tokens.accessToken}`;
      let body: string | undefined;
      if (options.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(options.form).toString();
      }
      // No redirects: the token must only ever go to the URL the provider's description names.
      const res = await transport(target.href, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
      if (Number(res.headers.get('content-length') ?? 0) > MAX_API_BODY) throw new UpstreamHttpError(res.status, `${target.host} answered too much`);
      const text = await res.text();
      if (text.length > MAX_API_BODY) throw new UpstreamHttpError(res.status, `${target.host} answered too much`);
      if (!res.ok) throw new UpstreamHttpError(res.status, `${target.host} answered HTTP ${res.status}`);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new UpstreamHttpError(res.status, `${target.host} did not answer JSON`);
      }
    },
  };
}

function identityOf(p: ResolvedProvider, tokens: TokenInfo, doc: Doc, subject: string | undefined): SignedInIdentity {
  const { identifier, ...rest } = p.adapter.profile(doc);
  if (typeof identifier !== 'string' || identifier === '') throw new MissingIdentity('identifier');
  const profile = compact({ identifier, providerName: p.providerName, ...rest }) as JanrainProfile;
  return {
    profile,
    accessCredentials: compact(p.adapter.credentials(tokens, doc)),
    mergedPoco: mergedPoco(profile),
    upstreamTokens: compact({
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      scope: tokens.scope,
      subject,
      extra: Object.keys(tokens.extra).length ? tokens.extra : undefined,
    }),
  };
}

/** Errors of get_user_data / get_contacts calls, as Social Login codes. */
function apiFailure(runtime: Runtime, specifier: string, err: unknown): SocialError {
  if (err instanceof SocialError) return err;
  if (err instanceof oidc.ResponseBodyError && (err.error === 'invalid_grant' || err.error === 'invalid_token' || err.error === 'unauthorized_client')) return socialErrors.credentialsRevoked();
  if (err instanceof oidc.WWWAuthenticateChallengeError) return socialErrors.credentialsRevoked();
  if (err instanceof UpstreamHttpError && (err.status === 401 || err.status === 403)) return socialErrors.credentialsRevoked();
  runtime.log.warn({ err: loggable(err), provider: specifier }, 'upstream API call failed');
  return socialErrors.providerFailure(`${specifier}: ${err instanceof UpstreamHttpError ? err.message : 'the provider could not be used'}`);
}

function toTokenInfo(tokens: UpstreamTokens): TokenInfo {
  return compact({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt, scope: tokens.scope, extra: tokens.extra ?? {} });
}

const REFRESH_MARGIN_MS = 60_000;

/**
 * get_user_data: a fresh profile with the stored tokens, refreshing them first when they have
 * expired and the provider issued a refresh token. Answers the tokens to keep (changed or not).
 */
export async function refreshProfile(runtime: Runtime, app: AppRow, specifier: string, tokens: UpstreamTokens): Promise<{ identity: SignedInIdentity; tokens: UpstreamTokens }> {
  const p = await resolveProvider(runtime, app, specifier);
  if (p.protocol.profileOnlyAtSignIn) throw socialErrors.unsupported(`${p.specifier} does not offer the user's profile after sign-in`);
  if (!tokens?.accessToken) throw socialErrors.missingThirdPartyCredentials();
  const config = await configurationFor(runtime, p);
  try {
    let current = toTokenInfo(tokens);
    let idClaims: Doc | undefined;
    if (current.refreshToken && current.expiresAt !== undefined && current.expiresAt - REFRESH_MARGIN_MS <= Date.now()) {
      const response = await oidc.refreshTokenGrant(config, current.refreshToken);
      const fresh = tokenInfo(response);
      current = { ...fresh, refreshToken: fresh.refreshToken ?? current.refreshToken, extra: { ...current.extra, ...fresh.extra } };
      idClaims = response.id_token ? (response.claims() as Doc | undefined) : undefined;
      if (tokens.subject && idClaims?.sub !== undefined && idClaims.sub !== tokens.subject) throw socialErrors.providerFailure(`${p.specifier}: the refreshed tokens belong to another user`);
    }
    const ctx = fetchContext(runtime, config, p, current, idClaims, undefined, tokens.subject);
    const doc = await p.adapter.fetch(ctx);
    const identity = identityOf(p, current, doc, tokens.subject);
    return { identity, tokens: identity.upstreamTokens };
  } catch (err) {
    throw apiFailure(runtime, p.specifier, err);
  }
}

/** get_contacts through the provider's contacts or friends API; code 11 where there is none today. */
export async function fetchContacts(runtime: Runtime, app: AppRow, specifier: string, tokens: UpstreamTokens, options: { contactType?: string }): Promise<ContactsPage> {
  const p = await resolveProvider(runtime, app, specifier);
  const contacts = p.adapter.contacts;
  if (!contacts) throw socialErrors.unsupported(`${p.specifier} has no contacts API`);
  if (!tokens?.accessToken) throw socialErrors.missingThirdPartyCredentials();
  const config = await configurationFor(runtime, p);
  try {
    return await contacts(fetchContext(runtime, config, p, toTokenInfo(tokens), undefined, undefined, tokens.subject), options.contactType);
  } catch (err) {
    throw apiFailure(runtime, p.specifier, err);
  }
}

/**
 * Which catalog provider an identifier belongs to (its Janrain shape), for calls that name a
 * user by identifier. Identifiers of an application's own providers need the application:
 * see providerOfIdentifierForApp.
 */
export function providerOfIdentifier(identifier: string): string | undefined {
  return liveProviders.find((p) => p.upstream.adapter.identifies(identifier))?.specifier;
}

/** providerOfIdentifier, also knowing the application's own providers (generic and demo). */
export async function providerOfIdentifierForApp(runtime: Runtime, app: AppRow, identifier: string): Promise<string | undefined> {
  const known = providerOfIdentifier(identifier);
  if (known) return known;
  for (const own of await listCustomProviders(runtime.store.db, runtime.sealer, app.id)) {
    const adapter = own.config.kind === 'demo' ? demoUpstream(runtime.config).adapter : customUpstream(own.config).adapter;
    if (adapter.identifies(identifier)) return own.specifier;
  }
  return undefined;
}
