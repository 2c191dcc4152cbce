import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cspNonce, pageCsp } from '../src/web/page.js';
import { renderPopupResultPage, type SignInFields } from '../src/web/popup-result.js';
import { describeWithBrowser, freePort, launchChromium } from './browser.js';
import { databaseKinds } from './databases.js';
import { createTestApp, type TestApp } from './fixtures.js';
import { call, startTestServer, type TestServer } from './server.js';
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
    return el.getAttribute('data-provider') ?? el.id ?? el.textContent ?? '';
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
