import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/fixtures.js';
import { call, describeEachDatabase } from '../../test/server.js';
import { installWire, registrationRoute } from '../http/wire.js';
import { addClient, basic, createUser, login, owner, tokensFor, type Credentials } from './access/test-helpers.js';
import { authorize } from './authorize.js';
import { formatSignatureDate, signRequest } from './clients/signature.js';

// Lets the whitelist tests speak from other addresses through X-Forwarded-For (src/server.ts).
process.env.OPENRAIN_TRUST_PROXY = '1';

function signed(credentials: Credentials, path: string, params: Record<string, string>, at = Date.now()): Record<string, string> {
  const date = formatSignatureDate(at);
  return { date, authorization: `Signature ${credentials.client_id}:${signRequest(credentials.client_secret, path, date, params)}` };
}

describeEachDatabase('authorize: authentication modes and client features', (server) => {
  let app: TestApp;
  let user: { id: number; uuid: string; email: string };
  const post = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) => call(server().url, path, params, { headers });

  beforeAll(async () => {
    app = await createTestApp(server());
    user = await createUser(server(), app);
  });

  describe('the four modes on one call (entity)', () => {
    const read = () => ({ type_name: 'user', uuid: user.uuid, attributes: '["email"]' });

    it('client_id + client_secret parameters, in the body or the query string', async () => {
      expect((await post('/entity', { ...owner(app), ...read() })).json).toMatchObject({ stat: 'ok', result: { email: user.email } });
      const query = new URLSearchParams({ ...owner(app), ...read() }).toString();
      const res = await fetch(`${server().url}/entity?${query}`, { method: 'POST' });
      expect(await res.json()).toMatchObject({ stat: 'ok', result: { email: user.email } });
    });

    it('HTTP Basic', async () => {
      expect((await post('/entity', read(), basic(owner(app)))).json).toMatchObject({ stat: 'ok', result: { email: user.email } });
    });

    it('a signed request, by POST and by GET', async () => {
      expect((await post('/entity', read(), signed(owner(app), '/entity', read()))).json).toMatchObject({ stat: 'ok', result: { email: user.email } });
      const get = await call(server().url, '/entity', read(), { method: 'GET', headers: signed(owner(app), '/entity', read()) });
      expect(get.json).toMatchObject({ stat: 'ok', result: { email: user.email } });
    });

    it("a user's access token: parameter, OAuth header or Bearer header, for that user's record only", async () => {
      const { access_token } = await tokensFor(server(), app, user, login(app));
      const own = { attributes: '["email"]' };
      expect((await post('/entity', { access_token, ...own })).json).toMatchObject({ stat: 'ok', result: { email: user.email } });
      expect((await post('/entity', own, { authorization: `OAuth ${access_token}` })).json).toMatchObject({ stat: 'ok', result: { email: user.email } });
      expect((await post('/entity', own, { authorization: `Bearer ${access_token}` })).json).toMatchObject({ stat: 'ok', result: { email: user.email } });
      // Naming its own record is fine; naming another is not.
      expect((await post('/entity', { access_token, type_name: 'user', uuid: user.uuid, ...own })).json.stat).toBe('ok');
      const other = await createUser(server(), app);
      expect((await post('/entity', { access_token, uuid: other.uuid })).json).toMatchObject({ stat: 'error', code: 403, error: 'client_permission_error' });
      expect((await post('/entity', { access_token, id: String(other.id) })).json).toMatchObject({ code: 403 });
      expect((await post('/entity', { access_token, key_attribute: 'email', key_value: JSON.stringify(other.email) })).json).toMatchObject({ code: 200 });
      // The token may write its own record, never reach the others through calls that take no token.
      expect((await post('/entity.update', { access_token, attributes: '{"givenName":"Changed"}' })).json.stat).toBe('ok');
      expect((await post('/entity.find', { access_token, type_name: 'user' })).json).toMatchObject({ code: 403 });
      expect((await post('/entity.delete', { access_token })).json).toMatchObject({ code: 403 });
      expect((await post('/entity', { access_token: 'nosuchtoken' })).json).toMatchObject({ code: 402, error: 'invalid_client_credentials' });
    });

    it('token and client credentials together: the client credentials decide', async () => {
      const { access_token } = await tokensFor(server(), app, user, login(app));
      const other = await createUser(server(), app);
      // An owner reads any record, whatever token comes along.
      expect((await post('/entity', { ...owner(app), access_token, type_name: 'user', uuid: other.uuid })).json.stat).toBe('ok');
      // A login client may not read records by itself: the token then confines it to the token's record.
      expect((await post('/entity', { ...login(app), access_token, attributes: '["email"]' })).json).toMatchObject({ stat: 'ok', result: { email: user.email } });
      expect((await post('/entity', { ...login(app), access_token, uuid: other.uuid })).json).toMatchObject({ code: 403 });
      // Wrong client credentials are wrong, token or not.
      expect((await post('/entity', { client_id: app.loginClientId, client_secret: 'nope', access_token })).json).toMatchObject({ code: 402 });
      // A bare client_id must be the token's client.
      expect((await post('/entity', { client_id: app.ownerClientId, access_token })).json).toMatchObject({ code: 402 });
      expect((await post('/entity', { client_id: app.loginClientId, access_token })).json.stat).toBe('ok');
    });

    it('no credentials → 100; wrong ones → 402', async () => {
      expect((await post('/entity', read())).json).toMatchObject({ stat: 'error', code: 100, error: 'missing_argument' });
      expect((await post('/entity', { ...read(), client_id: app.ownerClientId, client_secret: 'wrong' })).json).toMatchObject({ code: 402 });
      expect((await post('/entity', read(), basic({ client_id: app.ownerClientId, client_secret: 'wrong' }))).json).toMatchObject({ code: 402 });
      expect((await post('/entity', read(), signed({ client_id: app.ownerClientId, client_secret: 'wrong' }, '/entity', read()))).json).toMatchObject({ code: 402 });
    });
  });

  describe('signed requests', () => {
    it('a replay outside the window fails, and so does any change to what was signed', async () => {
      const params = { type_name: 'user', uuid: user.uuid };
      const captured = signed(owner(app), '/entity', params, Date.now() - 6 * 60 * 1000);
      expect((await post('/entity', params, captured)).json).toMatchObject({ stat: 'error', code: 402 });
      const future = signed(owner(app), '/entity', params, Date.now() + 6 * 60 * 1000);
      expect((await post('/entity', params, future)).json).toMatchObject({ code: 402 });
      const fresh = signed(owner(app), '/entity', params);
      expect((await post('/entity', params, fresh)).json.stat).toBe('ok');
      expect((await post('/entity', { ...params, attributes: '["email"]' }, fresh)).json).toMatchObject({ code: 402 });
      expect((await post('/entity.find', params, fresh)).json).toMatchObject({ code: 402 });
      expect((await post('/entity', params, { authorization: fresh.authorization })).json).toMatchObject({ code: 402 });
      expect((await post('/entity', params, { authorization: fresh.authorization, date: 'Tue, 1 Jan 2030' })).json).toMatchObject({ code: 402 });
    });

    it('the old secret keeps working during reset_secret grace; hours_to_live 0 ends it at once', async () => {
      const client = await addClient(server(), app, ['direct_read_access']);
      const params = { type_name: 'user', uuid: user.uuid };
      const reset = await post('/clients/reset_secret', { ...owner(app), for_client_id: client.client_id, hours_to_live: '1' });
      expect(reset.json).toEqual({ stat: 'ok', new_secret: expect.stringMatching(/^[a-z0-9]{32}$/) });
      const fresh = { client_id: client.client_id, client_secret: reset.json.new_secret };
      for (const secret of [client, fresh]) {
        expect((await post('/entity', { ...params, ...secret })).json.stat).toBe('ok');
        expect((await post('/entity', params, signed(secret, '/entity', params))).json.stat).toBe('ok');
      }
      const again = await post('/clients/reset_secret', { ...owner(app), for_client_id: client.client_id, hours_to_live: '0' });
      expect((await post('/entity', { ...params, ...client })).json.code).toBe(402);
      expect((await post('/entity', { ...params, ...fresh })).json.code).toBe(402);
      expect((await post('/entity', { ...params, client_id: client.client_id, client_secret: again.json.new_secret })).json.stat).toBe('ok');
    });
  });

  describe('client features', () => {
    let direct: Credentials;
    let reader: Credentials;
    let issuer: Credentials;
    let metadata: Credentials;
    beforeAll(async () => {
      direct = await addClient(server(), app, ['direct_access']);
      reader = await addClient(server(), app, ['direct_read_access']);
      issuer = await addClient(server(), app, ['access_issuer']);
      metadata = await addClient(server(), app, ['metadata']);
    });

    const rec = () => ({ type_name: 'user', uuid: user.uuid });
    const calls = (): Array<[string, Record<string, string>]> => [
      ['/entity', rec()],
      ['/entity.find', { type_name: 'user' }],
      ['/entity.count', { type_name: 'user' }],
      ['/entity.update', { ...rec(), attributes: '{"givenName":"Feature"}' }],
      ['/entity.create', { type_name: 'user', attributes: JSON.stringify({ email: `f${Date.now()}${Math.random()}@example.com` }) }],
      ['/entity.purge', { type_name: 'nosuchtype', commit: 'false' }],
      ['/entityType.list', {}],
      ['/clients/list', {}],
      ['/access/getAccessToken', rec()],
      ['/settings/items', {}],
      ['/settings/set', { key: 'k', value: 'v' }],
    ];
    const allowed: Record<string, string[]> = {
      owner: ['/entity', '/entity.find', '/entity.count', '/entity.update', '/entity.create', '/entity.purge', '/entityType.list', '/clients/list', '/access/getAccessToken', '/settings/items', '/settings/set'],
      direct_access: ['/entity', '/entity.find', '/entity.count', '/entity.update', '/entity.create', '/access/getAccessToken', '/settings/items'],
      direct_read_access: ['/entity', '/entity.find', '/entity.count', '/settings/items'],
      access_issuer: ['/access/getAccessToken', '/settings/items'],
      login_client: ['/settings/items'],
      metadata: ['/settings/items'],
    };

    it('each feature reaches exactly its endpoints; the others are 403', async () => {
      const clients: Record<string, Credentials> = { owner: owner(app), direct_access: direct, direct_read_access: reader, access_issuer: issuer, login_client: login(app), metadata };
      for (const [feature, credentials] of Object.entries(clients)) {
        for (const [path, params] of calls()) {
          const r = await post(path, { ...credentials, ...params });
          // entity.purge of an unknown type is 222 once allowed: the permission was granted.
          const granted = r.json.stat === 'ok' || (r.json.code !== 403 && r.json.code !== 402);
          expect({ feature, path, granted, code: r.json.code }).toEqual({ feature, path, granted: allowed[feature].includes(path), code: granted ? r.json.code : 403 });
        }
      }
    });

    it('for_client_id naming another client needs owner (settings)', async () => {
      expect((await post('/settings/items', { ...reader, for_client_id: direct.client_id })).json).toMatchObject({ code: 403 });
      expect((await post('/settings/items', { ...reader, for_client_id: reader.client_id })).json.stat).toBe('ok');
      expect((await post('/settings/items', { ...owner(app), for_client_id: reader.client_id })).json.stat).toBe('ok');
    });
  });

  describe('IP whitelists', () => {
    it('IPv4 and IPv6 CIDRs decide where a client may call from; clear_whitelist opens it again', async () => {
      const client = await addClient(server(), app, ['direct_read_access']);
      const params = { ...client, type_name: 'user', uuid: user.uuid };
      const from = (ip: string) => post('/entity', params, { 'x-forwarded-for': ip });
      expect((await post('/clients/set_whitelist', { ...owner(app), for_client_id: client.client_id, whitelist: '["10.1.0.0/16","2001:db8::/32"]' })).json).toEqual({ stat: 'ok' });
      expect((await from('10.1.2.3')).json.stat).toBe('ok');
      expect((await from('10.2.0.1')).json).toMatchObject({ stat: 'error', code: 403 });
      expect((await from('2001:db8::1')).json.stat).toBe('ok');
      expect((await from('2001:db9::1')).json).toMatchObject({ code: 403 });
      expect((await from('::ffff:10.1.9.9')).json.stat).toBe('ok');
      expect((await post('/entity', params)).json).toMatchObject({ code: 403 });
      expect((await post('/clients/clear_whitelist', { ...owner(app), for_client_id: client.client_id })).json).toEqual({ stat: 'ok' });
      expect((await from('192.0.2.1')).json.stat).toBe('ok');
      expect((await from('2001:db9::1')).json.stat).toBe('ok');
    });

    it('a comma-separated whitelist and a single address work too', async () => {
      const client = await addClient(server(), app, ['direct_read_access']);
      const params = { ...client, type_name: 'user', uuid: user.uuid };
      await post('/clients/set_whitelist', { ...owner(app), for_client_id: client.client_id, whitelist: '192.0.2.7, ::1' });
      expect((await post('/entity', params, { 'x-forwarded-for': '192.0.2.7' })).json.stat).toBe('ok');
      expect((await post('/entity', params, { 'x-forwarded-for': '192.0.2.8' })).json.code).toBe(403);
    });
  });

  describe('what authorize() hands the records calls', () => {
    let probe: FastifyInstance;
    let base: string;
    beforeAll(async () => {
      probe = Fastify({ logger: false });
      await installWire(probe);
      for (const endpoint of ['entity', 'entity.update'] as const) {
        registrationRoute(probe, `/${endpoint}`, async (c) => {
          const auth = await authorize(server().running.runtime, c, endpoint);
          return { via: auth.via, client: auth.client.clientId, user: auth.user ?? null, access_schema: auth.accessSchema ?? null, keep_last_updated: auth.keepLastUpdated, params: { id: c.params.get('id') ?? null, uuid: c.params.get('uuid') ?? null, type_name: c.params.get('type_name') ?? null } };
        });
      }
      await probe.listen({ port: 0, host: '127.0.0.1' });
      const address = probe.server.address();
      base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    afterAll(async () => {
      await probe?.close();
    });

    it("a token call: the user, the parameters bound to the user's record, the client's access schema", async () => {
      const { access_token } = await tokensFor(server(), app, user, login(app));
      await call(server().url, '/entityType.setAccessSchema', { ...owner(app), type_name: 'user', for_client_id: app.loginClientId, access_type: 'read', attributes: '["email","givenName"]' });
      const r = await call(base, '/entity', { access_token, uuid: user.uuid });
      expect(r.json).toEqual({
        stat: 'ok',
        via: 'token',
        client: app.loginClientId,
        user: { id: user.id, uuid: user.uuid, typeName: 'user' },
        access_schema: ['email', 'givenName'],
        keep_last_updated: false,
        params: { id: String(user.id), uuid: null, type_name: 'user' },
      });
      const write = await call(base, '/entity.update', { access_token });
      expect(write.json).toMatchObject({ via: 'token', access_schema: null });
    });

    it('client calls: owners are never limited; a metadata client keeps lastUpdated', async () => {
      expect((await call(base, '/entity', { ...owner(app), type_name: 'user', uuid: user.uuid })).json).toMatchObject({ via: 'client', user: null, access_schema: null, keep_last_updated: false });
      const both = await addClient(server(), app, ['direct_access', 'metadata']);
      await call(server().url, '/entityType.setAccessSchema', { ...owner(app), type_name: 'user', for_client_id: both.client_id, access_type: 'write', attributes: '["givenName"]' });
      expect((await call(base, '/entity.update', { ...both, type_name: 'user', uuid: user.uuid })).json).toMatchObject({ via: 'client', access_schema: ['givenName'], keep_last_updated: true });
    });
  });
});
