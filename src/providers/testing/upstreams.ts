/**
 * Real upstream identity providers for tests (no mocks): an OpenID Connect provider run with
 * oidc-provider and configured like Google (discovery, PKCE required, UserInfo, refresh
 * tokens), and a small OAuth 2.0-only server (authorize / token / user-info, no discovery, a
 * token response without token_type as some real providers send). Plus a browser stand-in
 * that follows redirects with a cookie jar.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import type { KoaContextLike } from 'oidc-provider';
import { loadOidcProvider } from '../demo/idp.js';
import { exportJWK, generateKeyPair } from 'jose';

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface TestAccount {
  sub: string;
  claims: Record<string, unknown>;
}

export const ALICE: TestAccount = {
  sub: 'alice-0001',
  claims: { name: 'Alice Example', given_name: 'Alice', family_name: 'Example', email: 'alice@example.com', email_verified: true, preferred_username: 'alice', picture: 'https://img.example.com/alice.png', locale: 'en' },
};

export interface OidcUpstream {
  issuer: string;
  /** Who the next interaction signs in as. */
  signInAs(account: TestAccount): void;
  /** The next interaction ends with this authorization error instead (`access_denied`). */
  denyNext(error?: string): void;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** An OpenID Connect provider shaped like Google's, on a loopback port. */
export async function startOidcUpstream(clients: TestClient[]): Promise<OidcUpstream> {
  const server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  let account = ALICE;
  let denial: string | undefined;
  const accounts = new Map<string, TestAccount>([[ALICE.sub, ALICE]]);
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const Provider = await loadOidcProvider();
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    })),
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    findAccount: async (_ctx: unknown, id: string) => {
      const a = accounts.get(id);
      return a && { accountId: a.sub, claims: async () => ({ sub: a.sub, ...a.claims }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture', 'locale'] },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 86400, Interaction: 600, Session: 3600, Grant: 86400 },
    loadExistingGrant: async (ctx: KoaContextLike) => {
      const { oidc } = ctx;
      if (!oidc.client || !oidc.session?.accountId) return undefined;
      const grant = new oidc.provider.Grant({ accountId: oidc.session.accountId, clientId: oidc.client.clientId });
      grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
      await grant.save();
      return grant;
    },
  });
  const handle = provider.callback();
  server.on('request', (req, res) => {
    if (!req.url?.startsWith('/interaction/')) return handle(req, res);
    // The user signs in (and consents) at once, as whoever the test chose.
    const result = denial ? { error: denial } : { login: { accountId: account.sub } };
    denial = undefined;
    provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false }).catch(() => {
      res.statusCode = 400;
      res.end('interaction failed');
    });
  });
  return {
    issuer,
    signInAs(a) {
      accounts.set(a.sub, a);
      account = a;
    },
    denyNext(error = 'access_denied') {
      denial = error;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface OAuth2Upstream {
  base: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userInfoEndpoint: string;
  /** The user-info document the next token's holder gets. */
  user: Record<string, unknown>;
  /** Rejects the next authorization request with this error. */
  denyNext(error?: string): void;
  /** Makes every access token issued so far invalid (a revoked grant). */
  revokeAll(): void;
  close(): Promise<void>;
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * An OAuth 2.0-only provider (no discovery, no ID token): `/authorize`, `/token`
 * (client_secret_post or Basic; PKCE S256 checked when a challenge was sent; refresh tokens)
 * and `/userinfo` answering `{data:{…}}` like X's API.
 */
export async function startOAuth2Upstream(client: TestClient): Promise<OAuth2Upstream> {
  const app: FastifyInstance = Fastify();
  await app.register(formbody);
  const codes = new Map<string, { redirectUri: string; challenge?: string; scope: string }>();
  const tokens = new Set<string>();
  const refreshTokens = new Set<string>();
  let denial: string | undefined;
  const state = {
    user: { id: 1001, login: 'bob', mail: 'bob@example.org', mail_confirmed: true, full_name: 'Bob Builder', avatar: 'https://img.example.org/bob.png' } as Record<string, unknown>,
  };

  app.get<{ Querystring: Record<string, string> }>('/authorize', async (request, reply) => {
    const q = request.query;
    if (q.client_id !== client.clientId || !client.redirectUris.includes(q.redirect_uri) || q.response_type !== 'code') return reply.code(400).send('bad authorization request');
    const target = new URL(q.redirect_uri);
    if (q.state) target.searchParams.set('state', q.state);
    if (denial) {
      target.searchParams.set('error', denial);
      denial = undefined;
      return reply.redirect(target.href, 302);
    }
    if (q.code_challenge && q.code_challenge_method !== 'S256') return reply.code(400).send('only S256');
    const code = randomBytes(16).toString('hex');
    codes.set(code, { redirectUri: q.redirect_uri, challenge: q.code_challenge, scope: q.scope ?? '' });
    target.searchParams.set('code', code);
    return reply.redirect(target.href, 302);
  });

  app.post<{ Body: Record<string, string> }>('/token', async (request, reply) => {
    const body = request.body ?? {};
    let id = body.client_id;
    let secret = body.client_secret;
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '');
    if (basic) [id, secret] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
    if (id !== client.clientId || secret !== client.clientSecret) return reply.code(401).send({ error: 'invalid_client' });
    const issue = (scope: string) => {
      const access = randomBytes(16).toString('hex');
      const refresh = randomBytes(16).toString('hex');
      tokens.add(access);
      refreshTokens.add(refresh);
      // No token_type, as Sina Weibo answers: the client must cope.
      return { access_token: access, refresh_token: refresh, expires_in: 3600, scope, uid: String(state.user.id) };
    };
    if (body.grant_type === 'authorization_code') {
      const grant = codes.get(body.code);
      codes.delete(body.code);
      if (!grant || grant.redirectUri !== body.redirect_uri) return reply.code(400).send({ error: 'invalid_grant' });
      if (grant.challenge && (!body.code_verifier || s256(body.code_verifier) !== grant.challenge)) return reply.code(400).send({ error: 'invalid_grant', error_description: 'PKCE verification failed' });
      return issue(grant.scope);
    }
    if (body.grant_type === 'refresh_token') {
      if (!refreshTokens.delete(body.refresh_token)) return reply.code(400).send({ error: 'invalid_grant' });
      return issue('');
    }
    return reply.code(400).send({ error: 'unsupported_grant_type' });
  });

  app.get('/userinfo', async (request, reply) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!token || !tokens.has(token)) return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: 'invalid_token' });
    return { data: state.user };
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    base,
    authorizationEndpoint: `${base}/authorize`,
    tokenEndpoint: `${base}/token`,
    userInfoEndpoint: `${base}/userinfo`,
    get user() {
      return state.user;
    },
    set user(value) {
      state.user = value;
    },
    denyNext(error = 'access_denied') {
      denial = error;
    },
    revokeAll() {
      tokens.clear();
      refreshTokens.clear();
    },
    close: () => app.close(),
  };
}

/** A browser stand-in: cookies per host, redirects followed by hand so that a callback can be caught. */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  private cookieHeader(url: URL): Record<string, string> {
    const cookies = this.jar.get(url.host);
    return cookies?.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  private keep(url: URL, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const map = this.jar.get(url.host) ?? new Map<string, string>();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) map.delete(pair.slice(0, eq).trim());
      else map.set(pair.slice(0, eq).trim(), value);
      this.jar.set(url.host, map);
    }
  }

  /** One request, no redirect following. */
  async request(url: URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = this.cookieHeader(url);
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), redirect: 'manual', headers, body });
    this.keep(url, res);
    return res;
  }

  /**
   * Follows redirects from `start` until one leads to `stopAt` (answered without requesting
   * it) or a page that is not a redirect (answered with its response).
   */
  async follow(start: URL | string, stopAt: string, first?: Response, maxHops = 20): Promise<{ url: URL; response?: Response }> {
    let current = new URL(start);
    let res = first;
    for (let hop = 0; hop < maxHops; hop++) {
      if (!res) {
        if (current.href.startsWith(stopAt)) return { url: current };
        res = await this.request(current);
      }
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { url: current, response: res };
      await res.arrayBuffer().catch(() => undefined);
      current = new URL(location, current);
      res = undefined;
    }
    throw new Error('too many redirects');
  }
}

/** Follows an authorization URL through a provider that signs in without a page, to its callback URL. */
export async function followToCallback(url: string, callbackPrefix: string): Promise<URL> {
  const { url: end, response } = await new Browser().follow(url, callbackPrefix);
  if (response) throw new Error(`the flow stopped at ${end.href} with HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return end;
}
