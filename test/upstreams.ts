import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK } from 'jose';
import Provider, { type KoaContextLike } from 'oidc-provider';

/**
 * Upstream identity providers run inside a test, for the sign-in flow end to end:
 * - `startOidcUpstream`: a real OpenID Connect provider (panva's oidc-provider) answering as
 *   Google does: discovery, PKCE required, ID tokens, UserInfo, refresh tokens;
 * - `startOAuth2Upstream`: an OAuth 2.0-only authorization server (RFC 6749 code grant with
 *   PKCE, no ID token) with GitHub's user API (`/user`, `/user/emails`).
 * Each listens on a loopback port but answers for the provider's real origins: the test's
 * `TestBrowser` and Openrain's upstream transport (`registerLocalTransport`) send requests for
 * those origins to it, so the server under test runs its unmodified catalog entries.
 */

/** Who signs in at the upstream next, or that the person refuses. */
export interface Persona {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  preferred_username?: string;
  picture?: string;
  /** GitHub's login (OAuth 2.0 upstream). */
  login?: string;
  /** The address book Google's People API answers for this person. */
  contacts?: Array<{ name: string; email: string }>;
}

export type NextSignIn = { persona: Persona } | { deny: true };

export interface Upstream {
  /** The origins this upstream answers for (`https://accounts.google.com`). */
  origins: string[];
  /** Where it really listens (`http://127.0.0.1:PORT`). */
  url: string;
  clientId: string;
  clientSecret: string;
  /** Registers a redirect URI of the test client. */
  allowRedirectUri(uri: string): void;
  /** What the next authorization request ends with (default: the first persona). */
  next(outcome: NextSignIn): void;
  /** Changes what the provider's APIs answer about a person who signed in (same `sub`). */
  update(persona: Persona): void;
  /** For Openrain's `registerLocalTransport`: server-side requests to `origins`. */
  transport(url: string, init: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function close(server: Server): Promise<void> {
  return new Promise((done) => {
    server.closeAllConnections();
    server.close(() => done());
  });
}

/** Forwards a server-side request for one of `origins` to the loopback server, keeping its origin in X-Forwarded-*. */
function forwarder(origins: string[], url: () => string) {
  return async (target: string, init: RequestInit): Promise<Response> => {
    const parsed = new URL(target);
    if (!origins.includes(parsed.origin)) throw new TypeError(`fetch failed: ${parsed.origin} is not served by this upstream`);
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-host', parsed.host);
    headers.set('x-forwarded-proto', parsed.protocol.replace(':', ''));
    return fetch(`${url()}${parsed.pathname}${parsed.search}`, { ...init, headers });
  };
}

const DEFAULT_PERSONA: Persona = {
  sub: '108273645546372819203',
  email: 'sam.knot@example.com',
  email_verified: true,
  name: 'Sam Knot',
  given_name: 'Sam',
  family_name: 'Knot',
  picture: 'https://lh3.googleusercontent.com/a/sam=s96-c',
  login: 'samknot',
};

/**
 * An OpenID Connect provider configured like Google (issuer `https://accounts.google.com` by
 * default): discovery, S256 PKCE required, RS256 ID tokens with nonce, UserInfo, refresh tokens.
 * Login and consent happen without a page: the interaction ends with `next`'s outcome. With
 * `pages`, a person signs in instead, as at Google: an email page, then a consent page whose
 * Allow or Deny decides (`next` names the account that exists; browser tests use this).
 */
export async function startOidcUpstream(options: { issuer?: string; pages?: boolean } = {}): Promise<Upstream> {
  const issuer = options.issuer ?? 'https://accounts.google.com';
  const clientId = `client-${randomBytes(6).toString('hex')}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const redirectUris = new Set<string>();
  let outcome: NextSignIn = { persona: DEFAULT_PERSONA };
  const accounts = new Map<string, Persona>();

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomBytes(6).toString('hex'), alg: 'RS256', use: 'sig' };
  const stores = new Map<string, Map<string, Record<string, unknown>>>();
  const clientMetadata = () => ({
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [...redirectUris],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  });
  class MemoryAdapter {
    private readonly entries: Map<string, Record<string, unknown>>;
    constructor(private readonly name: string) {
      this.entries = stores.get(name) ?? new Map();
      stores.set(name, this.entries);
    }
    async upsert(id: string, payload: Record<string, unknown>) {
      this.entries.set(id, { ...payload });
    }
    async find(id: string) {
      if (this.name === 'Client') return id === clientId ? clientMetadata() : undefined;
      return this.entries.get(id);
    }
    async findByUid(uid: string) {
      return [...this.entries.values()].find((e) => e.uid === uid);
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const entry = this.entries.get(id);
      if (entry) entry.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      this.entries.delete(id);
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, v] of this.entries) if (v.grantId === grantId) this.entries.delete(k);
    }
  }

  const provider = new Provider(issuer, {
    adapter: MemoryAdapter,
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    findAccount: async (_ctx: unknown, id: string) => {
      const persona = accounts.get(id);
      return persona && { accountId: id, claims: async () => ({ ...(accounts.get(id) ?? persona), login: undefined, contacts: undefined }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture'] },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, userinfo: { enabled: true } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    issueRefreshToken: async () => true,
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 86400, Interaction: 600, Session: 3600, Grant: 86400 },
    loadExistingGrant: async (ctx: KoaContextLike) => {
      const { oidc } = ctx;
      const accountId = oidc.session?.accountId;
      if (!oidc.client || !accountId) return undefined;
      const grant = new oidc.provider.Grant({ accountId, clientId: oidc.client.clientId });
      grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
      await grant.save();
      return grant;
    },
  });
  provider.proxy = true;
  const handle = provider.callback();

  // Google's People API (get_contacts), answered for this provider's access tokens.
  const people = async (req: IncomingMessage, res: ServerResponse) => {
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const found = token ? await (provider as unknown as { AccessToken: { find(t: string): Promise<{ accountId: string } | undefined> } }).AccessToken.find(token) : undefined;
    const persona = found && accounts.get(found.accountId);
    res.writeHead(persona ? 200 : 401, { 'content-type': 'application/json' });
    if (!persona) return res.end(JSON.stringify({ error: { code: 401, status: 'UNAUTHENTICATED' } }));
    const connections = (persona.contacts ?? []).map((c) => ({ names: [{ displayName: c.name }], emailAddresses: [{ value: c.email, type: 'home' }] }));
    res.end(JSON.stringify({ connections, totalPeople: connections.length, totalItems: connections.length }));
  };

  /** The sign-in pages of `pages` mode: /interaction/:uid (email), …/login (consent), …/consent (decision). */
  const interactionPages = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const page = (title: string, body: string) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`);
    };
    const esc = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    try {
      const [, , uid, step] = path.split('/');
      const details = await provider.interactionDetails(req, res);
      const persona = 'persona' in outcome ? outcome.persona : DEFAULT_PERSONA;
      const form = req.method === 'POST' ? await new Promise<URLSearchParams>((done) => {
        let text = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (text += c));
        req.on('end', () => done(new URLSearchParams(text)));
      }) : new URLSearchParams();
      const emailPage = (error = '') =>
        page('Sign in', `${error ? `<p role="alert">${esc(error)}</p>` : ''}<form method="post" action="/interaction/${esc(uid)}/login"><label>Email <input name="login" type="email" autocomplete="username"></label> <button type="submit">Next</button></form>`);
      if (!step) return emailPage();
      if (step === 'login') {
        if (form.get('login') !== persona.email) return emailPage('No account has this email.');
        return page(
          'Allow access?',
          `<p>${esc(String(details.params.client_id))} wants to see your name, email address and profile picture.</p><form method="post" action="/interaction/${esc(uid)}/consent"><button type="submit" name="decision" value="deny">Deny</button> <button type="submit" name="decision" value="allow">Allow</button></form>`,
        );
      }
      if (form.get('decision') !== 'allow') {
        await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user refused to share their account' }, { mergeWithLastSubmission: false });
        return;
      }
      accounts.set(persona.sub, persona);
      await provider.interactionFinished(req, res, { login: { accountId: persona.sub } }, { mergeWithLastSubmission: false });
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.headers['x-forwarded-host'] === 'people.googleapis.com') return void people(req, res);
    if (!path.startsWith('/interaction/')) return handle(req, res);
    if (options.pages) return void interactionPages(req, res, path);
    void (async () => {
      try {
        await provider.interactionDetails(req, res);
        if ('deny' in outcome) {
          await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user refused to share their account' }, { mergeWithLastSubmission: false });
          return;
        }
        accounts.set(outcome.persona.sub, outcome.persona);
        await provider.interactionFinished(req, res, { login: { accountId: outcome.persona.sub } }, { mergeWithLastSubmission: false });
      } catch (err) {
        res.statusCode = 500;
        res.end(String(err));
      }
    })();
  });
  const url = await listen(server);
  const origins = [new URL(issuer).origin, 'https://people.googleapis.com'];
  return {
    origins,
    url,
    clientId,
    clientSecret,
    allowRedirectUri: (uri) => void redirectUris.add(uri),
    next: (next) => void (outcome = next),
    update: (persona) => void accounts.set(persona.sub, persona),
    transport: forwarder(origins, () => url),
    close: () => close(server),
  };
}

const b64url = (buffer: Buffer) => buffer.toString('base64url');

/**
 * An OAuth 2.0 provider with GitHub's shape: `https://github.com/login/oauth/authorize` and
 * `/login/oauth/access_token` (code grant, S256 PKCE checked when sent), and the user API at
 * `https://api.github.com/user` and `/user/emails`. No OpenID Connect at all.
 */
export async function startOAuth2Upstream(): Promise<Upstream> {
  const clientId = `Iv1.${randomBytes(8).toString('hex')}`;
  const clientSecret = randomBytes(20).toString('hex');
  const redirectUris = new Set<string>();
  let outcome: NextSignIn = { persona: DEFAULT_PERSONA };
  const codes = new Map<string, { redirectUri: string; challenge?: string; sub: string; expires: number }>();
  const personas = new Map<string, Persona>();
  /** Access token → the `sub` it was issued for. */
  const tokens = new Map<string, string>();

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const redirect = (res: ServerResponse, to: URL) => {
    res.writeHead(302, { location: to.href });
    res.end();
  };
  const readForm = (req: IncomingMessage) =>
    new Promise<URLSearchParams>((done) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => done(new URLSearchParams(text)));
    });
  const bearer = (req: IncomingMessage) => {
    const m = /^(?:Bearer|token) (.+)$/i.exec(String(req.headers.authorization ?? ''));
    const sub = m ? tokens.get(m[1]) : undefined;
    return sub === undefined ? undefined : personas.get(sub);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://upstream.invalid');
      if (url.pathname === '/login/oauth/authorize') {
        const redirectUri = url.searchParams.get('redirect_uri') ?? '';
        if (url.searchParams.get('client_id') !== clientId || !redirectUris.has(redirectUri)) return json(res, 400, { error: 'redirect_uri_mismatch' });
        const back = new URL(redirectUri);
        const state = url.searchParams.get('state');
        if (state) back.searchParams.set('state', state);
        if ('deny' in outcome) {
          back.searchParams.set('error', 'access_denied');
          back.searchParams.set('error_description', 'The user has denied your application access.');
          return redirect(res, back);
        }
        const method = url.searchParams.get('code_challenge_method');
        if (url.searchParams.get('code_challenge') && method !== 'S256') return json(res, 400, { error: 'invalid_request' });
        const code = b64url(randomBytes(16));
        personas.set(outcome.persona.sub, outcome.persona);
        codes.set(code, { redirectUri, challenge: url.searchParams.get('code_challenge') ?? undefined, sub: outcome.persona.sub, expires: Date.now() + 60_000 });
        back.searchParams.set('code', code);
        return redirect(res, back);
      }
      if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
        const form = await readForm(req);
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) return json(res, 401, { error: 'invalid_client' });
        if (!grant || grant.expires < Date.now() || grant.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant' });
        const verifier = form.get('code_verifier');
        if (grant.challenge && (!verifier || b64url(createHash('sha256').update(verifier).digest()) !== grant.challenge)) return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        const accessToken = `gho_${randomBytes(18).toString('hex')}`;
        tokens.set(accessToken, grant.sub);
        return json(res, 200, { access_token: accessToken, token_type: 'bearer', scope: 'read:user,user:email' });
      }
      const persona = bearer(req);
      if (url.pathname === '/user' || url.pathname === '/user/emails') {
        if (!persona) return json(res, 401, { message: 'Bad credentials' });
        if (url.pathname === '/user/emails') return json(res, 200, persona.email ? [{ email: persona.email, primary: true, verified: persona.email_verified ?? false, visibility: 'private' }] : []);
        return json(res, 200, {
          id: Number(persona.sub),
          login: persona.login ?? persona.preferred_username,
          name: persona.name ?? null,
          email: null,
          avatar_url: persona.picture ?? null,
          html_url: `https://github.com/${persona.login ?? persona.sub}`,
          location: null,
        });
      }
      return json(res, 404, { message: 'Not Found' });
    })();
  });
  const url = await listen(server);
  const origins = ['https://github.com', 'https://api.github.com'];
  return {
    origins,
    url,
    clientId,
    clientSecret,
    allowRedirectUri: (uri) => void redirectUris.add(uri),
    next: (next) => void (outcome = next),
    update: (persona) => void personas.set(persona.sub, persona),
    transport: forwarder(origins, () => url),
    close: () => close(server),
  };
}

export interface Landing {
  /** The first URL on a host no route maps: the site's token_url. */
  url: URL;
  method: 'GET' | 'POST';
  /** The posted form fields (POST) or the query (GET). */
  fields: Record<string, string>;
}

export interface Hop {
  url: string;
  status: number;
  location?: string;
  contentType?: string;
  body: string;
  headers: IncomingMessage['headers'];
}

type Route = { target: string; forwarded: boolean };

/**
 * A cookie-keeping browser for sign-in flows: follows redirects and submits the auto-posting
 * forms of hosted pages, sending each origin to the server a route names, until it leaves them
 * all (it arrives at the site: `Landing`) or a page stops it (`Hop`, e.g. an error page).
 */
export class TestBrowser {
  private readonly jar = new Map<string, Map<string, { value: string; path: string; expires: number }>>();
  private readonly routes = new Map<string, Route>();
  readonly hops: Hop[] = [];

  /** Requests for `origin` (e.g. `http://app.localhost:8080`) go to `target` (`http://127.0.0.1:PORT`). */
  route(origin: string, target: string, options: { forwarded?: boolean } = {}): this {
    this.routes.set(new URL(origin).origin, { target, forwarded: options.forwarded ?? false });
    return this;
  }

  routeUpstream(upstream: Upstream): this {
    for (const origin of upstream.origins) this.route(origin, upstream.url, { forwarded: true });
    return this;
  }

  /** The cookie values this browser holds for a host. */
  cookies(host: string): Record<string, string> {
    const now = Date.now();
    return Object.fromEntries([...(this.jar.get(host) ?? new Map()).entries()].filter(([, c]) => c.expires > now).map(([k, c]) => [k, c.value]));
  }

  setCookie(host: string, name: string, value: string, path = '/'): void {
    const jar = this.jar.get(host) ?? new Map();
    jar.set(name, { value, path, expires: Number.POSITIVE_INFINITY });
    this.jar.set(host, jar);
  }

  /** Navigates like a browser from `url`; answers where it landed outside the routed origins, or the page that stopped it. */
  async go(url: string, init: { method?: 'GET' | 'POST'; form?: Record<string, string>; /** Stop before requesting a matching URL, as if it were outside. */ until?: (url: URL) => boolean } = {}): Promise<Landing | Hop> {
    let current = new URL(url);
    let method = init.method ?? 'GET';
    let form = init.form;
    for (let i = 0; i < 20; i++) {
      const route = this.routes.get(current.origin);
      if (!route || init.until?.(current)) return { url: current, method, fields: method === 'POST' ? (form ?? {}) : Object.fromEntries(current.searchParams) };
      const hop = await this.send(current, route, method, form);
      this.hops.push(hop);
      if (hop.status >= 300 && hop.status < 400 && hop.location) {
        current = new URL(hop.location, current);
        if (hop.status !== 307 && hop.status !== 308) {
          method = 'GET';
          form = undefined;
        }
        continue;
      }
      const auto = autoForm(hop.body);
      if (hop.status === 200 && auto) {
        current = new URL(auto.action, current);
        method = auto.method;
        form = auto.fields;
        if (method === 'GET') {
          current.search = new URLSearchParams(auto.fields).toString();
          form = undefined;
        }
        continue;
      }
      return hop;
    }
    throw new Error('too many redirects');
  }

  private send(url: URL, route: Route, method: string, form?: Record<string, string>): Promise<Hop> {
    const target = new URL(route.target);
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const headers: Record<string, string | number> = { host: url.host, accept: 'text/html' };
    if (route.forwarded) {
      headers['x-forwarded-host'] = url.host;
      headers['x-forwarded-proto'] = url.protocol.replace(':', '');
    }
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    return new Promise((done, fail) => {
      const req = httpRequest({ hostname: target.hostname, port: target.port, path: `${url.pathname}${url.search}`, method, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          this.storeCookies(url, res.headers['set-cookie'] ?? []);
          done({ url: url.href, status: res.statusCode ?? 0, location: res.headers.location, contentType: res.headers['content-type'], body: text, headers: res.headers });
        });
      });
      req.on('error', fail);
      req.end(body);
    });
  }

  private cookieHeader(url: URL): string {
    const now = Date.now();
    const jar = this.jar.get(url.host);
    if (!jar) return '';
    return [...jar.entries()]
      .filter(([, c]) => c.expires > now && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  private storeCookies(url: URL, lines: string[]): void {
    const jar = this.jar.get(url.host) ?? new Map();
    this.jar.set(url.host, jar);
    for (const line of lines) {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      let path = '/';
      let expires = Number.POSITIVE_INFINITY;
      for (const attribute of attributes) {
        const [k, v = ''] = attribute.split('=');
        if (k.toLowerCase() === 'path') path = v;
        if (k.toLowerCase() === 'max-age') expires = Date.now() + Number(v) * 1000;
        if (k.toLowerCase() === 'expires' && expires === Number.POSITIVE_INFINITY) expires = Date.parse(v);
      }
      if (expires <= Date.now()) jar.delete(name);
      else jar.set(name, { value: pair.slice(eq + 1), path, expires });
    }
  }
}

export const isLanding = (x: Landing | Hop): x is Landing => 'fields' in x;

const decode = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The self-submitting form of a hosted page (a form plus a script that submits it), as a browser would run it. */
function autoForm(html: string): { action: string; method: 'GET' | 'POST'; fields: Record<string, string> } | undefined {
  if (!/<script[^>]*>[^<]*\.submit\(\)/.test(html)) return undefined;
  const form = /<form[^>]*id="(or-continue|or-deliver)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) return undefined;
  const open = form[0].slice(0, form[0].indexOf('>') + 1);
  const action = decode(/action="([^"]*)"/.exec(open)?.[1] ?? '');
  const method = /method="post"/i.test(open) ? 'POST' : 'GET';
  const fields: Record<string, string> = {};
  for (const m of form[2].matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[decode(m[1])] = decode(m[2]);
  return { action, method, fields };
}
