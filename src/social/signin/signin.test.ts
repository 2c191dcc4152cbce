import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/fixtures.js';
import { call, describeEachDatabase, TEST_PARTNER_KEY } from '../../../test/server.js';
import { isLanding, startOAuth2Upstream, startOidcUpstream, TestBrowser, type Hop, type Landing, type Upstream } from '../../../test/upstreams.js';
import { registerLocalTransport } from '../../providers/client.js';
import { findAppByApiKey } from '../../partner/apps.js';
import { findIdentity, updateIdentityTokens } from '../identities.js';
import { PENDING_COOKIE, PENDING_LIFETIME_MS, pendingCookie } from './pending-cookie.js';

/** The public URL test servers are started with; realm hosts are `<realm>.localhost:8080`. */
const PUBLIC = 'http://localhost:8080';
const TOKEN_URL = 'https://www.shop.example/rpx/token?next=%2Faccount';
const ALICE = { sub: '110169484474386276334', email: 'alice@example.com', email_verified: true, name: 'Alice Liddell', given_name: 'Alice', family_name: 'Liddell', login: 'alice' };
const BOB = { sub: '4242', email: 'bob@example.com', email_verified: true, name: 'Bob Builder', login: 'bobthebuilder' };

describeEachDatabase('Social sign-in through real upstream providers', (server) => {
  const api = (path: string, params: Record<string, string> = {}) => call(server().url, `/api/v2/${path}`, params);
  let google: Upstream;
  let github: Upstream;

  beforeAll(async () => {
    google = await startOidcUpstream();
    github = await startOAuth2Upstream();
    const runtime = server().running.runtime;
    for (const upstream of [google, github]) for (const origin of upstream.origins) registerLocalTransport(runtime, origin, upstream.transport);
  });
  afterAll(async () => {
    await google?.close();
    await github?.close();
  });

  const realmOrigin = (app: TestApp) => `http://${app.realm}.localhost:8080`;

  /** An application with Google and GitHub configured through the Partner and Social Login APIs. */
  async function signInApp(settings: Record<string, string> = {}): Promise<TestApp> {
    const app = await createTestApp(server(), { domain: 'www.shop.example' });
    for (const [provider, upstream] of [['google', google], ['github', github]] as const) {
      const set = await call(server().url, '/partner/v2/app/set_properties', { partnerKey: TEST_PARTNER_KEY, apiKey: app.apiKey, provider, consumerKey: upstream.clientId, consumerSecret: upstream.clientSecret });
      expect(set.json).toEqual({ stat: 'ok' });
      upstream.allowRedirectUri(`${realmOrigin(app)}/${provider}/callback`);
      upstream.allowRedirectUri(`${PUBLIC}/${provider}/callback`);
    }
    expect((await api('set_auth_providers', { apiKey: app.apiKey, providers: '["google","github"]' })).json).toEqual({ stat: 'ok' });
    if (Object.keys(settings).length) expect((await api('set_app_settings', { apiKey: app.apiKey, ...settings })).json).toEqual({ stat: 'ok' });
    return app;
  }

  const browser = (app: TestApp) => new TestBrowser().route(realmOrigin(app), server().url).route(PUBLIC, server().url).routeUpstream(google).routeUpstream(github);
  const startUrl = (app: TestApp, provider: string, query: Record<string, string> = {}) => `${realmOrigin(app)}/${provider}/start?${new URLSearchParams({ token_url: TOKEN_URL, ...query })}`;

  function landed(result: Landing | Hop): Landing {
    if (!isLanding(result)) throw new Error(`stopped at ${result.url} with HTTP ${result.status}: ${result.body.slice(0, 400)}`);
    return result;
  }

  function stopped(result: Landing | Hop): Hop {
    if (isLanding(result)) throw new Error(`landed at ${result.url.href} instead of stopping on a page`);
    return result;
  }

  function expectSafePage(hop: Hop, status: number) {
    expect(hop.status).toBe(status);
    expect(hop.location).toBeUndefined();
    expect(hop.contentType).toMatch(/^text\/html/);
    expect(hop.headers['content-security-policy']).toMatch(/default-src 'none'.*script-src 'nonce-[^']+'/);
    expect(hop.headers['x-frame-options']).toBe('DENY');
    expect(hop.headers['referrer-policy']).toBe('no-referrer');
  }

  it('signs in with an OpenID Connect provider configured like Google and answers the normalised profile to auth_info', async () => {
    const app = await signInApp();
    google.next({ persona: ALICE });
    const b = browser(app);
    const landing = landed(await b.go(startUrl(app, 'google')));
    // postToTokenUrl is on by default: an auto-submitted POST to token_url, its query kept.
    expect(landing.url.href).toBe(TOKEN_URL);
    expect(landing.method).toBe('POST');
    expect(landing.fields.token).toMatch(/^[0-9a-f]{40}$/);

    // The pending sign-in cookie: sealed, HttpOnly, SameSite=Lax, scoped to the callback, 10 minutes; gone afterwards.
    const start = b.hops[0];
    expect(start.status).toBe(303);
    expect(new URL(start.location!).origin).toBe('https://accounts.google.com');
    const cookie = String(start.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${PENDING_COOKIE}=v1\\.[\\w.-]+; Path=/google/callback; Max-Age=600; HttpOnly; SameSite=Lax$`));
    expect(cookie).not.toContain(ALICE.email);
    expect(b.cookies(`${app.realm}.localhost:8080`)[PENDING_COOKIE]).toBeUndefined();
    const authorize = new URL(start.location!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${realmOrigin(app)}/google/callback`);

    const info = await api('auth_info', { apiKey: app.apiKey, token: landing.fields.token, extended: 'true' });
    expect(info.status).toBe(200);
    expect(info.json.profile).toMatchObject({
      identifier: `https://www.google.com/profiles/${ALICE.sub}`,
      providerName: 'Google',
      displayName: 'Alice Liddell',
      name: { givenName: 'Alice', familyName: 'Liddell', formatted: 'Alice Liddell' },
      email: ALICE.email,
      verifiedEmail: ALICE.email,
      googleUserId: ALICE.sub,
    });
    expect(info.json.accessCredentials).toMatchObject({ type: 'OAuth', oauthToken: expect.any(String) });
    // The upstream tokens kept for get_user_data are sealed at rest.
    const identities = JSON.stringify(await server().running.runtime.store.db.selectFrom('social_identities').selectAll().execute());
    expect(identities).toContain(info.json.profile.identifier);
    expect(identities).not.toContain(info.json.accessCredentials.oauthToken);
    expect(info.json.merged_poco).toMatchObject({ emails: [expect.objectContaining({ value: ALICE.email })] });
    // One-time by default.
    expect((await api('auth_info', { apiKey: app.apiKey, token: landing.fields.token })).json.err.code).toBe(2);
  });

  it('signs in with an OAuth 2.0-only provider (GitHub) and sends the token by GET when postToTokenUrl is off', async () => {
    const app = await signInApp({ postToTokenUrl: 'false' });
    github.next({ persona: BOB });
    const b = browser(app);
    const landing = landed(await b.go(startUrl(app, 'github')));
    expect(landing.method).toBe('GET');
    expect(landing.url.origin + landing.url.pathname).toBe('https://www.shop.example/rpx/token');
    expect(landing.fields.next).toBe('/account');
    expect(landing.fields.token).toMatch(/^[0-9a-f]{40}$/);
    const redirect = b.hops.at(-1)!;
    expect(redirect.status).toBe(302);
    expect(redirect.headers['referrer-policy']).toBe('no-referrer');
    // No nonce, but state and PKCE.
    const authorize = new URL(b.hops[0].location!);
    expect(authorize.origin).toBe('https://github.com');
    expect(authorize.searchParams.get('nonce')).toBeNull();
    expect(authorize.searchParams.get('code_challenge')).toBeTruthy();

    // The site may pass the URL it was called on as tokenUrl.
    const info = await api('auth_info', { apiKey: app.apiKey, token: landing.fields.token, tokenUrl: landing.url.href });
    expect(info.json.profile).toMatchObject({ identifier: `https://github.com#${BOB.sub}`, providerName: 'GitHub', preferredUsername: BOB.login, email: BOB.email, verifiedEmail: BOB.email });
  });

  it('maps the identifiers that signed in, reports the primary key on the next sign-in, and unmaps them (JSON and XML)', async () => {
    const app = await signInApp();
    google.next({ persona: ALICE });
    github.next({ persona: BOB });
    const identifiers: string[] = [];
    for (const provider of ['google', 'github']) {
      const landing = landed(await browser(app).go(startUrl(app, provider)));
      identifiers.push((await api('auth_info', { apiKey: app.apiKey, token: landing.fields.token })).json.profile.identifier);
    }
    for (const identifier of identifiers) expect((await api('map', { apiKey: app.apiKey, identifier, primaryKey: 'user-17' })).json).toEqual({ stat: 'ok' });
    await api('map', { apiKey: app.apiKey, identifier: identifiers[0], primaryKey: 'user-17' });
    expect((await api('mappings', { apiKey: app.apiKey, primaryKey: 'user-17' })).json).toEqual({ stat: 'ok', identifiers });
    expect((await api('all_mappings', { apiKey: app.apiKey })).json).toEqual({ stat: 'ok', mappings: { 'user-17': identifiers } });
    expect((await api('all_mappings', { apiKey: app.apiKey, format: 'xml' })).text).toContain(
      `<mappings><mapping><primaryKey>user-17</primaryKey><identifiers><identifier>${identifiers[0]}</identifier><identifier>${identifiers[1]}</identifier></identifiers></mapping></mappings>`,
    );

    const again = landed(await browser(app).go(startUrl(app, 'github')));
    expect((await api('auth_info', { apiKey: app.apiKey, token: again.fields.token })).json.profile.primaryKey).toBe('user-17');

    expect((await api('unmap', { apiKey: app.apiKey, identifier: identifiers[1], primaryKey: 'user-17' })).json).toEqual({ stat: 'ok' });
    expect((await api('mappings', { apiKey: app.apiKey, primaryKey: 'user-17', format: 'xml' })).text).toContain(`<identifiers><identifier>${identifiers[0]}</identifier></identifiers>`);
    expect((await api('unmap', { apiKey: app.apiKey, primaryKey: 'user-17', all_identifiers: 'true' })).json).toEqual({ stat: 'ok' });
    expect((await api('all_mappings', { apiKey: app.apiKey })).json.mappings).toEqual({});
  });

  it('refuses a token_url outside the whitelist with a 400 page, never a redirect', async () => {
    const app = await signInApp();
    for (const tokenUrl of ['https://evil.example/steal', 'javascript:alert(1)', 'https://www.shop.example.evil.example/x', 'https://user@www.shop.example/x']) {
      const hop = stopped(await browser(app).go(startUrl(app, 'google', { token_url: tokenUrl })));
      expectSafePage(hop, 400);
      expect(hop.headers['set-cookie']).toBeUndefined();
    }
    const marked = stopped(await browser(app).go(startUrl(app, 'google', { token_url: 'https://evil.example/"><script>alert(1)</script>' })));
    expectSafePage(marked, 400);
    expect(marked.body).not.toContain('<script>alert(1)');
    expect(marked.body).toContain('&lt;script&gt;alert(1)');
    expectSafePage(stopped(await browser(app).go(`${realmOrigin(app)}/google/start`)), 400);
    // The chooser checks it too.
    expectSafePage(stopped(await browser(app).go(`${realmOrigin(app)}/openid/v2/signin?token_url=${encodeURIComponent('https://evil.example/')}`)), 400);
  });

  it('fails a callback that reaches another browser, a forged or expired pending cookie, and a tampered state', async () => {
    const app = await signInApp();
    const host = `${app.realm}.localhost:8080`;
    const isCallback = (url: URL) => url.pathname === '/google/callback';
    const a = browser(app);
    const atCallback = landed(await a.go(startUrl(app, 'google'), { until: isCallback }));

    // Another browser has no pending cookie: a page, no token anywhere.
    const other = stopped(await browser(app).go(atCallback.url.href));
    expectSafePage(other, 400);
    expect(other.body).toContain('not started in this browser');

    // A tampered state comes back to token_url as an error, without a token.
    const tampered = new URL(atCallback.url);
    tampered.searchParams.set('state', 'x'.repeat(43));
    const refused = landed(await a.go(tampered.href));
    expect(refused.url.href).toBe(TOKEN_URL);
    expect(refused.fields).toEqual({ error: 'invalid_state', error_description: expect.stringContaining('does not belong to this sign-in') });
    // The pending sign-in is spent: the genuine callback now fails too.
    expectSafePage(stopped(await a.go(atCallback.url.href)), 400);

    // A forged cookie.
    const c = browser(app);
    const second = landed(await c.go(startUrl(app, 'google'), { until: isCallback }));
    c.setCookie(host, PENDING_COOKIE, 'v1.AAAA.BBBB.CCCC', '/google/callback');
    const forged = stopped(await c.go(second.url.href));
    expectSafePage(forged, 400);
    expect(forged.body).toContain('could not be verified');

    // A cookie sealed with our key but older than the pending lifetime.
    const d = browser(app);
    const third = landed(await d.go(startUrl(app, 'google'), { until: isCallback }));
    const { sealer } = server().running.runtime;
    const sealed = pendingCookie(sealer, { app: app.appId, provider: 'google', tokenUrl: TOKEN_URL, delivery: { mode: 'redirect' }, redirectUri: `${realmOrigin(app)}/google/callback`, issuedAt: Date.now() - PENDING_LIFETIME_MS - 1000, upstream: {} }, { path: '/google/callback', secure: false });
    d.setCookie(host, PENDING_COOKIE, sealed.split(';')[0].split('=')[1], '/google/callback');
    const expired = stopped(await d.go(third.url.href));
    expectSafePage(expired, 400);
    expect(expired.body).toContain('took too long');
  });

  it('returns access_denied to token_url when the person refuses at the provider', async () => {
    const app = await signInApp({ postToTokenUrl: 'false' });
    for (const [provider, upstream] of [['google', google], ['github', github]] as const) {
      upstream.next({ deny: true });
      const landing = landed(await browser(app).go(startUrl(app, provider)));
      expect(landing.method).toBe('GET');
      expect(landing.fields.error).toBe('access_denied');
      expect(landing.fields.error_description).toMatch(/cancelled at the provider/);
      expect(landing.fields.token).toBeUndefined();
      upstream.next({ persona: ALICE });
    }
  });

  it('signs in on the public host with an appId, and answers engage.js popups by postMessage', async () => {
    const app = await signInApp();
    google.next({ persona: BOB });
    const b = browser(app);
    const landing = landed(await b.go(`${PUBLIC}/google/start?${new URLSearchParams({ token_url: TOKEN_URL, appId: app.appId })}`));
    expect(new URL(b.hops[0].location!).searchParams.get('redirect_uri')).toBe(`${PUBLIC}/google/callback`);
    expect((await api('auth_info', { apiKey: app.apiKey, token: landing.fields.token })).json.profile.identifier).toBe(`https://www.google.com/profiles/${BOB.sub}`);

    const popup = browser(app);
    const delivered = landed(await popup.go(startUrl(app, 'google', { delivery: 'message', origin: 'https://www.shop.example' })));
    const page = popup.hops.at(-1)!;
    expect(page.headers['content-security-policy']).toContain('form-action http: https:');
    expect(page.body).toContain(`"origin":"https://www.shop.example"`);
    expect(page.body).toContain(`"token":"${delivered.fields.token}"`);
    expect((await api('auth_info', { apiKey: app.apiKey, token: delivered.fields.token })).status).toBe(200);

    const foreign = stopped(await browser(app).go(startUrl(app, 'google', { delivery: 'message', origin: 'https://evil.example' })));
    expectSafePage(foreign, 400);
  });

  it('relays a cross-site form_post callback to itself once, so that the SameSite cookie comes along', async () => {
    const app = await signInApp();
    const b = browser(app);
    const res = await b.go(`${realmOrigin(app)}/google/callback`, { method: 'POST', form: { code: 'abc', state: 'def' }, until: (url) => url.pathname === '/google/callback' && b.hops.length > 0 });
    const relay = b.hops[0];
    expect(relay.status).toBe(200);
    expect(relay.body).toContain('<input type="hidden" name="openrain_relay" value="1">');
    expect(relay.headers['content-security-policy']).toContain("form-action 'self'");
    // Relayed without a cookie still: the page, not another relay.
    expect(isLanding(res) && res.fields.openrain_relay).toBe('1');
    expectSafePage(stopped(await b.go(`${realmOrigin(app)}/google/callback`, { method: 'POST', form: (res as Landing).fields })), 400);
  });

  it('shows the chooser with the enabled providers, and clear pages for OpenID 2.0, ended and unknown providers', async () => {
    const app = await signInApp();
    const chooser = stopped(await browser(app).go(`${realmOrigin(app)}/openid/v2/signin?token_url=${encodeURIComponent(TOKEN_URL)}`));
    expectSafePage(chooser, 200);
    // Provider links (src/web/chooser-page.ts): a form's CSP form-action would also govern the redirect to the provider.
    expect(chooser.body).toContain(`href="/google/start?${new URLSearchParams({ token_url: TOKEN_URL })}"`);
    expect(chooser.body).toContain(`href="/github/start?${new URLSearchParams({ token_url: TOKEN_URL })}"`);

    const openid = stopped(await browser(app).go(`${realmOrigin(app)}/openid/start?openid_identifier=https%3A%2F%2Fme.example%2F`));
    expectSafePage(openid, 501);
    expect(openid.body).toContain('OpenID 2.0');
    expectSafePage(stopped(await browser(app).go(startUrl(app, 'myspace'))), 410);
    expectSafePage(stopped(await browser(app).go(startUrl(app, 'facebook'))), 400);
    expectSafePage(stopped(await browser(app).go(startUrl(app, 'nosuchprovider'))), 400);
    const nowhere = 'http://nosuchrealm.localhost:8080';
    expectSafePage(stopped(await browser(app).route(nowhere, server().url).go(`${nowhere}/google/start?token_url=${encodeURIComponent(TOKEN_URL)}`)), 404);
  });
  /** Signs `persona` in at `provider` and answers its auth_info. */
  async function signedIn(app: TestApp, provider: 'google' | 'github', persona: typeof ALICE | typeof BOB) {
    (provider === 'google' ? google : github).next({ persona });
    const landing = landed(await browser(app).go(startUrl(app, provider)));
    return (await api('auth_info', { apiKey: app.apiKey, token: landing.fields.token })).json;
  }

  it('get_user_data answers a fresh profile with the stored tokens, refreshing them once expired', async () => {
    const app = await signInApp();
    const first = await signedIn(app, 'google', { ...ALICE, sub: '3001' });
    const identifier = first.profile.identifier;
    google.update({ ...ALICE, sub: '3001', name: 'Alice Pleasance Liddell', given_name: 'Alice Pleasance' });
    await api('map', { apiKey: app.apiKey, identifier, primaryKey: 'alice' });
    const fresh = await api('get_user_data', { apiKey: app.apiKey, identifier, extended: 'true' });
    expect(fresh.status).toBe(200);
    expect(fresh.json.profile).toMatchObject({ identifier, providerName: 'Google', displayName: 'Alice Pleasance Liddell', primaryKey: 'alice' });
    expect(fresh.json.merged_poco).toBeDefined();
    expect(fresh.json.accessCredentials.oauthToken).toBe(first.accessCredentials.oauthToken);

    // An expired access token is refreshed with the refresh token, and the new one is kept.
    const { store, sealer } = server().running.runtime;
    const row = (await findAppByApiKey(store.db, app.apiKey))!;
    const stored = (await findIdentity(store.db, sealer, row.id, identifier))!.tokens!;
    expect(stored.refreshToken).toBeTruthy();
    await updateIdentityTokens(store, sealer, row.id, identifier, { ...stored, expiresAt: Date.now() - 1000 });
    const refreshed = await api('get_user_data', { apiKey: app.apiKey, identifier });
    expect(refreshed.json.profile.identifier).toBe(identifier);
    expect(refreshed.json.merged_poco).toBeUndefined();
    const kept = (await findIdentity(store.db, sealer, row.id, identifier))!.tokens!;
    expect(kept.accessToken).not.toBe(stored.accessToken);
    expect(kept.expiresAt).toBeGreaterThan(Date.now());
    expect(refreshed.json.accessCredentials.oauthToken).toBe(kept.accessToken);

    // Unknown identifiers, other applications and unlinked identities have no credentials: code 8.
    expect((await api('get_user_data', { apiKey: app.apiKey, identifier: 'https://www.google.com/profiles/999' })).json.err.code).toBe(8);
    const other = await signInApp();
    expect((await api('get_user_data', { apiKey: other.apiKey, identifier })).json.err.code).toBe(8);
    await api('unmap', { apiKey: app.apiKey, identifier, primaryKey: 'alice', unlink: 'true' });
    expect((await api('get_user_data', { apiKey: app.apiKey, identifier })).json).toMatchObject({ stat: 'fail', err: { code: 8, msg: 'Missing third-party credentials for this identifier' } });
  });

  it('add_or_update_access_token files a token obtained elsewhere, after checking whose it is', async () => {
    const first = await signInApp();
    const bob = await signedIn(first, 'github', BOB);
    const identifier = bob.profile.identifier;
    const accessToken = bob.accessCredentials.accessToken;
    expect(accessToken).toMatch(/^gho_/);

    const second = await signInApp();
    expect((await api('get_user_data', { apiKey: second.apiKey, identifier })).json.err.code).toBe(8);
    expect((await api('add_or_update_access_token', { apiKey: second.apiKey, identifier, token: accessToken })).json).toEqual({ stat: 'ok' });
    expect((await api('get_user_data', { apiKey: second.apiKey, identifier })).json.profile).toMatchObject({ identifier, providerName: 'GitHub', preferredUsername: BOB.login });
    // Janrain's own example names the parameter access_token.
    expect((await api('add_or_update_access_token', { apiKey: second.apiKey, identifier, access_token: accessToken })).json).toEqual({ stat: 'ok' });

    const wrong = await api('add_or_update_access_token', { apiKey: second.apiKey, identifier: 'https://github.com#1', token: accessToken });
    expect(wrong.json.err.code).toBe(1);
    expect((await api('get_user_data', { apiKey: second.apiKey, identifier: 'https://github.com#1' })).json.err.code).toBe(8);
    expect((await api('add_or_update_access_token', { apiKey: second.apiKey, identifier: 'https://nowhere.example/me', token: 'x' })).json.err.code).toBe(11);
    expect((await api('add_or_update_access_token', { apiKey: second.apiKey, identifier })).json.err).toMatchObject({ code: 0, msg: 'Missing parameter: token' });
    expect((await api('add_or_update_access_token', { apiKey: second.apiKey, identifier, token: 'gho_revoked' })).json.err.code).toBe(9);
  });

  it('get_contacts lists the address book through the provider, code 11 where it has none', async () => {
    const app = await signInApp();
    const alice = await signedIn(app, 'google', { ...ALICE, sub: '3002', contacts: [{ name: 'Bob Builder', email: 'bob@example.com' }, { name: 'Carol', email: 'carol@example.com' }] } as typeof ALICE);
    const contacts = await api('get_contacts', { apiKey: app.apiKey, identifier: alice.profile.identifier });
    expect(contacts.status).toBe(200);
    expect(contacts.json).toEqual({
      stat: 'ok',
      response: {
        startIndex: 1,
        itemsPerPage: 2,
        totalResults: 2,
        entry: [
          { displayName: 'Bob Builder', emails: [{ type: 'home', value: 'bob@example.com' }] },
          { displayName: 'Carol', emails: [{ type: 'home', value: 'carol@example.com' }] },
        ],
      },
    });
    const bob = await signedIn(app, 'github', BOB);
    expect((await api('get_contacts', { apiKey: app.apiKey, identifier: bob.profile.identifier })).json.err.code).toBe(11);
    expect((await api('get_contacts', { apiKey: app.apiKey, identifier: 'https://www.google.com/profiles/404' })).json.err.code).toBe(8);
  });
});
