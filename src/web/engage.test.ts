import { Script } from 'node:vm';
import { beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/fixtures.js';
import { call, describeEachDatabase, TEST_PARTNER_KEY } from '../../test/server.js';

/** The configuration object the server inlined into engage.js. */
function inlinedConfig(body: string): any {
  const match = /\nopenrainEngage\((\{.*\})\);\n/.exec(body);
  if (!match) throw new Error('no configuration call in the script');
  return JSON.parse(match[1]);
}

describeEachDatabase('engage.js', (server) => {
  let app: TestApp;
  const script = (name: string, headers: Record<string, string> = {}) => fetch(`${server().url}/js/lib/${name}/engage.js`, { headers });

  beforeAll(async () => {
    app = await createTestApp(server());
    const set = await call(server().url, '/api/v2/set_auth_providers', { apiKey: app.apiKey, providers: JSON.stringify(['google', 'live_id', 'github']) });
    expect(set.json?.stat).toBe('ok');
  });

  it('serves the application’s script as cacheable, sniff-proof JavaScript that parses', async () => {
    const res = await script(app.realm);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    const body = await res.text();
    expect(() => new Script(body)).not.toThrow();
    expect(body).toContain('janrain.settings');
  });

  it('inlines the configured sign-in providers in order, the realm URL and the delivery setting', async () => {
    const config = inlinedConfig(await (await script(app.realm)).text());
    expect(config.appId).toBe(app.appId);
    expect(config.bases).toEqual([`http://${app.realm}.localhost:8080`]);
    expect(config.postToTokenUrl).toBe(true);
    expect(config.providers.map((p: any) => [p.id, p.name])).toEqual([
      ['google', 'Google'],
      ['microsoft', 'Microsoft'],
      ['github', 'GitHub'],
    ]);
    expect(config.providers[1].aliases).toEqual(['live_id', 'windowslive']);
    expect(config.providers[0].mark).toEqual({ text: 'G', background: '#1a73e8', color: '#fff' });
    expect(config.css).toContain('.or-provider');
  });

  it('follows changes of the provider list and of postToTokenUrl', async () => {
    const other = await createTestApp(server());
    const before = await script(other.realm);
    expect(inlinedConfig(await before.text()).providers).toEqual([]);
    await call(server().url, '/api/v2/set_auth_providers', { apiKey: other.apiKey, providers: 'facebook' });
    await call(server().url, '/api/v2/set_app_settings', { apiKey: other.apiKey, postToTokenUrl: 'false' });
    const after = await script(other.realm);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    const config = inlinedConfig(await after.text());
    expect(config.providers.map((p: any) => p.id)).toEqual(['facebook']);
    expect(config.postToTokenUrl).toBe(false);
  });

  it('labels the application’s own providers with the name it configured', async () => {
    const own = await createTestApp(server());
    const configured = await call(server().url, '/api/v2/set_provider_config', {
      apiKey: own.apiKey,
      provider: 'oauth2:acme',
      displayName: 'Acme <ID>',
      clientId: 'openrain',
      clientSecret: 'a-secret-of-some-length',
      authorizationEndpoint: 'https://login.acme.example/authorize',
      tokenEndpoint: 'https://login.acme.example/token',
      userInfoEndpoint: 'https://api.acme.example/me',
    });
    expect(configured.json?.stat, configured.text).toBe('ok');
    expect((await call(server().url, '/api/v2/set_auth_providers', { apiKey: own.apiKey, providers: '["oauth2:acme","google"]' })).json?.stat).toBe('ok');
    const config = inlinedConfig(await (await script(own.realm)).text());
    expect(config.providers.map((p: any) => [p.id, p.name, p.mark.text, p.markClass])).toEqual([
      ['oauth2:acme', 'Acme <ID>', 'A', 'or-mark-oauth2-acme'],
      ['google', 'Google', 'G', 'or-mark-google'],
    ]);
  });

  it('answers 304 to a matching If-None-Match, also weakened or in a list', async () => {
    const etag = (await script(app.realm)).headers.get('etag') as string;
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const res = await script(app.realm, { 'if-none-match': header });
      expect(res.status).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(await res.text()).toBe('');
    }
    expect((await script(app.realm, { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('knows the application by the names sites copied from Janrain', async () => {
    for (const name of [app.realm, app.realm.toUpperCase(), `${app.realm}.rpxnow.com`, `${app.realm}.localhost`]) {
      const res = await script(name);
      expect(res.status, name).toBe(200);
      expect(inlinedConfig(await res.text()).appId).toBe(app.appId);
    }
  });

  it('knows it by a custom domain, and lets pages start sign-ins there', async () => {
    const added = await call(server().url, '/partner/v2/app/add_domain', { partnerKey: TEST_PARTNER_KEY, apiKey: app.apiKey, domain: `login-${app.realm}.example.org` });
    expect(added.json?.stat, added.text).toBe('ok');
    const res = await script(`login-${app.realm}.example.org`);
    expect(res.status).toBe(200);
    const config = inlinedConfig(await res.text());
    expect(config.appId).toBe(app.appId);
    expect(config.bases).toEqual([`http://${app.realm}.localhost:8080`, `http://login-${app.realm}.example.org:8080`]);
  });

  it('answers 404 JavaScript for a name no application has, echoing nothing', async () => {
    for (const name of ['no-such-app', 'x', 'evil*%2F..', 'unknown.example.org', 'a'.repeat(90)]) {
      const res = await script(encodeURIComponent(name));
      expect(res.status, name).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
      const body = await res.text();
      expect(body).not.toContain(name);
      expect(() => new Script(body)).not.toThrow();
    }
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await fetch(`${server().url}/js/lib/${app.realm}/engage.js`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
  });
});
