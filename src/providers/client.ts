import * as oidc from 'openid-client';
import { digest } from '../crypto/secrets.js';
import type { Protocol } from './spec.js';

/** How one HTTP request leaves Openrain: global fetch, or an in-process handler (the demo provider). */
export type Transport = (url: string, init: RequestInit) => Promise<Response>;

/** Seconds an upstream request may take before sign-in gives up on it. */
export const UPSTREAM_TIMEOUT_SECONDS = 10;

/**
 * In-process transports, per server (keyed by its runtime object): the demo provider is part of
 * the same server, and a server cannot always reach itself through its public URL (a proxy in
 * front, a test port), so requests to the demo issuer are handed to the server directly.
 */
const localTransports = new WeakMap<object, { prefix: string; transport: Transport }[]>();

export function registerLocalTransport(owner: object, prefix: string, transport: Transport): void {
  const list = localTransports.get(owner) ?? [];
  list.push({ prefix, transport });
  localTransports.set(owner, list);
}

export function transportFor(owner: object): Transport {
  return (url, init) => {
    const local = localTransports.get(owner)?.find((t) => url === t.prefix || url.startsWith(`${t.prefix}/`));
    return local ? local.transport(url, init) : fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(UPSTREAM_TIMEOUT_SECONDS * 1000) });
  };
}

/**
 * Plain-http upstream URLs are accepted only on loopback hosts (a provider run on the same
 * machine during development or in tests); everything else must be https.
 */
export function isLoopbackHttp(url: URL): boolean {
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function checkUpstreamUrl(text: string): URL {
  const url = new URL(text);
  if (url.protocol !== 'https:' && !isLoopbackHttp(url)) throw new Error(`${text}: upstream URLs must use https (plain http only on loopback hosts)`);
  return url;
}

/**
 * Token responses of OAuth 2.0 providers that predate or ignore RFC 6749's details: a missing or
 * provider-specific `token_type` (Sina Weibo, Odnoklassniki's "session"), form-encoded or
 * text/plain bodies, and errors reported with HTTP 200 (GitHub). The token is a bearer token in
 * every case; the response is rewritten into the standard shape before openid-client reads it.
 */
async function standardTokenResponse(res: Response): Promise<Response> {
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    body = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    body = Object.fromEntries(new URLSearchParams(text));
  }
  let status = res.status;
  if (status === 200 && typeof body.access_token !== 'string' && typeof body.error === 'string') status = 400;
  if (typeof body.access_token === 'string') {
    const type = typeof body.token_type === 'string' ? body.token_type.toLowerCase() : '';
    if (type !== 'bearer' && type !== 'dpop') body.token_type = 'bearer';
  }
  const headers = new Headers(res.headers);
  headers.set('content-type', 'application/json');
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(JSON.stringify(body), { status, statusText: res.statusText, headers });
}

interface CacheEntry {
  config: Promise<oidc.Configuration>;
  expires: number;
}

const CONFIG_TTL = 60 * 60 * 1000;
const CONFIG_CACHE_SIZE = 1000;
const configCaches = new WeakMap<object, Map<string, CacheEntry>>();

/**
 * The openid-client configuration for one provider and client: discovered (OpenID Connect) or
 * built from the catalog's endpoints (OAuth 2.0). Discovery results are kept for an hour.
 */
export function clientConfiguration(owner: object, protocol: Protocol, client: { clientId: string; clientSecret: string }): Promise<oidc.Configuration> {
  let cache = configCaches.get(owner);
  if (!cache) {
    cache = new Map();
    configCaches.set(owner, cache);
  }
  const key = [protocol.kind, protocol.issuer, protocol.kind === 'oauth2' ? `${protocol.authorizationEndpoint} ${protocol.tokenEndpoint}` : '', protocol.clientAuth ?? '', client.clientId, digest(client.clientSecret)].join('\n');
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.expires > now) return hit.config;
  if (cache.size >= CONFIG_CACHE_SIZE) {
    for (const [k, v] of cache) if (v.expires <= now) cache.delete(k);
    if (cache.size >= CONFIG_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  const config = buildConfiguration(owner, protocol, client);
  cache.set(key, { config, expires: now + CONFIG_TTL });
  // A failed discovery is not remembered: the next sign-in tries again.
  config.catch(() => cache.delete(key));
  return config;
}

async function buildConfiguration(owner: object, protocol: Protocol, client: { clientId: string; clientSecret: string }): Promise<oidc.Configuration> {
  const auth = protocol.clientAuth === 'client_secret_basic' ? oidc.ClientSecretBasic(client.clientSecret) : oidc.ClientSecretPost(client.clientSecret);
  const transport = transportFor(owner);
  const issuer = checkUpstreamUrl(protocol.issuer);
  const insecure = issuer.protocol === 'http:';
  if (protocol.kind === 'oidc') {
    const config = await oidc.discovery(issuer, client.clientId, undefined, auth, {
      execute: insecure ? [oidc.allowInsecureRequests] : [],
      [oidc.customFetch]: (url, init) => transport(url, init as RequestInit),
      timeout: UPSTREAM_TIMEOUT_SECONDS,
    });
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint'] as const) {
      const value = config.serverMetadata()[endpoint];
      if (value) checkUpstreamUrl(value);
    }
    return config;
  }
  const tokenEndpoint = checkUpstreamUrl(protocol.tokenEndpoint).href;
  checkUpstreamUrl(protocol.authorizationEndpoint);
  const config = new oidc.Configuration({ issuer: protocol.issuer, authorization_endpoint: protocol.authorizationEndpoint, token_endpoint: tokenEndpoint }, client.clientId, undefined, auth);
  config[oidc.customFetch] = async (url, init) => {
    const res = await transport(url, init as RequestInit);
    return url === tokenEndpoint ? standardTokenResponse(res) : res;
  };
  config.timeout = UPSTREAM_TIMEOUT_SECONDS;
  if (insecure || new URL(tokenEndpoint).protocol === 'http:') oidc.allowInsecureRequests(config);
  return config;
}
