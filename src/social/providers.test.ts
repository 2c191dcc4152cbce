import { beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/fixtures.js';
import { call, describeEachDatabase } from '../../test/server.js';
import { callWithHost, xmlOk } from './test-helpers.js';

describeEachDatabase('Social Login provider lists', (server) => {
  const api = (path: string, params: Record<string, string> = {}) => call(server().url, `/api/v2/${path}`, params);

  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(server(), { realm: 'provsite' });
    await api('set_auth_providers', { apiKey: app.apiKey, providers: '["google","facebook","live_id","twitter","google"]' });
    await api('set_auth_providers', { apiKey: app.apiKey, providers: 'apple, google', device_type: 'iphone' });
    await api('set_share_providers', { apiKey: app.apiKey, share: 'email, linkedin, facebook', email: '["google","yahoo"]' });
  });

  it('starts a new application with empty lists', async () => {
    const fresh = await createTestApp(server());
    const r = await api('providers', { appId: fresh.appId });
    expect(r.json).toEqual({ stat: 'ok', signin: [], social: [], shareWidget: { share: [], email: [] } });
    expect((await api('get_share_providers', { appId: fresh.appId, format: 'xml' })).text).toBe(xmlOk('<email></email><share></share>'));
  });

  it('answers providers by appId with the canonical specifiers (JSON and XML)', async () => {
    const r = await api('providers', { appId: app.appId });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      stat: 'ok',
      signin: ['google', 'facebook', 'microsoft', 'twitter'],
      social: ['linkedin', 'facebook'],
      shareWidget: { share: ['email', 'linkedin', 'facebook'], email: ['google', 'yahoo'] },
    });
    const xml = await api('providers', { appId: app.appId, format: 'xml' });
    expect(xml.text).toBe(
      xmlOk(
        '<signin><provider>google</provider><provider>facebook</provider><provider>microsoft</provider><provider>twitter</provider></signin>' +
          '<social><provider>linkedin</provider><provider>facebook</provider></social>' +
          '<shareWidget><share><provider>email</provider><provider>linkedin</provider><provider>facebook</provider></share><email><provider>google</provider><provider>yahoo</provider></email></shareWidget>',
      ),
    );
  });

  it('keeps a sign-in list per device type', async () => {
    expect((await api('providers', { appId: app.appId, device_type: 'iphone' })).json.signin).toEqual(['apple', 'google']);
    expect((await api('get_available_providers', { appId: app.appId, device_type: 'android' })).json.signin).toEqual([]);
    expect((await api('get_available_providers', { appId: app.appId, device_type: '' })).json.signin).toEqual(['google', 'facebook', 'microsoft', 'twitter']);
  });

  it('answers get_available_providers and get_share_providers (JSON, XML, JSONP)', async () => {
    const available = await api('get_available_providers', { appId: app.appId });
    expect(available.json).toEqual({ stat: 'ok', signin: ['google', 'facebook', 'microsoft', 'twitter'], social: ['linkedin', 'facebook'], share: ['email', 'linkedin', 'facebook'] });
    expect((await api('get_available_providers', { appId: app.appId, format: 'xml' })).text).toBe(
      xmlOk(
        '<signin><provider>google</provider><provider>facebook</provider><provider>microsoft</provider><provider>twitter</provider></signin>' +
          '<social><provider>linkedin</provider><provider>facebook</provider></social><share><provider>email</provider><provider>linkedin</provider><provider>facebook</provider></share>',
      ),
    );
    const share = await api('get_share_providers', { appId: app.appId });
    expect(share.json).toEqual({ stat: 'ok', email: ['google', 'yahoo'], share: ['email', 'linkedin', 'facebook'] });
    expect((await api('get_share_providers', { appId: app.appId, format: 'xml' })).text).toBe(
      xmlOk('<email><provider>google</provider><provider>yahoo</provider></email><share><provider>email</provider><provider>linkedin</provider><provider>facebook</provider></share>'),
    );
    const jsonp = await api('get_share_providers', { appId: app.appId, callback: 'janrainShare' });
    expect(jsonp.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(jsonp.text).toBe('/**/janrainShare({"stat":"ok","email":["google","yahoo"],"share":["email","linkedin","facebook"]});');
  });

  it('finds the application by the realm in the Host header', async () => {
    const r = await callWithHost(server().url, '/api/v2/providers', {}, 'provsite.localhost:8080');
    expect(r.status).toBe(200);
    expect(r.json.signin).toEqual(['google', 'facebook', 'microsoft', 'twitter']);
    const share = await callWithHost(server().url, '/api/v2/get_share_providers', { callback: 'cb' }, 'PROVSITE.localhost:8080');
    expect(share.text).toBe('/**/cb({"stat":"ok","email":["google","yahoo"],"share":["email","linkedin","facebook"]});');
    const unknown = await callWithHost(server().url, '/api/v2/get_available_providers', {}, 'nosuchrealm.localhost:8080');
    expect(unknown.status).toBe(404);
    expect(unknown.json.err).toEqual({ code: 19, msg: 'App ID not found' });
  });

  it('needs a realm host or an appId, and answers code 19 for an unknown appId', async () => {
    for (const path of ['providers', 'get_available_providers', 'get_share_providers']) {
      const missing = await api(path);
      expect(missing.status, path).toBe(400);
      expect(missing.json.err, path).toEqual({ code: 0, msg: 'Missing parameter: appId' });
      const unknown = await api(path, { appId: 'nosuchappidnosuchapp' });
      expect(unknown.json.err, path).toEqual({ code: 19, msg: 'App ID not found' });
      const xml = await api(path, { appId: 'nosuchappidnosuchapp', format: 'xml' });
      expect(xml.text, path).toMatch(/<rsp stat="fail"><err code="19" msg="App ID not found" request_id="[a-z0-9]{16}"(\/>|><\/err>)<\/rsp>$/);
    }
  });

  it('rejects unknown, discontinued and unsuitable providers without changing the lists', async () => {
    const expectErr = async (path: string, params: Record<string, string>, err: { code: number; msg: string }) => {
      const r = await api(path, { apiKey: app.apiKey, ...params });
      expect(r.status).toBe(400);
      expect(r.json.err).toEqual(err);
    };
    await expectErr('set_auth_providers', { providers: 'google, friendster' }, { code: 1, msg: 'Invalid provider: friendster' });
    await expectErr('set_auth_providers', { providers: '["google","myopenid"]' }, { code: 11, msg: 'Provider discontinued: myopenid' });
    await expectErr('set_auth_providers', { providers: 'openid' }, { code: 11, msg: 'Provider discontinued: openid' });
    await expectErr('set_auth_providers', { providers: 'google', device_type: 'blackberry' }, { code: 1, msg: 'Invalid parameter: device_type (must be web, iphone or android)' });
    await expectErr('set_share_providers', { share: 'google' }, { code: 11, msg: 'google does not support sharing' });
    await expectErr('set_share_providers', { share: 'facebook', email: 'facebook' }, { code: 11, msg: 'facebook does not support email sharing' });
    await expectErr('set_share_providers', { share: 'myspace' }, { code: 11, msg: 'Provider discontinued: myspace' });
    await expectErr('set_share_providers', { share: 'email', email: 'nosuch' }, { code: 1, msg: 'Invalid provider: nosuch' });

    const malformed = await api('set_auth_providers', { apiKey: app.apiKey, providers: '["google"' });
    expect(malformed.json.err.code).toBe(1);
    expect(malformed.json.err.msg).toContain('Invalid parameter: providers');
    expect((await api('set_auth_providers', { apiKey: app.apiKey })).json.err).toEqual({ code: 0, msg: 'Missing parameter: providers' });
    expect((await api('set_share_providers', { apiKey: app.apiKey, email: 'google' })).json.err).toEqual({ code: 0, msg: 'Missing parameter: share' });

    expect((await api('providers', { appId: app.appId })).json).toEqual({
      stat: 'ok',
      signin: ['google', 'facebook', 'microsoft', 'twitter'],
      social: ['linkedin', 'facebook'],
      shareWidget: { share: ['email', 'linkedin', 'facebook'], email: ['google', 'yahoo'] },
    });
  });

  it('replaces lists wholesale and answers the set calls in XML', async () => {
    const other = await createTestApp(server());
    const set = await api('set_auth_providers', { apiKey: other.apiKey, providers: 'vkontakte,github', format: 'xml' });
    expect(set.text).toBe(xmlOk(''));
    await api('set_share_providers', { apiKey: other.apiKey, share: 'twitter' });
    await api('set_auth_providers', { apiKey: other.apiKey, providers: '[]' });
    expect((await api('providers', { appId: other.appId })).json).toEqual({ stat: 'ok', signin: [], social: ['twitter'], shareWidget: { share: ['twitter'], email: [] } });
    // Another application's lists are untouched.
    expect((await api('get_share_providers', { appId: app.appId })).json.share).toEqual(['email', 'linkedin', 'facebook']);
  });
});
