import { beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/fixtures.js';
import { call, describeEachDatabase } from '../../test/server.js';
import { findAppByApiKey } from '../partner/apps.js';
import { xmlOk } from './test-helpers.js';
import { isWhitelisted } from './whitelist.js';

const UNKNOWN_KEY = 'ab'.repeat(20);

describeEachDatabase('Social Login app configuration', (server) => {
  const api = (path: string, params: Record<string, string> = {}) => call(server().url, `/api/v2/${path}`, params);
  const internalId = async (app: TestApp) => (await findAppByApiKey(server().running.runtime.store.db, app.apiKey))!.id;

  let shared: TestApp;
  beforeAll(async () => {
    shared = await createTestApp(server(), { domain: 'www.shop.example' });
  });

  it('answers every apiKey call with code 0 without a key and code 3 with an unknown one', async () => {
    for (const path of ['get_app_settings', 'set_app_settings', 'get_domain_patterns', 'set_domain_patterns', 'add_domain_patterns', 'set_auth_providers', 'set_share_providers', 'get_backplane_properties', 'set_backplane_properties', 'lookup_rp']) {
      const missing = await api(path);
      expect(missing.status, path).toBe(400);
      expect(missing.json, path).toMatchObject({ stat: 'fail', err: { code: 0, msg: 'Missing parameter: apiKey' } });
      for (const key of [UNKNOWN_KEY, 'not-a-key']) {
        const unknown = await api(path, { apiKey: key });
        expect(unknown.status, path).toBe(401);
        expect(unknown.json, path).toMatchObject({ stat: 'fail', err: { code: 3, msg: 'Invalid apiKey' } });
      }
    }
    // An empty <err> element, self-closed or not, is the same XML.
    const xml = await api('get_app_settings', { apiKey: UNKNOWN_KEY, format: 'xml' });
    expect(xml.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><rsp stat="fail"><err code="3" msg="Invalid apiKey" request_id="[a-z0-9]{16}"(\/>|><\/err>)<\/rsp>$/);
  });

  it("starts with Janrain's default settings (JSON and XML)", async () => {
    const r = await api('get_app_settings', { apiKey: shared.apiKey });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ stat: 'ok', privacyPolicy: null, favicon: null, domainRedirect: null, postToTokenUrl: true, oneTimeUseTokens: true, googleProfileUrl: true });
    const xml = await api('get_app_settings', { apiKey: shared.apiKey, format: 'xml' });
    expect(xml.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(xml.text).toBe(
      xmlOk(
        '<privacyPolicy></privacyPolicy><favicon></favicon><domainRedirect></domainRedirect><postToTokenUrl>true</postToTokenUrl><oneTimeUseTokens>true</oneTimeUseTokens><googleProfileUrl>true</googleProfileUrl>',
      ),
    );
  });

  it('answers JSONP when a callback is given, and refuses a callback that is not an identifier path', async () => {
    const r = await api('get_app_settings', { apiKey: shared.apiKey, callback: 'window.site.cb', format: 'xml' });
    expect(r.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(r.text).toBe('/**/window.site.cb({"stat":"ok","privacyPolicy":null,"favicon":null,"domainRedirect":null,"postToTokenUrl":true,"oneTimeUseTokens":true,"googleProfileUrl":true});');
    const bad = await api('get_app_settings', { apiKey: shared.apiKey, callback: 'alert(1)//' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ stat: 'fail', err: { code: 1 } });
    expect(bad.json.err.msg).toContain('callback');
  });

  it('changes only the settings given', async () => {
    const app = await createTestApp(server());
    const set = await api('set_app_settings', { apiKey: app.apiKey, privacyPolicy: 'https://mysite.example/privacy', favicon: 'http://mysite.example/favicon.ico', googleProfileUrl: 'false' });
    expect(set.status).toBe(200);
    expect(set.json).toEqual({ stat: 'ok' });
    expect((await api('set_app_settings', { apiKey: app.apiKey, format: 'xml', postToTokenUrl: 'FALSE' })).text).toBe(xmlOk(''));
    const after = await api('get_app_settings', { apiKey: app.apiKey });
    expect(after.json).toEqual({
      stat: 'ok',
      privacyPolicy: 'https://mysite.example/privacy',
      favicon: 'http://mysite.example/favicon.ico',
      domainRedirect: null,
      postToTokenUrl: false,
      oneTimeUseTokens: true,
      googleProfileUrl: false,
    });
    await api('set_app_settings', { apiKey: app.apiKey, favicon: '', domainRedirect: 'https://signin.mysite.example/', oneTimeUseTokens: 'false' });
    expect((await api('get_app_settings', { apiKey: app.apiKey })).json).toMatchObject({ favicon: null, domainRedirect: 'https://signin.mysite.example/', oneTimeUseTokens: false, privacyPolicy: 'https://mysite.example/privacy' });
  });

  it('rejects bad setting values with code 1 naming the setting, changing nothing', async () => {
    const app = await createTestApp(server());
    const cases: [Record<string, string>, string][] = [
      [{ privacyPolicy: 'javascript:alert(1)' }, 'privacyPolicy'],
      [{ favicon: 'ftp://example.com/f.ico' }, 'favicon'],
      [{ domainRedirect: 'not a url' }, 'domainRedirect'],
      [{ favicon: 'https://ok.example/f.ico', postToTokenUrl: 'yes' }, 'postToTokenUrl'],
      [{ googleProfileUrl: 'maybe' }, 'googleProfileUrl'],
    ];
    for (const [params, name] of cases) {
      const r = await api('set_app_settings', { apiKey: app.apiKey, ...params });
      expect(r.status, name).toBe(400);
      expect(r.json.err.code, name).toBe(1);
      expect(r.json.err.msg, name).toContain(`Invalid parameter: ${name}`);
    }
    expect((await api('get_app_settings', { apiKey: app.apiKey })).json).toMatchObject({ favicon: null, postToTokenUrl: true });
  });

  it("starts the whitelist with localhost and the application's domain (JSON and XML)", async () => {
    const r = await api('get_domain_patterns', { apiKey: shared.apiKey });
    expect(r.json).toEqual({ stat: 'ok', domains: ['localhost', 'www.shop.example'] });
    const xml = await api('get_domain_patterns', { apiKey: shared.apiKey, format: 'xml' });
    expect(xml.text).toBe(xmlOk('<domains><domain>localhost</domain><domain>www.shop.example</domain></domains>'));
  });

  it('replaces the whitelist from a JSON array or a comma list, normalized and without repeats', async () => {
    const app = await createTestApp(server());
    const set = await api('set_domain_patterns', { apiKey: app.apiKey, domains: '["localhost", "Somewhere.COM", "*.example.com", "somewhere.com", "shop.example:8443"]' });
    expect(set.json).toEqual({ stat: 'ok' });
    expect((await api('get_domain_patterns', { apiKey: app.apiKey })).json.domains).toEqual(['localhost', 'somewhere.com', '*.example.com', 'shop.example:8443']);
    await api('set_domain_patterns', { apiKey: app.apiKey, domains: 'a.example, b.example' });
    expect((await api('get_domain_patterns', { apiKey: app.apiKey })).json.domains).toEqual(['a.example', 'b.example']);
    await api('set_domain_patterns', { apiKey: app.apiKey, domains: '[]' });
    expect((await api('get_domain_patterns', { apiKey: app.apiKey })).json.domains).toEqual([]);
  });

  it('adds patterns idempotently', async () => {
    const app = await createTestApp(server(), { domain: 'first.example' });
    const add = await api('add_domain_patterns', { apiKey: app.apiKey, domains: 'localhost, somewhere.com, *.examples.com' });
    expect(add.json).toEqual({ stat: 'ok' });
    await api('add_domain_patterns', { apiKey: app.apiKey, domains: '["somewhere.com", "LOCALHOST", "new.example"]' });
    expect((await api('get_domain_patterns', { apiKey: app.apiKey })).json.domains).toEqual(['localhost', 'first.example', 'somewhere.com', '*.examples.com', 'new.example']);
  });

  it('keeps one entry when the same patterns are added concurrently', async () => {
    const app = await createTestApp(server(), { domain: 'race.example' });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => api('add_domain_patterns', { apiKey: app.apiKey, domains: `same.example, n${i % 2}.example` })));
    for (const r of answers) expect(r.json).toEqual({ stat: 'ok' });
    const domains: string[] = (await api('get_domain_patterns', { apiKey: app.apiKey })).json.domains;
    expect([...domains].sort()).toEqual(['localhost', 'n0.example', 'n1.example', 'race.example', 'same.example']);
  });

  it('reads parameters from a GET query string and refuses binary or foreign bodies cleanly', async () => {
    const app = await createTestApp(server(), { domain: 'get.example' });
    const get = await call(server().url, '/api/v2/get_domain_patterns', { apiKey: app.apiKey }, { method: 'GET' });
    expect(get.json).toEqual({ stat: 'ok', domains: ['localhost', 'get.example'] });
    const binary = await api('set_domain_patterns', { apiKey: app.apiKey, domains: 'a.example,\u0001b.example' });
    expect(binary.status).toBe(400);
    expect(binary.json.err.code).toBe(1);
    expect(binary.json.err.msg).toContain('domains');
    const foreign = await fetch(`${server().url}/api/v2/set_domain_patterns`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `apiKey=${app.apiKey}&domains=x.example` });
    expect(foreign.status).toBe(415);
    expect(await foreign.json()).toMatchObject({ stat: 'fail', err: { code: 1 } });
    expect((await api('get_domain_patterns', { apiKey: app.apiKey })).json.domains).toEqual(['localhost', 'get.example']);
  });

  it('rejects a bad pattern or a malformed list with code 1 naming it, leaving the whitelist as it was', async () => {
    const app = await createTestApp(server(), { domain: 'kept.example' });
    for (const path of ['set_domain_patterns', 'add_domain_patterns']) {
      const bad = await api(path, { apiKey: app.apiKey, domains: 'good.example, bad pattern.com' });
      expect(bad.status).toBe(400);
      expect(bad.json.err).toEqual({ code: 1, msg: 'Invalid parameter: domains (not a domain pattern: bad pattern.com)' });
      const url = await api(path, { apiKey: app.apiKey, domains: '["https://example.com/"]' });
      expect(url.json.err.msg).toContain('not a domain pattern: https://example.com/');
      const malformed = await api(path, { apiKey: app.apiKey, domains: '["a.example",' });
      expect(malformed.json.err.code).toBe(1);
      expect(malformed.json.err.msg).toContain('Invalid parameter: domains');
      const notStrings = await api(path, { apiKey: app.apiKey, domains: '[1, 2]' });
      expect(notStrings.json.err.msg).toContain('Invalid parameter: domains');
      const missing = await api(path, { apiKey: app.apiKey });
      expect(missing.json.err).toEqual({ code: 0, msg: 'Missing parameter: domains' });
    }
    expect((await api('get_domain_patterns', { apiKey: app.apiKey })).json.domains).toEqual(['localhost', 'kept.example']);
  });

  it('checks redirect targets against the whitelist (isWhitelisted)', async () => {
    const app = await createTestApp(server(), { domain: 'plain.example' });
    await api('add_domain_patterns', { apiKey: app.apiKey, domains: '*.wild.example, ported.example:8443' });
    const db = server().running.runtime.store.db;
    const id = await internalId(app);
    const other = await internalId(shared);
    expect(await isWhitelisted(db, id, 'https://plain.example/token')).toBe(true);
    expect(await isWhitelisted(db, id, 'http://localhost:3000/cb')).toBe(true);
    expect(await isWhitelisted(db, id, 'https://a.wild.example/x')).toBe(true);
    expect(await isWhitelisted(db, id, 'https://wild.example/x')).toBe(false);
    expect(await isWhitelisted(db, id, 'https://ported.example:8443/x')).toBe(true);
    expect(await isWhitelisted(db, id, 'https://ported.example/x')).toBe(false);
    expect(await isWhitelisted(db, id, 'https://www.plain.example/')).toBe(false);
    expect(await isWhitelisted(db, id, 'javascript:alert(1)')).toBe(false);
    // Another application's whitelist never applies.
    expect(await isWhitelisted(db, other, 'https://plain.example/token')).toBe(false);
  });

  it('adds, lists, updates and removes Backplane servers; passwords are stored sealed', async () => {
    const app = await createTestApp(server());
    expect((await api('get_backplane_properties', { apiKey: app.apiKey })).json).toEqual({ stat: 'ok', backplane_servers: [] });
    expect((await api('get_backplane_properties', { apiKey: app.apiKey, format: 'xml' })).text).toBe(xmlOk('<backplane_servers></backplane_servers>'));

    const add = await api('set_backplane_properties', { apiKey: app.apiKey, server: 'example.com', bus: 'example_bus', username: 'larrydrebes', password: 'rosebud' });
    expect(add.json).toEqual({ stat: 'ok' });
    await api('set_backplane_properties', { apiKey: app.apiKey, server: 'bp.example.org', bus: 'second', version: 'v1.2', username: 'u2', password: 'p2' });
    const listed = await api('get_backplane_properties', { apiKey: app.apiKey });
    expect(listed.json).toEqual({
      stat: 'ok',
      backplane_servers: [
        { server: 'example.com', bus: 'example_bus', version: 'v1', username: 'larrydrebes', password: 'rosebud' },
        { server: 'bp.example.org', bus: 'second', version: 'v1.2', username: 'u2', password: 'p2' },
      ],
    });
    const xml = await api('get_backplane_properties', { apiKey: app.apiKey, format: 'xml' });
    expect(xml.text).toBe(
      xmlOk(
        '<backplane_servers><backplane_server><server>example.com</server><bus>example_bus</bus><version>v1</version><username>larrydrebes</username><password>rosebud</password></backplane_server>' +
          '<backplane_server><server>bp.example.org</server><bus>second</bus><version>v1.2</version><username>u2</username><password>p2</password></backplane_server></backplane_servers>',
      ),
    );

    const rows = await server().running.runtime.store.db.selectFrom('social_backplane_servers').selectAll().where('app_id', '=', await internalId(app)).execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.password_sealed).not.toContain(row.server === 'example.com' ? 'rosebud' : 'p2');

    await api('set_backplane_properties', { apiKey: app.apiKey, server: 'example.com', bus: 'example_bus', version: 'v2', username: 'larry', password: 'changed' });
    const removed = await api('set_backplane_properties', { apiKey: app.apiKey, server: 'bp.example.org', bus: 'second', remove: 'true' });
    expect(removed.json).toEqual({ stat: 'ok' });
    expect((await api('get_backplane_properties', { apiKey: app.apiKey })).json.backplane_servers).toEqual([{ server: 'example.com', bus: 'example_bus', version: 'v2', username: 'larry', password: 'changed' }]);

    const again = await api('set_backplane_properties', { apiKey: app.apiKey, server: 'bp.example.org', bus: 'second', remove: 'true' });
    expect(again.json.err.code).toBe(2);
  });

  it('rejects incomplete or malformed Backplane settings', async () => {
    const app = await createTestApp(server());
    const base = { apiKey: app.apiKey, server: 'example.com', bus: 'bus1', username: 'u', password: 'p' };
    const expectErr = async (params: Record<string, string>, code: number, text: string) => {
      const r = await api('set_backplane_properties', params);
      expect(r.status).toBe(400);
      expect(r.json.err.code).toBe(code);
      expect(r.json.err.msg).toContain(text);
    };
    await expectErr({ ...base, server: '' }, 0, 'Missing parameter: server');
    await expectErr({ apiKey: app.apiKey, server: 'example.com', username: 'u', password: 'p' }, 0, 'Missing parameter: bus');
    await expectErr({ ...base, username: '' }, 0, 'Missing parameter: username');
    await expectErr({ apiKey: app.apiKey, server: 'example.com', bus: 'b', username: 'u' }, 0, 'Missing parameter: password');
    await expectErr({ ...base, server: 'not a host' }, 1, 'Invalid parameter: server');
    await expectErr({ ...base, version: '1.1' }, 1, 'Invalid parameter: version');
    await expectErr({ ...base, remove: 'perhaps' }, 1, 'Invalid parameter: remove');
    expect((await api('get_backplane_properties', { apiKey: app.apiKey })).json.backplane_servers).toEqual([]);
  });

  it('answers lookup_rp with what plugins read, at /api/v2 and /plugin (JSON and XML)', async () => {
    const app = await createTestApp(server(), { realm: 'lookupsite' });
    await api('set_auth_providers', { apiKey: app.apiKey, providers: 'google,facebook' });
    await api('set_share_providers', { apiKey: app.apiKey, share: 'email,twitter', email: 'yahoo' });
    const expected = {
      stat: 'ok',
      apiKey: app.apiKey,
      appId: app.appId,
      realm: 'lookupsite.localhost:8080',
      realmScheme: 'http',
      adminUrl: `http://localhost:8080/dashboard/apps/${app.appId}`,
      signinProviders: 'google,facebook',
      shareProviders: 'email,twitter',
      socialPub: 'twitter',
      capabilities: 'signin,share,emailShare,contacts',
    };
    const pluginresponse = {
      stat: 'ok',
      apikey: app.apiKey,
      appid: app.appId,
      realm: 'lookupsite.localhost:8080',
      realmscheme: 'http',
      adminurl: `http://localhost:8080/dashboard/apps/${app.appId}`,
      signinproviders: 'google,facebook',
      socialpub: 'twitter',
      capabilities: 'signin,share,emailShare,contacts',
    };
    for (const path of ['/api/v2/lookup_rp', '/plugin/lookup_rp']) {
      const r = await call(server().url, path, { apiKey: app.apiKey, pluginName: 'wordpress-capture', pluginVersion: '0.2.5', format: 'json' });
      expect(r.status, path).toBe(200);
      expect(r.json, path).toEqual({ ...expected, pluginresponse });
    }
    const xml = await call(server().url, '/plugin/lookup_rp', { apiKey: app.apiKey, format: 'xml' });
    expect(xml.text).toBe(
      xmlOk(
        `<apiKey>${app.apiKey}</apiKey><appId>${app.appId}</appId><realm>lookupsite.localhost:8080</realm><realmScheme>http</realmScheme><adminUrl>http://localhost:8080/dashboard/apps/${app.appId}</adminUrl>` +
          '<signinProviders>google,facebook</signinProviders><shareProviders>email,twitter</shareProviders><socialPub>twitter</socialPub><capabilities>signin,share,emailShare,contacts</capabilities>',
      ),
    );
    const unknown = await call(server().url, '/plugin/lookup_rp', { apiKey: UNKNOWN_KEY });
    expect(unknown.json.err).toEqual({ code: 3, msg: 'Invalid apiKey' });
  });
});
