import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/fixtures.js';
import { call, describeEachDatabase } from '../../../test/server.js';
import { addClient, owner, type Credentials } from '../access/test-helpers.js';

describeEachDatabase('clients/*', (server) => {
  let app: TestApp;
  const post = (path: string, params: Record<string, string> = {}) => call(server().url, path, params);
  const as = (c: Credentials) => ({ client_id: c.client_id, client_secret: c.client_secret });
  const listed = async (clientId: string) => ((await post('/clients/list', owner(app))).json.results as Array<Record<string, unknown>>).find((c) => c.client_id === clientId);

  beforeAll(async () => {
    app = await createTestApp(server());
  });

  it('add → client_id and client_secret; list shows it with its secret, description, features and whitelist', async () => {
    const r = await post('/clients/add', { ...owner(app), description: 'Reporting job', features: '["direct_read_access"]' });
    expect(r.json).toEqual({ stat: 'ok', client_id: expect.stringMatching(/^[a-z0-9]{32}$/), client_secret: expect.stringMatching(/^[a-z0-9]{32}$/) });
    expect(await listed(r.json.client_id)).toEqual({ client_id: r.json.client_id, client_secret: r.json.client_secret, description: 'Reporting job', features: ['direct_read_access'], whitelist: ['0.0.0.0/0', '::/0'] });
    // The new credentials work at once.
    expect((await post('/settings/items', { client_id: r.json.client_id, client_secret: r.json.client_secret })).json.stat).toBe('ok');
    // Features as a comma-separated list, and no features at all.
    const comma = await post('/clients/add', { ...owner(app), description: 'two', features: 'direct_access,metadata' });
    expect((await listed(comma.json.client_id))?.features).toEqual(['direct_access', 'metadata']);
    const bare = await post('/clients/add', { ...owner(app), description: '"quoted"' });
    expect(await listed(bare.json.client_id)).toMatchObject({ description: 'quoted', features: [] });
  });

  it('list has_features keeps clients having every feature named', async () => {
    const both = await addClient(server(), app, ['direct_access', 'metadata']);
    const one = await addClient(server(), app, ['direct_access']);
    const results = (await post('/clients/list', { ...owner(app), has_features: '["direct_access","metadata"]' })).json.results as Array<{ client_id: string; features: string[] }>;
    expect(results.map((r) => r.client_id)).toContain(both.client_id);
    expect(results.map((r) => r.client_id)).not.toContain(one.client_id);
    expect(results.every((r) => r.features.includes('metadata'))).toBe(true);
    const owners = (await post('/clients/list', { ...owner(app), has_features: 'owner' })).json.results;
    expect(owners).toEqual([expect.objectContaining({ client_id: app.ownerClientId, client_secret: app.ownerClientSecret, features: ['owner'] })]);
  });

  it('bad features: unknown → 200 naming features; login_client with anything else → 200', async () => {
    expect((await post('/clients/add', { ...owner(app), features: '["superuser"]' })).json).toMatchObject({ stat: 'error', code: 200, argument_name: 'features' });
    expect((await post('/clients/add', { ...owner(app), features: '["login_client","direct_access"]' })).json).toMatchObject({ code: 200, argument_name: 'features' });
    expect((await post('/clients/add', { ...owner(app), features: '{"a":1}' })).json).toMatchObject({ code: 200, argument_name: 'features' });
  });

  it('set_description and set_features replace them', async () => {
    const c = await addClient(server(), app, ['direct_read_access']);
    expect((await post('/clients/set_description', { ...owner(app), for_client_id: c.client_id, description: 'Renamed' })).json).toEqual({ stat: 'ok' });
    expect((await post('/clients/set_features', { ...owner(app), for_client_id: c.client_id, features: '["direct_access"]' })).json).toEqual({ stat: 'ok' });
    expect(await listed(c.client_id)).toMatchObject({ description: 'Renamed', features: ['direct_access'] });
    expect((await post('/entity.update', { ...as(c), type_name: 'user', id: '1', attributes: '{}' })).json.code).not.toBe(403);
    expect((await post('/clients/set_features', { ...owner(app), for_client_id: c.client_id, features: '[]' })).json).toEqual({ stat: 'ok' });
    expect((await post('/entity', { ...as(c), type_name: 'user', id: '1' })).json.code).toBe(403);
  });

  it('set_whitelist takes IPv4 and IPv6 CIDRs and refuses anything else; clear_whitelist restores allow-all', async () => {
    const c = await addClient(server(), app, ['direct_read_access']);
    expect((await post('/clients/set_whitelist', { ...owner(app), for_client_id: c.client_id, whitelist: '["127.0.0.1/32","::1/128","10.0.0.0/8"]' })).json).toEqual({ stat: 'ok' });
    expect((await listed(c.client_id))?.whitelist).toEqual(['127.0.0.1/32', '::1/128', '10.0.0.0/8']);
    for (const bad of ['["10.0.0.0/33"]', '["2001:db8::/129"]', '["example.com"]', '["10.0.0.0/8/1"]', '[]', '[1]']) {
      expect((await post('/clients/set_whitelist', { ...owner(app), for_client_id: c.client_id, whitelist: bad })).json).toMatchObject({ code: 200, argument_name: 'whitelist' });
    }
    expect((await post('/clients/clear_whitelist', { ...owner(app), for_client_id: c.client_id })).json).toEqual({ stat: 'ok' });
    expect((await listed(c.client_id))?.whitelist).toEqual(['0.0.0.0/0', '::/0']);
  });

  it('reset_secret answers new_secret; hours_to_live must be 0–168', async () => {
    const c = await addClient(server(), app, ['direct_read_access']);
    const r = await post('/clients/reset_secret', { ...owner(app), for_client_id: c.client_id, hours_to_live: '0' });
    expect(r.json).toEqual({ stat: 'ok', new_secret: expect.stringMatching(/^[a-z0-9]{32}$/) });
    expect((await listed(c.client_id))?.client_secret).toBe(r.json.new_secret);
    expect((await post('/settings/items', as(c))).json.code).toBe(402);
    expect((await post('/settings/items', { client_id: c.client_id, client_secret: r.json.new_secret })).json.stat).toBe('ok');
    expect((await post('/clients/reset_secret', { ...owner(app), for_client_id: c.client_id, hours_to_live: '169' })).json).toMatchObject({ code: 200, argument_name: 'hours_to_live' });
    expect((await post('/clients/reset_secret', { ...owner(app), for_client_id: c.client_id })).json).toMatchObject({ code: 100, argument_name: 'hours_to_live' });
  });

  it('a change to a client applies to its very next call (authentication keeps clients for a moment)', async () => {
    const c = await addClient(server(), app, ['direct_read_access']);
    expect((await post('/settings/items', as(c))).json.stat).toBe('ok');
    expect((await post('/clients/set_whitelist', { ...owner(app), for_client_id: c.client_id, whitelist: '["10.0.0.0/8"]' })).json.stat).toBe('ok');
    expect((await post('/settings/items', as(c))).json.code).toBe(403);
    expect((await post('/clients/clear_whitelist', { ...owner(app), for_client_id: c.client_id })).json.stat).toBe('ok');
    expect((await post('/settings/items', as(c))).json.stat).toBe('ok');
    const find = { type_name: 'user', filter: "email = 'nobody@example.com'" };
    expect((await post('/entity.find', { ...as(c), ...find })).json.stat).toBe('ok');
    expect((await post('/clients/set_features', { ...owner(app), for_client_id: c.client_id, features: '["login_client"]' })).json.stat).toBe('ok');
    expect((await post('/entity.find', { ...as(c), ...find })).json.code).toBe(403);
    const reset = await post('/clients/reset_secret', { ...owner(app), for_client_id: c.client_id, hours_to_live: '0' });
    expect((await post('/clients/set_features', { ...owner(app), for_client_id: c.client_id, features: '["direct_read_access"]' })).json.stat).toBe('ok');
    expect((await post('/settings/items', as(c))).json.code).toBe(402);
    expect((await post('/settings/items', { client_id: c.client_id, client_secret: reset.json.new_secret })).json.stat).toBe('ok');
    expect((await post('/clients/delete', { ...owner(app), client_id_for_deletion: c.client_id })).json.stat).toBe('ok');
    expect((await post('/settings/items', { client_id: c.client_id, client_secret: reset.json.new_secret })).json.code).toBe(402);
  });

  it('delete removes the client and its credentials; the last owner stays', async () => {
    const c = await addClient(server(), app, ['direct_read_access']);
    expect((await post('/clients/delete', { ...owner(app), client_id_for_deletion: c.client_id })).json).toEqual({ stat: 'ok' });
    expect(await listed(c.client_id)).toBeUndefined();
    expect((await post('/settings/items', as(c))).json.code).toBe(402);
    expect((await post('/clients/delete', { ...owner(app), client_id_for_deletion: app.ownerClientId })).json).toMatchObject({ code: 200, argument_name: 'client_id_for_deletion' });
    expect((await post('/clients/set_features', { ...owner(app), for_client_id: app.ownerClientId, features: '["direct_access"]' })).json).toMatchObject({ code: 200, argument_name: 'features' });
    // With a second owner, the first may go.
    const second = await addClient(server(), app, ['owner']);
    const other = await createTestApp(server());
    expect((await post('/clients/delete', { ...as(second), client_id_for_deletion: other.ownerClientId })).json).toMatchObject({ code: 200 });
    expect((await post('/clients/set_features', { ...as(second), for_client_id: app.ownerClientId, features: '["direct_access"]' })).json).toEqual({ stat: 'ok' });
    expect((await post('/clients/list', owner(app))).json.code).toBe(403);
    expect((await post('/clients/set_features', { ...as(second), for_client_id: app.ownerClientId, features: '["owner"]' })).json).toEqual({ stat: 'ok' });
  });

  it('two concurrent deletions of the only two owners leave one', async () => {
    const fresh = await createTestApp(server());
    const second = await addClient(server(), fresh, ['owner']);
    const answers = await Promise.all([
      post('/clients/delete', { ...owner(fresh), client_id_for_deletion: fresh.ownerClientId }),
      post('/clients/delete', { ...as(second), client_id_for_deletion: second.client_id }),
    ]);
    expect(answers.filter((a) => a.json.stat === 'ok')).toHaveLength(1);
  });

  describe('errors', () => {
    it('only owner clients manage clients (403), with valid credentials (402), naming their own clients (200)', async () => {
      const direct = await addClient(server(), app, ['direct_access']);
      const other = await createTestApp(server());
      const calls: Array<[string, Record<string, string>]> = [
        ['/clients/add', { description: 'x' }],
        ['/clients/list', {}],
        ['/clients/delete', { client_id_for_deletion: direct.client_id }],
        ['/clients/reset_secret', { for_client_id: direct.client_id, hours_to_live: '1' }],
        ['/clients/set_description', { for_client_id: direct.client_id, description: 'x' }],
        ['/clients/set_features', { for_client_id: direct.client_id, features: '[]' }],
        ['/clients/set_whitelist', { for_client_id: direct.client_id, whitelist: '["10.0.0.0/8"]' }],
        ['/clients/clear_whitelist', { for_client_id: direct.client_id }],
      ];
      for (const [path, params] of calls) {
        expect({ path, answer: (await post(path, { ...as(direct), ...params })).json }).toMatchObject({ path, answer: { code: 403, error: 'client_permission_error' } });
        expect({ path, answer: (await post(path, { client_id: app.ownerClientId, client_secret: 'x', ...params })).json }).toMatchObject({ path, answer: { code: 402 } });
        expect({ path, answer: (await post(path, params)).json }).toMatchObject({ path, answer: { code: 100 } });
        if (path !== '/clients/add' && path !== '/clients/list') {
          const foreign = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v === direct.client_id ? other.ownerClientId : v]));
          expect({ path, answer: (await post(path, { ...owner(app), ...foreign })).json }).toMatchObject({ path, answer: { code: 200 } });
        }
      }
      // Nothing changed in the other application.
      expect((await post('/clients/list', owner(other))).json.results).toHaveLength(2);
    });
  });
});
