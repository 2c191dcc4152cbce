import { get as httpGet } from 'node:http';
import { expect, it } from 'vitest';
import { createTestApp } from '../../test/fixtures.js';
import { call, describeEachDatabase, TEST_PARTNER_KEY } from '../../test/server.js';

const P = '/partner/v2';

/** fetch() drops a Host header; the realm is chosen by Host, so this uses node:http. */
function getWithHost(url: string, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).on('error', reject);
  });
}

describeEachDatabase('Partner API', (server) => {
  const partner = (path: string, params: Record<string, string> = {}) => call(server().url, `${P}/${path}`, { partnerKey: TEST_PARTNER_KEY, ...params });

  it('authenticates every call by partnerKey: missing → 0, wrong → 3', async () => {
    for (const path of ['apps', 'app/create', 'app/delete', 'admin/get', 'app/get_pending_invites']) {
      const missing = await call(server().url, `${P}/${path}`, {});
      expect(missing.status).toBe(400);
      expect(missing.json).toMatchObject({ stat: 'fail', err: { code: 0, msg: 'Missing parameter: partnerKey' } });
      const wrong = await call(server().url, `${P}/${path}`, { partnerKey: 'not-the-partner-key-at-all-000000000000' });
      expect(wrong.status).toBe(401);
      expect(wrong.json).toMatchObject({ stat: 'fail', err: { code: 3, msg: 'Invalid partnerKey' } });
    }
    const xml = await call(server().url, `${P}/apps`, { partnerKey: 'wrong', format: 'xml' });
    expect(xml.text).toMatch(/<rsp stat="fail"><err code="3" msg="Invalid partnerKey"/);
  });

  it('app/create answers partnerresponse with the Registration credentials, in JSON and XML', async () => {
    const res = await partner('app/create', { email: 'Owner@Example.com', domain: 'www.shop-one.example', name: 'Shop One' });
    expect(res.status).toBe(200);
    const r = res.json.partnerresponse;
    expect(Object.keys(res.json)).toEqual(['partnerresponse']);
    expect(r).toMatchObject({ stat: 'ok', realm: 'shop-one.localhost' });
    expect(r.apikey).toMatch(/^[0-9a-f]{40}$/);
    expect(r.appid).toMatch(/^[a-z]{20}$/);
    expect(r.adminurl).toContain(r.appid);
    expect(r.inviteurl).toMatch(/^http:\/\/localhost:8080\/invite\?code=[0-9a-f]+$/);
    for (const k of ['capture_owner_client_id', 'capture_owner_client_secret', 'capture_login_client_id', 'capture_login_client_secret']) expect(r[k]).toMatch(/^[a-z0-9]{32}$/);

    const xml = await partner('app/create', { email: 'x@example.com', domain: 'xml.example.com', format: 'xml' });
    expect(xml.status).toBe(200);
    expect(xml.headers.get('content-type')).toContain('application/xml');
    expect(xml.text).toMatch(/^<\?xml[^>]*\?><rsp stat="ok"><apikey>[0-9a-f]{40}<\/apikey><appid>[a-z]{20}<\/appid><realm>xml-example\.localhost<\/realm>/);
    expect(xml.text).toMatch(/<capture_login_client_secret>[a-z0-9]{32}<\/capture_login_client_secret><\/rsp>$/);
  });

  it('app/create gives a taken derived realm a suffix, and refuses a taken or malformed explicit realm', async () => {
    const first = await createTestApp(server(), { domain: 'twin.example.org' });
    const second = await createTestApp(server(), { domain: 'twin.example.org' });
    expect(first.realm).toBe('twin-example');
    expect(second.realm).toMatch(/^twin-example-[a-z0-9]{6}$/);

    const taken = await partner('app/create', { email: 'a@example.com', domain: 'a.example.com', realm: 'twin-example' });
    expect(taken.status).toBe(400);
    expect(taken.json.err).toEqual({ code: 1, msg: 'Invalid realm: twin-example is already taken' });
    for (const realm of ['x', 'Bad_Realm', '-dash', 'a'.repeat(64)]) {
      const bad = await partner('app/create', { email: 'a@example.com', domain: 'a.example.com', realm });
      expect(bad.json.err.code).toBe(1);
      expect(bad.json.err.msg).toMatch(/^Invalid realm: /);
    }
    const xml = await partner('app/create', { email: 'a@example.com', domain: 'a.example.com', realm: 'x', format: 'xml' });
    expect(xml.text).toMatch(/<err code="1" msg="Invalid realm: x is too short/);
  });

  it('app/create keeps a migrating site apiKey and realm (as Janrain answered it), and refuses a bad or used apiKey', async () => {
    const apiKey = 'ABCDEF0123456789abcdef0123456789ABCDEF01';
    const app = await createTestApp(server(), { apiKey, realm: 'migrated.rpxnow.com', domain: 'migrated.example.com' });
    expect(app.apiKey).toBe(apiKey.toLowerCase());
    expect(app.realmHost).toBe('migrated.localhost');
    // The old key, in either case, names the application.
    const admins = await partner('admin/get', { apiKey });
    expect(admins.json).toMatchObject({ stat: 'ok' });

    const used = await partner('app/create', { email: 'a@example.com', domain: 'b.example.com', apiKey: apiKey.toLowerCase() });
    expect(used.json.err).toEqual({ code: 1, msg: 'Invalid parameter: apiKey (already in use by another application)' });
    for (const bad of ['123', 'g'.repeat(40), 'a'.repeat(41)]) {
      const res = await partner('app/create', { email: 'a@example.com', domain: 'b.example.com', apiKey: bad });
      expect(res.json.err.code).toBe(1);
      expect(res.json.err.msg).toMatch(/^Invalid parameter: apiKey/);
    }
    // A refused creation leaves nothing behind.
    const apps = await partner('apps');
    expect(apps.json.apps.filter((a: { applicationDomain: string }) => a.applicationDomain.includes('b-example'))).toEqual([]);
  });

  it('app/create validates email and domain', async () => {
    expect((await partner('app/create', { domain: 'a.example.com' })).json.err).toEqual({ code: 0, msg: 'Missing parameter: email' });
    expect((await partner('app/create', { email: 'a@example.com' })).json.err).toEqual({ code: 0, msg: 'Missing parameter: domain' });
    expect((await partner('app/create', { email: 'nope', domain: 'a.example.com' })).json.err.msg).toMatch(/^Invalid parameter: email/);
    expect((await partner('app/create', { email: 'a@example.com', domain: 'bad domain!' })).json.err.msg).toMatch(/^Invalid parameter: domain/);
  });

  it('apps lists every application with its apiKey, in JSON and XML', async () => {
    const app = await createTestApp(server());
    const res = await partner('apps');
    expect(res.json.stat).toBe('ok');
    expect(res.json.apps).toContainEqual({ appId: app.appId, applicationDomain: `http://${app.realm}.localhost:8080/`, apiKey: app.apiKey });
    const xml = await partner('apps', { format: 'xml' });
    expect(xml.text).toContain(`<app><appId>${app.appId}</appId><applicationDomain>http://${app.realm}.localhost:8080/</applicationDomain><apiKey>${app.apiKey}</apiKey></app>`);
    expect(xml.text).toMatch(/^<\?xml[^>]*\?><rsp stat="ok"><apps>/);
  });

  it('calls that name an application need its apiKey: missing → 0, unknown → 3; appId also names it (unknown → 19)', async () => {
    for (const path of ['app/delete', 'app/get_properties', 'app/set_properties', 'app/reset_api_key', 'app/add_domain', 'app/verify_domain', 'app/create_invite', 'app/get_pending_invites', 'app/get_provider_permissions', 'app/set_provider_permissions', 'admin/add', 'admin/delete', 'admin/get']) {
      const missing = await partner(path);
      expect(missing.json.err, path).toEqual({ code: 0, msg: 'Missing parameter: apiKey' });
      const unknown = await partner(path, { apiKey: 'f'.repeat(40) });
      expect(unknown.status).toBe(401);
      expect(unknown.json.err, path).toEqual({ code: 3, msg: 'Invalid apiKey' });
      const malformed = await partner(path, { apiKey: 'short' });
      expect(malformed.json.err.code, path).toBe(3);
    }
    const app = await createTestApp(server());
    expect((await partner('admin/get', { appId: app.appId })).json.stat).toBe('ok');
    expect((await partner('admin/get', { appID: 'nosuchappidxxxxxxxxx' })).json.err).toEqual({ code: 19, msg: 'App ID not found' });
  });

  it('app/delete removes the application and everything of it: its apiKey and clients stop working', async () => {
    const app = await createTestApp(server());
    const del = await partner('app/delete', { apiKey: app.apiKey });
    expect(del.json).toEqual({ stat: 'ok' });
    expect((await partner('admin/get', { apiKey: app.apiKey })).json.err).toEqual({ code: 3, msg: 'Invalid apiKey' });
    expect((await partner('apps')).json.apps.map((a: { appId: string }) => a.appId)).not.toContain(app.appId);
    const rows = await server().running.runtime.store.db.selectFrom('api_clients').select('id').where('client_id', 'in', [app.ownerClientId, app.loginClientId]).execute();
    expect(rows).toEqual([]);
    const xml = await partner('app/delete', { apiKey: (await createTestApp(server())).apiKey, format: 'xml' });
    expect(xml.text).toMatch(/<rsp stat="ok"\/>|<rsp stat="ok"><\/rsp>/);
  });

  it('app/reset_api_key: the old key fails at once, the new one works', async () => {
    const app = await createTestApp(server());
    const res = await partner('app/reset_api_key', { apiKey: app.apiKey });
    expect(res.json.stat).toBe('ok');
    expect(res.json.apiKey).toMatch(/^[0-9a-f]{40}$/);
    expect(res.json.apiKey).not.toBe(app.apiKey);
    expect((await partner('admin/get', { apiKey: app.apiKey })).json.err.code).toBe(3);
    expect((await partner('admin/get', { apiKey: res.json.apiKey })).json.stat).toBe('ok');
    expect((await partner('apps')).json.apps).toContainEqual(expect.objectContaining({ appId: app.appId, apiKey: res.json.apiKey }));
    // Janrain's own example names the application by appID.
    const byId = await partner('app/reset_api_key', { appID: app.appId, format: 'xml' });
    expect(byId.text).toMatch(/<rsp stat="ok"><apiKey>[0-9a-f]{40}<\/apiKey><\/rsp>$/);
  });

  it('admin/add, admin/get, admin/delete (JSON and XML)', async () => {
    const app = await createTestApp(server(), { email: 'first@example.com' });
    expect((await partner('admin/get', { apiKey: app.apiKey })).json).toEqual({ stat: 'ok', admins: [{ email: 'first@example.com', notify: true }] });
    expect((await partner('admin/add', { apiKey: app.apiKey, email: 'Second@Example.com', notify: 'false' })).json).toEqual({ stat: 'ok' });
    expect((await partner('admin/add', { apiKey: app.apiKey, email: 'third@example.com' })).json).toEqual({ stat: 'ok' });
    const got = await partner('admin/get', { apiKey: app.apiKey });
    expect(got.json.admins).toEqual([
      { email: 'first@example.com', notify: true },
      { email: 'second@example.com', notify: false },
      { email: 'third@example.com', notify: true },
    ]);
    const xml = await partner('admin/get', { apiKey: app.apiKey, format: 'xml' });
    expect(xml.text).toContain('<admins><admin><email>first@example.com</email><notify>true</notify></admin><admin><email>second@example.com</email><notify>false</notify></admin>');
    // Adding again updates notify.
    await partner('admin/add', { apiKey: app.apiKey, email: 'second@example.com', notify: 'true' });
    expect((await partner('admin/get', { apiKey: app.apiKey })).json.admins[1]).toEqual({ email: 'second@example.com', notify: true });

    expect((await partner('admin/add', { apiKey: app.apiKey, email: 'not an email' })).json.err.msg).toMatch(/^Invalid parameter: email/);
    expect((await partner('admin/add', { apiKey: app.apiKey, email: 'x@example.com', notify: 'maybe' })).json.err.msg).toMatch(/^Invalid parameter: notify/);
    expect((await partner('admin/delete', { apiKey: app.apiKey })).json.err).toEqual({ code: 0, msg: 'Missing parameter: email' });
    expect((await partner('admin/delete', { apiKey: app.apiKey, email: 'nobody@example.com' })).json.err.code).toBe(2);
    expect((await partner('admin/delete', { apiKey: app.apiKey, email: 'second@example.com' })).json).toEqual({ stat: 'ok' });
    expect((await partner('admin/delete', { apiKey: app.apiKey, email: 'third@example.com', format: 'xml' })).text).toMatch(/<rsp stat="ok"/);
    const last = await partner('admin/delete', { apiKey: app.apiKey, email: 'first@example.com' });
    expect(last.json.err.code).toBe(1);
    expect(last.json.err.msg).toContain('last admin');
    expect((await partner('admin/get', { apiKey: app.apiKey })).json.admins).toEqual([{ email: 'first@example.com', notify: true }]);
  });

  it('app/create_invite answers PartnerResponse.inviteUrl; app/get_pending_invites lists unused ones', async () => {
    const app = await createTestApp(server(), { email: 'boss@example.com' });
    const res = await partner('app/create_invite', { apiKey: app.apiKey, email: 'helper@example.com' });
    expect(Object.keys(res.json)).toEqual(['PartnerResponse']);
    expect(res.json.PartnerResponse.stat).toBe('ok');
    expect(res.json.PartnerResponse.inviteUrl).toMatch(/^http:\/\/localhost:8080\/invite\?code=[0-9a-f]{48}$/);
    const xml = await partner('app/create_invite', { apiKey: app.apiKey, email: 'other@example.com', format: 'xml' });
    expect(xml.text).toMatch(/<rsp stat="ok"><inviteUrl>http:\/\/localhost:8080\/invite\?code=[0-9a-f]{48}<\/inviteUrl><\/rsp>$/);

    const pending = await partner('app/get_pending_invites', { apiKey: app.apiKey });
    expect(pending.json).toEqual({
      stat: 'ok',
      invites: [
        { email: 'boss@example.com', url: app.inviteUrl },
        { email: 'helper@example.com', url: res.json.PartnerResponse.inviteUrl },
        { email: 'other@example.com', url: expect.stringMatching(/code=/) },
      ],
    });
    const pendingXml = await partner('app/get_pending_invites', { apiKey: app.apiKey, format: 'xml' });
    expect(pendingXml.text).toContain('<invites><invite><email>boss@example.com</email><url>');
    expect((await partner('app/create_invite', { apiKey: app.apiKey })).json.err).toEqual({ code: 0, msg: 'Missing parameter: email' });
    // Invite codes are stored as digests only.
    const rows = await server().running.runtime.store.db.selectFrom('app_invites').selectAll().execute();
    const code = new URL(res.json.PartnerResponse.inviteUrl).searchParams.get('code') as string;
    expect(JSON.stringify(rows)).not.toContain(code);
  });

  it('app/add_domain adds a custom domain the application answers on; a taken one is code 18', async () => {
    const app = await createTestApp(server());
    const other = await createTestApp(server());
    expect((await partner('app/add_domain', { apiKey: app.apiKey, domain: 'Login.Shop.Example' })).json).toEqual({ stat: 'ok' });
    const again = await partner('app/add_domain', { apiKey: other.apiKey, domain: 'login.shop.example' });
    expect(again.status).toBe(409);
    expect(again.json.err).toEqual({ code: 18, msg: 'Domain already exists' });
    const againXml = await partner('app/add_domain', { apiKey: app.apiKey, domain: 'https://login.shop.example/', format: 'xml' });
    expect(againXml.text).toMatch(/<err code="18" msg="Domain already exists"/);
    expect((await partner('app/add_domain', { apiKey: app.apiKey, domain: 'other.localhost' })).json.err.code).toBe(1);
    expect((await partner('app/add_domain', { apiKey: app.apiKey, domain: 'no_such host' })).json.err.msg).toMatch(/^Invalid parameter: domain/);
    expect((await partner('app/add_domain', { apiKey: app.apiKey })).json.err).toEqual({ code: 0, msg: 'Missing parameter: domain' });
    expect((await partner('app/add_domain', { apiKey: app.apiKey, domain: 'second.shop.example', format: 'xml' })).text).toMatch(/<rsp stat="ok"/);
  });

  it('app/verify_domain publishes Google and Yahoo verification codes; files are served on the app host', async () => {
    const app = await createTestApp(server());
    expect((await partner('app/verify_domain', { apiKey: app.apiKey, provider: 'google', code: 'rCLLGGTVdEiGe+DXLHKLCD' })).json).toEqual({ stat: 'ok' });
    expect((await partner('app/verify_domain', { apiKey: app.apiKey, provider: 'yahoo', code: 'y_key_0123456789abcdef.html', format: 'xml' })).text).toMatch(/<rsp stat="ok"/);
    const file = await getWithHost(`${server().url}/y_key_0123456789abcdef.html`, `${app.realm}.localhost:8080`);
    expect(file.status).toBe(200);
    expect(file.text).toBe('y_key_0123456789abcdef.html');
    expect((await getWithHost(`${server().url}/y_key_0123456789abcdef.html`, 'localhost:8080')).status).toBe(404);
    expect((await getWithHost(`${server().url}/y_key_00000000000000.html`, `${app.realm}.localhost:8080`)).status).toBe(404);
    // A custom domain serves it too.
    await partner('app/add_domain', { apiKey: app.apiKey, domain: `verify-${app.realm}.example.net` });
    expect((await getWithHost(`${server().url}/y_key_0123456789abcdef.html`, `verify-${app.realm}.example.net`)).status).toBe(200);

    expect((await partner('app/verify_domain', { apiKey: app.apiKey, provider: 'facebook', code: 'abc' })).json.err.code).toBe(11);
    expect((await partner('app/verify_domain', { apiKey: app.apiKey, provider: 'nosuch', code: 'abc' })).json.err).toEqual({ code: 1, msg: 'Invalid provider: nosuch' });
    expect((await partner('app/verify_domain', { apiKey: app.apiKey, provider: 'google' })).json.err).toEqual({ code: 0, msg: 'Missing parameter: code' });
    expect((await partner('app/verify_domain', { apiKey: app.apiKey, provider: 'google', code: 'has space' })).json.err.msg).toMatch(/^Invalid parameter: code/);
  });

  it('app/set_properties and app/get_properties keep provider credentials (sealed), in JSON and XML', async () => {
    const app = await createTestApp(server());
    expect((await partner('app/get_properties', { apiKey: app.apiKey, provider: 'facebook' })).json).toEqual({ stat: 'ok', fbAppID: '', fbSecret: '', emailPerm: false, uninstallURL: '' });
    expect((await partner('app/set_properties', { apiKey: app.apiKey, provider: 'facebook', fbAppID: '123456789123456', fbSecret: 'fb-secret-value', emailPerm: 'true' })).json).toEqual({ stat: 'ok' });
    expect((await partner('app/set_properties', { apiKey: app.apiKey, provider: 'facebook', uninstallURL: 'https://shop.example/uninstall' })).json).toEqual({ stat: 'ok' });
    expect((await partner('app/get_properties', { apiKey: app.apiKey, provider: 'facebook' })).json).toEqual({
      stat: 'ok',
      fbAppID: '123456789123456',
      fbSecret: 'fb-secret-value',
      emailPerm: true,
      uninstallURL: 'https://shop.example/uninstall',
    });
    await partner('app/set_properties', { apiKey: app.apiKey, provider: 'google', consumerKey: 'gk', consumerSecret: 'gs' });
    const xml = await partner('app/get_properties', { apiKey: app.apiKey, provider: 'google', format: 'xml' });
    expect(xml.text).toMatch(/<rsp stat="ok"><consumerKey>gk<\/consumerKey><consumerSecret>gs<\/consumerSecret><\/rsp>$/);
    const stored = await server().running.runtime.store.db.selectFrom('app_provider_properties').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain('fb-secret-value');

    expect((await partner('app/get_properties', { apiKey: app.apiKey })).json.err).toEqual({ code: 0, msg: 'Missing parameter: provider' });
    expect((await partner('app/get_properties', { apiKey: app.apiKey, provider: 'nosuch' })).json.err).toEqual({ code: 1, msg: 'Invalid provider: nosuch' });
    expect((await partner('app/set_properties', { apiKey: app.apiKey, provider: 'myspace', consumerKey: 'x' })).json.err.code).toBe(11);
    expect((await partner('app/set_properties', { apiKey: app.apiKey, provider: 'google' })).json.err.code).toBe(0);
    expect((await partner('app/set_properties', { apiKey: app.apiKey, provider: 'facebook', emailPerm: 'perhaps' })).json.err.msg).toMatch(/^Invalid parameter: emailPerm/);
  });

  it('app/set_provider_permissions and app/get_provider_permissions check names against the provider catalog', async () => {
    const app = await createTestApp(server());
    expect((await partner('app/get_provider_permissions', { apiKey: app.apiKey, provider: 'facebook' })).json).toEqual({ stat: 'ok', permissions: [] });
    expect((await partner('app/set_provider_permissions', { apiKey: app.apiKey, provider: 'facebook', permissions: '["email","user_birthday"]' })).json).toEqual({ stat: 'ok' });
    expect((await partner('app/get_provider_permissions', { apiKey: app.apiKey, provider: 'facebook' })).json).toEqual({ stat: 'ok', permissions: ['email', 'user_birthday'] });
    const xml = await partner('app/get_provider_permissions', { apiKey: app.apiKey, provider: 'facebook', format: 'xml' });
    expect(xml.text).toMatch(/<rsp stat="ok"><permissions><permission>email<\/permission><permission>user_birthday<\/permission><\/permissions><\/rsp>$/);
    // A comma list works too, and replaces the list.
    await partner('app/set_provider_permissions', { apiKey: app.apiKey, provider: 'facebook', permissions: 'public_profile, email' });
    expect((await partner('app/get_provider_permissions', { apiKey: app.apiKey, provider: 'facebook' })).json.permissions).toEqual(['public_profile', 'email']);
    expect((await partner('app/set_provider_permissions', { apiKey: app.apiKey, provider: 'facebook', permissions: '[]', format: 'xml' })).text).toMatch(/<rsp stat="ok"/);

    const err = async (params: Record<string, string>) => (await partner('app/set_provider_permissions', { apiKey: app.apiKey, ...params })).json.err;
    expect(await err({ provider: 'nosuch', permissions: '[]' })).toEqual({ code: 1, msg: 'Invalid provider: nosuch' });
    expect(await err({ provider: 'soundcloud', permissions: '[]' })).toEqual({ code: 1, msg: 'Setting permissions not supported for this provider' });
    expect(await err({ provider: 'facebook', permissions: '["no_such_permission"]' })).toEqual({ code: 1, msg: 'Permission does not exist: no_such_permission' });
    expect(await err({ provider: 'facebook', permissions: '["tweet.read"]' })).toEqual({ code: 1, msg: 'Permission not supported for this provider: tweet.read' });
    expect(await err({ provider: 'facebook', permissions: '["email"' })).toMatchObject({ code: 1 });
    expect(await err({ provider: 'facebook' })).toEqual({ code: 0, msg: 'Missing parameter: permissions' });
    expect((await partner('app/get_provider_permissions', { apiKey: app.apiKey, provider: 'soundcloud' })).json.err.msg).toBe('Setting permissions not supported for this provider');
    expect((await partner('app/get_provider_permissions', { apiKey: app.apiKey, provider: 'zzz' })).json.err.msg).toBe('Invalid provider: zzz');
  });

  it('the remaining calls answer compact XML too', async () => {
    const app = await createTestApp(server());
    expect((await partner('admin/add', { apiKey: app.apiKey, email: 'xml@example.com', format: 'xml' })).text).toMatch(/^<\?xml[^>]*\?><rsp stat="ok"(\/>|><\/rsp>)$/);
    expect((await partner('app/set_properties', { apiKey: app.apiKey, provider: 'github', consumerKey: 'k', format: 'xml' })).text).toMatch(/<rsp stat="ok"(\/>|><\/rsp>)$/);
    expect((await partner('admin/add', { apiKey: app.apiKey, format: 'xml' })).text).toMatch(/<rsp stat="fail"><err code="0" msg="Missing parameter: email"/);
  });

  it('bad input gets a clean error, never a crash or a partial write', async () => {
    const before = (await partner('apps')).json.apps.length;
    const binary = await partner('app/create', { email: 'a@example.com', domain: 'bin.example.com', name: 'a\u0001b' });
    expect(binary.json.err).toMatchObject({ code: 1 });
    const huge = await fetch(`${server().url}${P}/app/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `partnerKey=${TEST_PARTNER_KEY}&email=a%40example.com&domain=big.example.com&name=${'x'.repeat(10 * 1024 * 1024)}`,
    });
    expect(huge.status).toBe(413);
    expect((await huge.json()).stat).toBe('fail');
    const longName = await partner('app/create', { email: 'a@example.com', domain: 'long.example.com', name: 'x'.repeat(5000) });
    expect(longName.json.err.msg).toMatch(/^Invalid parameter: name/);
    const json = await fetch(`${server().url}${P}/app/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"partnerKey":' });
    expect((await json.json()).err.code).toBe(1);
    expect((await partner('apps')).json.apps.length).toBe(before);
  });

  it('answers JSONP when asked', async () => {
    const res = await partner('apps', { callback: 'window.cb' });
    expect(res.headers.get('content-type')).toContain('application/javascript');
    expect(res.text).toMatch(/^\/\*\*\/window\.cb\(\{"stat":"ok","apps":\[/);
  });
});
