import { beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/fixtures.js';
import { call, describeEachDatabase } from '../../../test/server.js';
import { addClient, login, owner, type Credentials } from '../access/test-helpers.js';
import { clientSetting } from './settings.js';

describeEachDatabase('settings/*', (server) => {
  let app: TestApp;
  let client: Credentials;
  const post = (path: string, params: Record<string, string> = {}) => call(server().url, path, params);
  const mine = (extra: Record<string, string> = {}) => ({ ...owner(app), for_client_id: client.client_id, ...extra });

  beforeAll(async () => {
    app = await createTestApp(server());
    client = await addClient(server(), app, ['direct_access']);
  });

  it('set answers false when it creates a key and true when it overwrites one; get reads it', async () => {
    expect((await post('/settings/set', mine({ key: 'password_recover_url', value: 'https://site.example.com/recover' }))).json).toEqual({ stat: 'ok', result: false });
    expect((await post('/settings/set', mine({ key: 'password_recover_url', value: 'https://site.example.com/reset' }))).json).toEqual({ stat: 'ok', result: true });
    expect((await post('/settings/get', mine({ key: 'password_recover_url' }))).json).toEqual({ stat: 'ok', result: 'https://site.example.com/reset' });
    // The client reads its own settings without naming itself.
    expect((await post('/settings/get', { ...client, key: 'password_recover_url' })).json).toEqual({ stat: 'ok', result: 'https://site.example.com/reset' });
  });

  it('get: the client value, else the default, else null; get_default reads defaults only', async () => {
    expect((await post('/settings/set_default', { ...owner(app), key: 'default_flow_name', value: 'standard' })).json).toEqual({ stat: 'ok', result: false });
    expect((await post('/settings/set_default', { ...owner(app), key: 'default_flow_name', value: 'standard2' })).json).toEqual({ stat: 'ok', result: true });
    expect((await post('/settings/get', mine({ key: 'default_flow_name' }))).json.result).toBe('standard2');
    await post('/settings/set', mine({ key: 'default_flow_name', value: 'mobile' }));
    expect((await post('/settings/get', mine({ key: 'default_flow_name' }))).json.result).toBe('mobile');
    expect((await post('/settings/get_default', { ...owner(app), key: 'default_flow_name' })).json).toEqual({ stat: 'ok', result: 'standard2' });
    expect((await post('/settings/get', mine({ key: 'never_set' }))).json).toEqual({ stat: 'ok', result: null });
    expect((await post('/settings/get_default', { ...owner(app), key: 'never_set' })).json).toEqual({ stat: 'ok', result: null });
    const { runtime } = server().running;
    const appRow = await runtime.store.db.selectFrom('apps').select('id').where('app_id', '=', app.appId).executeTakeFirstOrThrow();
    expect(await clientSetting(runtime.store.db, appRow.id, client.client_id, 'default_flow_name')).toBe('mobile');
    expect(await clientSetting(runtime.store.db, appRow.id, app.loginClientId, 'default_flow_name')).toBe('standard2');
    expect(await clientSetting(runtime.store.db, appRow.id, app.loginClientId, 'never_set')).toBeNull();
  });

  it('get_multi, items and keys merge the defaults under the client values', async () => {
    const fresh = await addClient(server(), app, ['direct_read_access']);
    const as = (extra: Record<string, string> = {}) => ({ ...owner(app), for_client_id: fresh.client_id, ...extra });
    await post('/settings/set_default_multi', { ...owner(app), items: JSON.stringify({ verify_email_url: 'https://d.example.com/verify', rpx_realm: 'demo' }) });
    await post('/settings/set', as({ key: 'verify_email_url', value: 'https://c.example.com/verify' }));
    expect((await post('/settings/get_multi', as({ keys: '["verify_email_url","rpx_realm","nothing"]' }))).json).toEqual({
      stat: 'ok',
      result: { verify_email_url: 'https://c.example.com/verify', rpx_realm: 'demo', nothing: null },
    });
    expect((await post('/settings/get_multi', as({ keys: 'rpx_realm,nothing' }))).json.result).toEqual({ rpx_realm: 'demo', nothing: null });
    const items = (await post('/settings/items', as())).json;
    expect(items).toMatchObject({ stat: 'ok', result: { verify_email_url: 'https://c.example.com/verify', rpx_realm: 'demo', default_flow_name: 'standard2' } });
    const keys = (await post('/settings/keys', as())).json;
    expect(keys.stat).toBe('ok');
    expect(keys.result).toEqual(Object.keys(items.result));
    expect(keys.result).toEqual([...keys.result].sort());
  });

  it('set_multi and set_default_multi answer key → whether it existed; values are text', async () => {
    await post('/settings/set', mine({ key: 'a', value: '1' }));
    expect((await post('/settings/set_multi', mine({ items: '{"a":"2","b":3,"c":true}' }))).json).toEqual({ stat: 'ok', result: { a: true, b: false, c: false } });
    expect((await post('/settings/get_multi', mine({ keys: '["a","b","c"]' }))).json.result).toEqual({ a: '2', b: '3', c: 'true' });
    expect((await post('/settings/set_default_multi', { ...owner(app), items: '{"x":"1"}' })).json).toEqual({ stat: 'ok', result: { x: false } });
    expect((await post('/settings/set_default_multi', { ...owner(app), items: '{"x":"2","y":"1"}' })).json).toEqual({ stat: 'ok', result: { x: true, y: false } });
  });

  it('delete and delete_default answer whether the key existed', async () => {
    await post('/settings/set', mine({ key: 'gone', value: 'soon' }));
    expect((await post('/settings/delete', mine({ key: 'gone' }))).json).toEqual({ stat: 'ok', result: true });
    expect((await post('/settings/delete', mine({ key: 'gone' }))).json).toEqual({ stat: 'ok', result: false });
    await post('/settings/set_default', { ...owner(app), key: 'gone_default', value: 'x' });
    expect((await post('/settings/delete_default', { ...owner(app), key: 'gone_default' })).json).toEqual({ stat: 'ok', result: true });
    expect((await post('/settings/delete_default', { ...owner(app), key: 'gone_default' })).json).toEqual({ stat: 'ok', result: false });
  });

  it('get_all: every client value by client_id, and the defaults', async () => {
    const other = await createTestApp(server());
    const extra = await addClient(server(), other, ['direct_access']);
    await post('/settings/set', { ...owner(other), for_client_id: extra.client_id, key: 'k1', value: 'v1' });
    await post('/settings/set', { ...owner(other), key: 'k2', value: 'v2' });
    await post('/settings/set_default', { ...owner(other), key: 'k3', value: 'v3' });
    expect((await post('/settings/get_all', owner(other))).json).toEqual({
      stat: 'ok',
      result: { client_settings: { [extra.client_id]: { k1: 'v1' }, [other.ownerClientId]: { k2: 'v2' } }, default_settings: { k3: 'v3' } },
    });
  });

  it('a deleted client takes its settings along', async () => {
    const doomed = await addClient(server(), app, ['direct_access']);
    await post('/settings/set', { ...owner(app), for_client_id: doomed.client_id, key: 'k', value: 'v' });
    await post('/clients/delete', { ...owner(app), client_id_for_deletion: doomed.client_id });
    expect(Object.keys((await post('/settings/get_all', owner(app))).json.result.client_settings)).not.toContain(doomed.client_id);
  });

  it('errors: missing key 100, bad items 200, another client needs owner 403, a foreign client 200, writes need owner 403', async () => {
    expect((await post('/settings/get', mine())).json).toMatchObject({ stat: 'error', code: 100, argument_name: 'key' });
    expect((await post('/settings/set', mine({ key: 'k' }))).json).toMatchObject({ code: 100, argument_name: 'value' });
    expect((await post('/settings/set_multi', mine({ items: '["a"]' }))).json).toMatchObject({ code: 200, argument_name: 'items' });
    expect((await post('/settings/set_multi', mine({ items: '{"a":{"b":1}}' }))).json).toMatchObject({ code: 200, argument_name: 'items' });
    expect((await post('/settings/set_multi', mine({ items: 'nope' }))).json).toMatchObject({ code: 200, argument_name: 'items' });
    expect((await post('/settings/get', { ...login(app), key: 'k', for_client_id: client.client_id })).json).toMatchObject({ code: 403 });
    expect((await post('/settings/items', { ...login(app) })).json.stat).toBe('ok');
    const other = await createTestApp(server());
    expect((await post('/settings/get', { ...owner(app), key: 'k', for_client_id: other.ownerClientId })).json).toMatchObject({ code: 200, argument_name: 'for_client_id' });
    for (const path of ['/settings/set', '/settings/set_multi', '/settings/delete', '/settings/set_default', '/settings/set_default_multi', '/settings/delete_default', '/settings/get_all']) {
      expect({ path, answer: (await post(path, { ...client, key: 'k', value: 'v', items: '{"k":"v"}' })).json }).toMatchObject({ path, answer: { code: 403 } });
    }
  });
});
