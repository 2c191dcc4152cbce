import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/fixtures.js';
import { call, describeEachDatabase } from '../../../test/server.js';
import { installWire, registrationRoute } from '../../http/wire.js';
import { cachedRowsChanged } from '../../store/fresh-cache.js';
import { Params } from '../../http/params.js';
import { authenticateClient, ipAllowed, readCredentials } from './authenticate.js';

describeEachDatabase('authenticateClient', (server) => {
  // A bare route over the test server's store, so that authentication is exercised over real HTTP
  // before the Registration routes that use it exist.
  let probe: FastifyInstance;
  let base: string;
  let app: TestApp;
  beforeAll(async () => {
    probe = Fastify({ logger: false });
    await installWire(probe);
    registrationRoute(probe, '/probe', async ({ request, params }) => {
      const { app: owner, client } = await authenticateClient(server().running.runtime, request, params);
      return { app_id: owner.app_id, client_id: client.clientId, features: client.features };
    });
    await probe.listen({ port: 0, host: '127.0.0.1' });
    const address = probe.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    app = await createTestApp(server());
  });
  afterAll(async () => {
    await probe?.close();
  });

  it('accepts client_id + client_secret parameters and HTTP Basic', async () => {
    const byParams = await call(base, '/probe', { client_id: app.ownerClientId, client_secret: app.ownerClientSecret });
    expect(byParams.json).toEqual({ stat: 'ok', app_id: app.appId, client_id: app.ownerClientId, features: ['owner'] });
    const basic = Buffer.from(`${app.loginClientId}:${app.loginClientSecret}`).toString('base64');
    const byBasic = await call(base, '/probe', {}, { headers: { authorization: `Basic ${basic}` } });
    expect(byBasic.json).toEqual({ stat: 'ok', app_id: app.appId, client_id: app.loginClientId, features: ['login_client'] });
  });

  it('no credentials → 100; a wrong secret, an unknown client or half the credentials → 402', async () => {
    const none = await call(base, '/probe', {});
    expect(none.status).toBe(200);
    expect(none.json).toMatchObject({ stat: 'error', code: 100, error: 'missing_argument' });
    const attempts: Record<string, string>[] = [
      { client_id: app.ownerClientId, client_secret: app.loginClientSecret },
      { client_id: 'nosuchclient0000000000000000000', client_secret: app.ownerClientSecret },
      { client_id: app.ownerClientId },
      { client_secret: app.ownerClientSecret },
    ];
    for (const params of attempts) {
      const res = await call(base, '/probe', params);
      expect(res.json).toMatchObject({ stat: 'error', code: 402, error: 'invalid_client_credentials' });
    }
    const badBasic = await call(base, '/probe', {}, { headers: { authorization: `Basic ${Buffer.from(`${app.ownerClientId}:nope`).toString('base64')}` } });
    expect(badBasic.json.code).toBe(402);
  });

  it('stores secrets as digests only', async () => {
    const rows = await server().running.runtime.store.db.selectFrom('api_clients').select(['secret_digest', 'secret_sealed']).where('client_id', '=', app.ownerClientId).execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(app.ownerClientSecret);
  });

  it('refuses a caller outside the client whitelist (403)', async () => {
    const { store } = server().running.runtime;
    await store.write((tx) => tx.updateTable('api_clients').set({ whitelist: JSON.stringify(['10.0.0.0/8']) }).where('client_id', '=', app.ownerClientId).execute());
    // Written behind the server's back, as another process would: dropping cached rows stands for the second that takes.
    cachedRowsChanged(store.db);
    const res = await call(base, '/probe', { client_id: app.ownerClientId, client_secret: app.ownerClientSecret });
    expect(res.json).toMatchObject({ stat: 'error', code: 403 });
  });
});

it('ipAllowed matches IPv4, IPv4-mapped IPv6 and IPv6 against CIDRs', () => {
  expect(ipAllowed('127.0.0.1', ['0.0.0.0/0', '::/0'])).toBe(true);
  expect(ipAllowed('::ffff:10.1.2.3', ['10.0.0.0/8'])).toBe(true);
  expect(ipAllowed('11.1.2.3', ['10.0.0.0/8'])).toBe(false);
  expect(ipAllowed('::1', ['::1/128'])).toBe(true);
  expect(ipAllowed('::1', ['10.0.0.0/8', 'garbage', '1.2.3.4/99'])).toBe(false);
  expect(ipAllowed('192.168.1.7', ['192.168.1.7'])).toBe(true);
});

it('readCredentials decodes Basic as UTF-8 from standard, unpadded or URL-safe base64', () => {
  const read = (header: string) => readCredentials({ headers: { authorization: header } } as never, new Params({}));
  const plain = Buffer.from('client:secret').toString('base64');
  expect(read(`Basic ${plain}`)).toEqual({ mode: 'basic', clientId: 'client', secret: 'secret' });
  expect(read(`Basic ${plain.replace(/=+$/, '')}`)).toEqual({ mode: 'basic', clientId: 'client', secret: 'secret' });
  const utf8 = Buffer.from('clïent:sécret?>>');
  expect(read(`Basic ${utf8.toString('base64')}`)).toEqual({ mode: 'basic', clientId: 'clïent', secret: 'sécret?>>' });
  expect(read(`Basic ${utf8.toString('base64url')}`)).toEqual({ mode: 'basic', clientId: 'clïent', secret: 'sécret?>>' });
  expect(read(`Basic ${Buffer.from('only-an-id').toString('base64')}`)).toEqual({ mode: 'basic', clientId: 'only-an-id' });
});
