import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cspNonce, pageCsp } from '../src/web/page.js';
import { renderPopupResultPage, type SignInFields } from '../src/web/popup-result.js';
import { describeWithBrowser, freePort, launchChromium } from './browser.js';
import { databaseKinds } from './databases.js';
import { registerLocalTransport } from '../src/providers/client.js';
import { createTestApp, type TestApp } from './fixtures.js';
import { call, startTestServer, TEST_PARTNER_KEY, type TestServer } from './server.js';
import { startOAuth2Upstream, startOidcUpstream, type Upstream } from './upstreams.js';
import { startSite, type Site } from './widget-site.js';

/**
 * engage.js in a real browser, on a third-party site at `site.localhost`, against the real
 * server whose realm hosts are `<realm>.localhost:PORT`. This suite checks the widget's side of
 * the sign-in: the provider's part of the popup is answered by the popup result page directly,
 * so every case here runs without an upstream provider.
 */

const kinds = await databaseKinds();
const TOKEN = 'a1b2c3d4e5'.repeat(4);

/** The focused element, looking into shadow roots. */
async function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return '';
    return el.getAttribute('data-provider') || el.id || el.textContent || '';
  });
}

async function events(page: Page): Promise<[string, any][]> {
  return page.evaluate(() => (window as any).eventLog);
}

describeWithBrowser('engage.js in Chromium (widget side)', () => {
  describe.each(kinds)('[%s]', (kind) => {
    let server: TestServer;
    let site: Site;
    let app: TestApp;
    let browser: Browser;
    let context: BrowserContext;
    let realmOrigin: string;
    /** Start requests the browser made, newest last. */
    let starts: URL[];
    /** What the popup's sign-in ends with. */
    let popupFields: SignInFields | 'hang';

    beforeAll(async () => {
      const port = await freePort();
      server = await startTestServer(kind, { PORT: String(port), OPENRAIN_PUBLIC_URL: `http://localhost:${port}` });
      app = await createTestApp(server, { domain: 'site.localhost' });
      realmOrigin = `http://${app.realm}.localhost:${port}`;
      expect((await call(server.url, '/api/v2/set_auth_providers', { apiKey: app.apiKey, providers: JSON.stringify(['google', 'github', 'facebook']) })).json?.stat).toBe('ok');
      expect((await call(server.url, '/api/v2/add_domain_patterns', { apiKey: app.apiKey, domains: JSON.stringify(['site.localhost']) })).json?.stat).toBe('ok');
      // Loaded the way pages loaded https://rpxnow.com/js/lib/<app>/engage.js.
      site = await startSite(await freePort(), { openrainUrl: server.url, apiKey: app.apiKey, scriptSrc: `http://localhost:${port}/js/lib/${app.realm}/engage.js` });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await site?.close();
      await server?.stop();
    });

    beforeEach(async () => {
      starts = [];
      popupFields = { token: TOKEN };
      context = await browser.newContext({ viewport: { width: 900, height: 760 } });
      await context.route(
        (url) => url.origin === realmOrigin && url.pathname.endsWith('/start'),
        async (route: Route) => {
          const url = new URL(route.request().url());
          starts.push(url);
          if (url.searchParams.get('delivery') !== 'message') return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Provider</title><h1 id="at-start">Redirected to the sign-in</h1>' });
          if (popupFields === 'hang') return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Provider</title><h1>Signing in…</h1>' });
          const nonce = cspNonce();
          const html = renderPopupResultPage({ nonce, origin: url.searchParams.get('origin') ?? '', fields: popupFields, tokenUrl: url.searchParams.get('token_url') ?? '', postToTokenUrl: true });
          return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', headers: { 'content-security-policy': pageCsp(nonce, { formAction: 'web' }) }, body: html });
        },
      );
    });

    afterEach(async () => {
      await context?.close();
    });

    async function open(query: string): Promise<Page> {
      const page = await context.newPage();
      await page.goto(`${site.origin}/page?${query}`);
      await page.getByRole('button', { name: 'Sign in with Google' }).waitFor();
      return page;
    }

    it('draws the application’s providers as labelled buttons in order, reachable with Tab, with a visible focus ring', async () => {
      const page = await open('tokenAction=event');
      const buttons = page.locator('#janrainEngageEmbed').getByRole('button');
      expect(await buttons.evaluateAll((els) => els.map((e) => e.textContent))).toEqual(['GSign in with Google', 'GHSign in with GitHub', 'fSign in with Facebook']);
      await expect.poll(() => page.evaluate(() => (window as any).widgetLoaded)).toBe(1);

      await page.locator('#before').focus();
      const order: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        await page.keyboard.press('Tab');
        order.push(await focusedName(page));
      }
      expect(order).toEqual(['google', 'github', 'facebook', 'signin-link', 'after']);

      await page.locator('#before').focus();
      await page.keyboard.press('Tab');
      const ring = await page.evaluate(() => {
        const button = document.querySelector('#janrainEngageEmbed > div')!.shadowRoot!.activeElement!;
        const style = getComputedStyle(button);
        return { width: style.outlineWidth, style: style.outlineStyle };
      });
      expect(ring).toEqual({ width: '3px', style: 'solid' });
      await page.screenshot({ path: join(tmpdir(), `openrain-widget-embed-${kind}.png`) });
      await page.locator('#janrainEngageEmbed').screenshot({ path: join(tmpdir(), `openrain-widget-embed-focus-${kind}.png`) });
    });

    it('draws and styles itself on a page whose CSP allows no inline style or script', async () => {
      const page = await context.newPage();
      const violations: string[] = [];
      page.on('console', (m) => void (m.type() === 'error' && violations.push(m.text())));
      const response = await page.goto(`${site.origin}/page?tokenAction=event&csp=strict`);
      expect(response?.headers()['content-security-policy']).toContain("style-src 'nonce-");
      await page.getByRole('button', { name: 'Sign in with Google' }).waitFor();
      const look = await page.evaluate(() => {
        const button = document.querySelector('#janrainEngageEmbed > div')!.shadowRoot!.querySelector('button')!;
        const style = getComputedStyle(button);
        return { radius: style.borderRadius, minHeight: style.minHeight, cursor: style.cursor };
      });
      expect(look).toEqual({ radius: '8px', minHeight: '44px', cursor: 'pointer' });
      await page.getByRole('button', { name: 'Sign in with GitHub' }).click();
      await expect.poll(async () => (await events(page)).some(([name]) => name === 'onProviderLoginToken')).toBe(true);
      expect(violations.filter((v) => /Content Security Policy/i.test(v))).toEqual([]);
    });

    it('tokenAction event: the popup’s token reaches onProviderLoginToken handlers, with the start and success events', async () => {
      const page = await open('tokenAction=event');
      const popupEvent = page.waitForEvent('popup');
      await page.getByRole('button', { name: 'Sign in with GitHub' }).click();
      const popup = await popupEvent;
      await expect.poll(async () => (await events(page)).map(([name]) => name)).toEqual([
        'onProviderLoginStart',
        'onProviderLoginSuccess',
        'onProviderLoginToken',
        'onProviderLoginComplete',
      ]);
      const log = await events(page);
      expect(log[0][1]).toEqual({ provider: 'github' });
      expect(log[2][1].token).toBe(TOKEN);
      expect(log[2][1].token).toHaveLength(40);

      const start = starts.at(-1)!;
      expect(start.pathname).toBe('/github/start');
      expect(start.searchParams.get('token_url')).toBe(`${site.origin}/token?next=%2Faccount`);
      expect(start.searchParams.get('delivery')).toBe('message');
      expect(start.searchParams.get('origin')).toBe(site.origin);
      expect(page.url()).toBe(`${site.origin}/page?tokenAction=event`);
      await expect.poll(() => popup.isClosed()).toBe(true);
    });

    it('tokenAction url: the page posts the token to token_url (postToTokenUrl) and the site signs in with it', async () => {
      const page = await open('tokenAction=url');
      await page.getByRole('button', { name: 'Sign in with Google' }).click();
      await page.waitForURL(`${site.origin}/token?next=%2Faccount`);
      expect(site.tokens.at(-1)).toBe(TOKEN);
      // The token is not a real one here; the site's auth_info call says so.
      await expect.poll(() => page.locator('#failed').count()).toBe(1);
    });

    it('a provider failure reaches onProviderLoginError and is shown in the widget', async () => {
      popupFields = { error: 'access_denied', error_description: 'You cancelled the sign-in at Google.' };
      const page = await open('tokenAction=event');
      await page.getByRole('button', { name: 'Sign in with Google' }).click();
      await expect.poll(async () => (await events(page)).map(([name]) => name)).toEqual(['onProviderLoginStart', 'onProviderLoginError', 'onProviderLoginComplete']);
      const error = (await events(page))[1][1];
      expect(error).toMatchObject({ err: { code: 'access_denied', msg: 'You cancelled the sign-in at Google.' }, stat: 'fail', origin: 'provider' });
      await expect.poll(() => page.locator('#janrainEngageEmbed').getByRole('status').textContent()).toBe('You cancelled the sign-in at Google.');
    });

    it('closing the popup cancels; messages that do not come from the popup are ignored', async () => {
      popupFields = 'hang';
      const page = await open('tokenAction=event');
      const popupEvent = page.waitForEvent('popup');
      await page.getByRole('button', { name: 'Sign in with Facebook' }).click();
      const popup = await popupEvent;
      await popup.waitForLoadState();
      // A forged result posted by the page itself (same origin as the site, wrong source).
      await page.evaluate((token) => window.postMessage({ openrain: 'signin', stat: 'ok', token }, '*'), TOKEN);
      await page.waitForTimeout(200);
      expect((await events(page)).map(([name]) => name)).toEqual(['onProviderLoginStart']);
      await popup.close();
      await expect.poll(async () => (await events(page)).map(([name]) => name)).toEqual(['onProviderLoginStart', 'onProviderLoginCancel', 'onProviderLoginComplete']);
    });

    it('falls back to a full-page redirect when the popup is blocked, ending at token_url the usual way', async () => {
      const page = await open('tokenAction=url');
      await page.evaluate(() => {
        window.open = () => null;
      });
      await page.getByRole('button', { name: 'Sign in with Google' }).click();
      await page.locator('#at-start').waitFor();
      const start = starts.at(-1)!;
      expect(start.pathname).toBe('/google/start');
      expect(start.searchParams.get('token_url')).toBe(`${site.origin}/token?next=%2Faccount`);
      expect(start.searchParams.has('delivery')).toBe(false);
    });

    it('janrain.settings.popup = false starts with a redirect', async () => {
      const page = await open('tokenAction=url&popup=false');
      await page.getByRole('button', { name: 'Sign in with GitHub' }).click();
      await page.locator('#at-start').waitFor();
      expect(starts.at(-1)!.pathname).toBe('/github/start');
      expect(starts.at(-1)!.searchParams.has('delivery')).toBe(false);
    });

    it('type modal: a .janrainEngage link opens an accessible dialog that Escape closes, returning focus', async () => {
      const page = await context.newPage();
      await page.goto(`${site.origin}/page?tokenAction=event&type=modal`);
      await expect.poll(() => page.evaluate(() => (window as any).widgetLoaded)).toBe(1);
      expect(await page.locator('#janrainEngageEmbed').getByRole('button').count()).toBe(0);

      await page.locator('#signin-link').click();
      const dialog = page.getByRole('dialog', { name: 'Sign in' });
      await dialog.waitFor();
      expect(await focusedName(page)).toBe('google');
      await page.keyboard.press('Tab');
      expect(await focusedName(page)).toBe('github');
      await page.screenshot({ path: join(tmpdir(), `openrain-widget-modal-${kind}.png`) });

      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect(await focusedName(page)).toBe('signin-link');
      expect((await events(page)).map(([name]) => name)).toEqual(['onModalWidgetReady', 'onModalClose']);

      // The close button and the page API open and close it too.
      await page.evaluate(() => (window as any).janrain.engage.signin.modal.open());
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'hidden' });
    });

    it('remembers the provider last used on this site and puts it first', async () => {
      const page = await open('tokenAction=event');
      await page.getByRole('button', { name: 'Sign in with Facebook' }).click();
      await expect.poll(async () => (await events(page)).some(([name]) => name === 'onProviderLoginToken')).toBe(true);
      await page.reload();
      await page.getByRole('button', { name: 'Sign in with Google' }).waitFor();
      const names = await page.locator('#janrainEngageEmbed').getByRole('button').evaluateAll((els) => els.map((e) => e.getAttribute('data-provider')));
      expect(names).toEqual(['facebook', 'google', 'github']);
      await expect.poll(() => page.getByText('Last used').count()).toBe(1);
      const found = (await events(page)).find(([name]) => name === 'onReturnExperienceFound');
      expect(found?.[1]).toEqual({ returnProvider: 'facebook', welcomeName: '' });
    });
  });
});

/**
 * The whole sign-in in a real browser: the site's page, engage.js, the popup through the realm
 * host to an upstream provider run in the test (oidc-provider configured like Google; a
 * GitHub-shaped OAuth 2.0 server), back to the site's token_url, whose server calls auth_info.
 * The browser reaches the upstreams' real origins (https://accounts.google.com…) through
 * routes to their loopback servers, as the server under test does through its transport.
 */
describeWithBrowser('Social sign-in in Chromium through engage.js and real upstream providers', () => {
  describe.each(kinds)('[%s]', (kind) => {
    const ADA = { sub: '117740339188253746510', email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace' };
    const GRACE = { sub: '5550123', email: 'grace@example.com', email_verified: true, name: 'Grace Hopper', login: 'ghopper' };
    let server: TestServer;
    let site: Site;
    let app: TestApp;
    let browser: Browser;
    let context: BrowserContext;
    let google: Upstream;
    let github: Upstream;
    let realmOrigin: string;

    beforeAll(async () => {
      const port = await freePort();
      server = await startTestServer(kind, { PORT: String(port), OPENRAIN_PUBLIC_URL: `http://localhost:${port}` });
      // Google with its sign-in pages: the person types their email and allows access.
      google = await startOidcUpstream({ pages: true });
      github = await startOAuth2Upstream();
      for (const upstream of [google, github]) for (const origin of upstream.origins) registerLocalTransport(server.running.runtime, origin, upstream.transport);
      app = await createTestApp(server, { domain: 'site.localhost' });
      realmOrigin = `http://${app.realm}.localhost:${port}`;
      for (const [provider, upstream] of [['google', google], ['github', github]] as const) {
        const set = await call(server.url, '/partner/v2/app/set_properties', { partnerKey: TEST_PARTNER_KEY, apiKey: app.apiKey, provider, consumerKey: upstream.clientId, consumerSecret: upstream.clientSecret });
        expect(set.json).toEqual({ stat: 'ok' });
        upstream.allowRedirectUri(`${realmOrigin}/${provider}/callback`);
      }
      expect((await call(server.url, '/api/v2/set_auth_providers', { apiKey: app.apiKey, providers: '["google","github"]' })).json?.stat).toBe('ok');
      expect((await call(server.url, '/api/v2/add_domain_patterns', { apiKey: app.apiKey, domains: '["site.localhost"]' })).json?.stat).toBe('ok');
      // The realm-host form of the script URL (https://<app>.rpxnow.com/js/lib/<app>/engage.js).
      site = await startSite(await freePort(), { openrainUrl: server.url, apiKey: app.apiKey, scriptSrc: `${realmOrigin}/js/lib/${app.realm}/engage.js` });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await site?.close();
      await google?.close();
      await github?.close();
      await server?.stop();
    });

    /**
     * The browser's way to the upstreams. Chromium cannot be routed on redirects, and the
     * upstreams' real origins are https: the realm's start answer (303 to
     * https://accounts.google.com/…) is fetched for the browser and its Location rewritten to
     * the upstream's loopback server under a `*.localhost` name; everything after that is the
     * browser talking to the real servers.
     */
    function loopbackAlias(location: string): string {
      const target = new URL(location);
      for (const upstream of [google, github]) {
        if (!upstream.origins.includes(target.origin)) continue;
        const alias = new URL(upstream.url);
        alias.hostname = `${target.hostname.replace(/\./g, '-')}.localhost`;
        return `${alias.origin}${target.pathname}${target.search}`;
      }
      return location;
    }

    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width: 900, height: 760 } });
      await context.route(
        (url) => url.origin === realmOrigin && url.pathname.endsWith('/start'),
        async (route: Route) => {
          const url = new URL(route.request().url());
          const headers = { ...(await route.request().allHeaders()), host: url.host };
          const response = await route.fetch({ url: `${server.url}${url.pathname}${url.search}`, headers, maxRedirects: 0 });
          const answered = response.headers();
          await route.fulfill({ response, headers: answered.location ? { ...answered, location: loopbackAlias(answered.location) } : answered });
        },
      );
    });

    afterEach(async () => {
      await context?.close();
    });

    async function open(query: string): Promise<Page> {
      const page = await context.newPage();
      await page.goto(`${site.origin}/page?${query}`);
      await page.getByRole('button', { name: 'Sign in with Google' }).waitFor();
      return page;
    }

    /** The person at Google's pages: email, then Allow or Deny. */
    async function signInAtGoogle(at: Page, email: string, decision: 'Allow' | 'Deny'): Promise<void> {
      await at.getByLabel('Email').fill(email);
      await at.getByRole('button', { name: 'Next' }).click();
      await at.getByRole('button', { name: decision }).click();
    }

    it('tokenAction url: click Google, sign in at the provider in the popup, land on token_url, which shows the auth_info profile', async () => {
      google.next({ persona: ADA });
      const page = await open('tokenAction=url');
      const popupEvent = page.waitForEvent('popup');
      await page.getByRole('button', { name: 'Sign in with Google' }).click();
      const popup = await popupEvent;
      expect(new URL(popup.url()).hostname).toBe('accounts-google-com.localhost');
      await signInAtGoogle(popup, ADA.email, 'Allow');
      await page.waitForURL(`${site.origin}/token?next=%2Faccount`);
      await expect.poll(() => page.locator('#name').textContent()).toBe('Ada Lovelace');
      expect(await page.locator('#method').textContent()).toBe('POST');
      expect(site.tokens.at(-1)).toMatch(/^[0-9a-f]{40}$/);
      await expect.poll(() => popup.isClosed()).toBe(true);
    });

    it('tokenAction event: the page’s onProviderLoginToken handler gets a 40-character token and the site shows the profile', async () => {
      github.next({ persona: GRACE });
      const page = await open('tokenAction=event');
      await page.getByRole('button', { name: 'Sign in with GitHub' }).click();
      await expect.poll(() => page.locator('#welcome').textContent()).toBe('Welcome, Grace Hopper!');
      const token = (await events(page)).find(([name]) => name === 'onProviderLoginToken')?.[1].token;
      expect(token).toMatch(/^[0-9a-f]{40}$/);
      expect(page.url()).toBe(`${site.origin}/page?tokenAction=event`);
    });

    it('a refusal at the provider reaches onProviderLoginError, and the page stays', async () => {
      google.next({ persona: ADA });
      const page = await open('tokenAction=event');
      const popupEvent = page.waitForEvent('popup');
      await page.getByRole('button', { name: 'Sign in with Google' }).click();
      await signInAtGoogle(await popupEvent, ADA.email, 'Deny');
      await expect.poll(async () => (await events(page)).map(([name]) => name)).toEqual(['onProviderLoginStart', 'onProviderLoginError', 'onProviderLoginComplete']);
      expect((await events(page))[1][1].err.code).toBe('access_denied');
      expect(page.url()).toBe(`${site.origin}/page?tokenAction=event`);
    });

    it('without a popup the whole page signs in and ends at token_url', async () => {
      google.next({ persona: ADA });
      const page = await open('tokenAction=url&popup=false');
      await page.getByRole('button', { name: 'Sign in with Google' }).click();
      await signInAtGoogle(page, ADA.email, 'Allow');
      await page.waitForURL(`${site.origin}/token?next=%2Faccount`);
      await expect.poll(() => page.locator('#name').textContent()).toBe('Ada Lovelace');
    });

    it('a page elsewhere that opens a sign-in addressed to the site’s origin receives nothing', async () => {
      google.next({ persona: ADA });
      const delivered = site.tokens.length;
      const start = `${realmOrigin}/google/start?${new URLSearchParams({ token_url: `${site.origin}/token`, delivery: 'message', origin: site.origin })}`;
      const page = await context.newPage();
      await page.goto(`http://evil.localhost:${site.port}/evil?start=${encodeURIComponent(start)}`);
      const popupEvent = page.waitForEvent('popup');
      await page.getByRole('button', { name: 'Open' }).click();
      const popup = await popupEvent;
      await signInAtGoogle(popup, ADA.email, 'Allow');
      // The result page addressed its message to the site's origin: the browser drops it here.
      await expect.poll(() => popup.isClosed()).toBe(true);
      await page.waitForTimeout(300);
      expect(await page.evaluate(() => (window as any).received)).toEqual([]);
      expect(site.tokens.length).toBe(delivered);
    });

    it('the hosted chooser page signs in the same way and looks like the widget', async () => {
      github.next({ persona: GRACE });
      const page = await context.newPage();
      await page.goto(`${realmOrigin}/openid/v2/signin?token_url=${encodeURIComponent(`${site.origin}/token?next=%2Faccount`)}`);
      await page.getByRole('heading', { level: 1, name: 'Sign in to site.localhost' }).waitFor();
      await page.screenshot({ path: join(tmpdir(), `openrain-chooser-${kind}.png`) });
      await page.keyboard.press('Tab');
      expect(await focusedName(page)).toContain('Google');
      await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
      await page.waitForURL(`${site.origin}/token?next=%2Faccount`);
      await expect.poll(() => page.locator('#name').textContent()).toBe('Grace Hopper');
    });
  });
});
