import { createServer } from 'node:net';
import { beforeAll, expect, it } from 'vitest';
import { findAppByAppId, findAppByRealm, realmUrl, type AppRow } from '../../partner/apps.js';
import { createTestApp } from '../../../test/fixtures.js';
import { call, describeEachDatabase } from '../../../test/server.js';
import { Browser } from '../testing/upstreams.js';
import { beginSignIn, completeSignIn, refreshProfile, type PendingSignIn } from '../upstream.js';

/** The demo issuer is the server's public URL, so the server must listen where that URL says. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const port = await freePort();
const publicUrl = `http://localhost:${port}`;
const issuer = `${publicUrl}/demo-idp`;

describeEachDatabase(
  'offline demo provider',
  (server) => {
    let demo: AppRow;
    let callbackUrl: string;
    const runtime = () => server().running.runtime;

    beforeAll(async () => {
      demo = (await findAppByRealm(runtime().store.db, 'demo')) as AppRow;
      callbackUrl = `${realmUrl(runtime().config, demo.realm)}/demo/callback`;
    });

    /** Starts a sign-in and follows it to the persona picker. */
    async function toPicker(): Promise<{ browser: Browser; pending: PendingSignIn; page: Response; pageUrl: URL; authorizationUrl: string }> {
      const { authorizationUrl, pending } = await beginSignIn(runtime(), demo, 'demo', { redirectUri: callbackUrl });
      const browser = new Browser();
      const { url, response } = await browser.follow(authorizationUrl, callbackUrl);
      if (!response) throw new Error('expected the persona picker');
      return { browser, pending, page: response, pageUrl: url, authorizationUrl };
    }

    async function choose(browser: Browser, pageUrl: URL, form: Record<string, string>): Promise<URL> {
      const res = await browser.request(pageUrl, { form });
      const { url, response } = await browser.follow(pageUrl, callbackUrl, res);
      if (response) throw new Error(`stopped at ${url.href}: HTTP ${response.status} ${await response.text()}`);
      return url;
    }

    it('is enabled at first start for the demo application only, and offered in its sign-in list', async () => {
      const providers = await call(server().url, '/api/v2/providers', { appId: demo.app_id });
      expect(providers.json.signin).toContain('demo');
      const other = (await findAppByAppId(runtime().store.db, (await createTestApp(server())).appId)) as AppRow;
      await expect(beginSignIn(runtime(), other, 'demo', { redirectUri: `${realmUrl(runtime().config, other.realm)}/demo/callback` })).rejects.toMatchObject({ code: 1 });
    });

    it('publishes OpenID Connect discovery with PKCE, a UserInfo endpoint and its issuer', async () => {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      const doc = await res.json();
      expect(doc).toMatchObject({ issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, userinfo_endpoint: `${issuer}/me` });
      expect(doc.code_challenge_methods_supported).toContain('S256');
    });

    it('signs a persona in through the Google code path: discovery, PKCE, state, nonce, ID token, UserInfo', async () => {
      const { browser, pending, page, pageUrl, authorizationUrl } = await toPicker();
      const sent = new URL(authorizationUrl);
      expect(`${sent.origin}${sent.pathname}`).toBe(`${issuer}/auth`);
      expect(sent.searchParams.get('code_challenge_method')).toBe('S256');
      expect(sent.searchParams.get('nonce')).toBe(pending.nonce);

      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      const html = await page.text();
      expect(html).toContain('Ada Quill');
      expect(html).not.toMatch(/<script|https?:\/\/(?!localhost)/);

      const callback = await choose(browser, pageUrl, { persona: 'ada' });
      const identity = await completeSignIn(runtime(), demo, pending, { url: callback });
      expect(identity.profile).toMatchObject({
        identifier: `${issuer}#ada`,
        providerName: 'Demo',
        displayName: 'Ada Quill',
        preferredUsername: 'adaq',
        name: { givenName: 'Ada', familyName: 'Quill', formatted: 'Ada Quill' },
        email: 'ada.quill@demo.example',
        verifiedEmail: 'ada.quill@demo.example',
        photo: `${issuer}/avatar/ada.svg`,
        gender: 'female',
        birthday: '1990-12-10',
      });
      expect(identity.profile.utcOffset).toMatch(/^\+0[01]:00$/);
      expect(identity.upstreamTokens.refreshToken).toEqual(expect.any(String));

      const refreshed = await refreshProfile(runtime(), demo, 'demo', { ...identity.upstreamTokens, expiresAt: Date.now() - 1 });
      expect(refreshed.identity.profile.identifier).toBe(`${issuer}#ada`);
      expect(refreshed.tokens.accessToken).not.toBe(identity.upstreamTokens.accessToken);

      const avatar = await fetch(`${issuer}/avatar/ada.svg`);
      expect(avatar.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    });

    it('reports an unverified persona email as unverified, and a cancelled sign-in as denied', async () => {
      const first = await toPicker();
      const identity = await completeSignIn(runtime(), demo, first.pending, { url: await choose(first.browser, first.pageUrl, { persona: 'mei' }) });
      expect(identity.profile.email).toBe('mei.chen@demo.example');
      expect(identity.profile.verifiedEmail).toBeUndefined();

      const second = await toPicker();
      const cancelled = await choose(second.browser, second.pageUrl, { cancel: '1' });
      expect(cancelled.searchParams.get('error')).toBe('access_denied');
      await expect(completeSignIn(runtime(), demo, second.pending, { url: cancelled })).rejects.toMatchObject({ kind: 'denied' });
    });

    it('refuses unknown personas, stale interactions and clients that are not demo applications', async () => {
      const { browser, pageUrl } = await toPicker();
      expect((await browser.request(pageUrl, { form: { persona: 'mallory' } })).status).toBe(400);
      expect((await new Browser().request(pageUrl)).status).toBe(400);
      const foreign = new URL(`${issuer}/auth?client_id=demo-nosuchapp&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`);
      const res = await new Browser().request(foreign);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    });
  },
  { PORT: String(port), OPENRAIN_PUBLIC_URL: publicUrl },
);
