import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/fixtures.js';
import { call, describeEachDatabase } from '../../../test/server.js';
import { startReceiver, verifyEvent, waitFor, type Receiver } from './test-receiver.js';

const FAST = {
  OPENRAIN_ALLOW_PRIVATE_CALLBACKS: '1',
  OPENRAIN_WEBHOOK_RETRY_BASE_MS: '50',
  OPENRAIN_WEBHOOK_RETRY_MAX_MS: '200',
  OPENRAIN_WEBHOOK_POLL_MS: '100',
  OPENRAIN_WEBHOOK_GIVE_UP_HOURS: '0.001',
};

const ATTR_DEFS = [
  { name: 'email', type: 'string', constraints: ['unique'] },
  { name: 'givenName', type: 'string' },
  { name: 'password', type: 'password' },
  { name: 'primaryAddress', type: 'object', attr_defs: [{ name: 'city', type: 'string' }, { name: 'zip', type: 'string' }] },
  { name: 'profiles', type: 'plural', attr_defs: [{ name: 'domain', type: 'string' }] },
];

describeEachDatabase(
  'webhooks',
  (server) => {
    let app: TestApp;
    let receiver: Receiver;
    const owner = () => ({ client_id: app.ownerClientId, client_secret: app.ownerClientSecret });
    const reg = (path: string, params: Record<string, string> = {}) => call(server().url, path, { ...owner(), ...params });
    const ok = async (path: string, params: Record<string, string> = {}) => {
      const r = await reg(path, params);
      expect(r.json, `${path} ${r.text}`).toMatchObject({ stat: 'ok' });
      return r.json;
    };
    const create = async (attributes: unknown) => (await ok('/entity.create', { type_name: 'person', attributes: JSON.stringify(attributes) })) as { id: number; uuid: string };
    const subscribe = async (params: Record<string, string>) => (await ok('/webhooks/add', { entity_type: 'person', ...params })).uuid as string;
    const deliveries = async (uuid: string, params: Record<string, string> = {}) => (await ok('/webhooks/deliveries', { uuid, ...params })).results as any[];
    /** The history once every event is finished: deliveries are recorded shortly after the receiver answers. */
    const finished = async (uuid: string) => {
      await waitFor(async () => (await deliveries(uuid, { status: 'pending,delivering' })).length === 0, 'every event to be finished');
      return deliveries(uuid);
    };
    const jwks = async () => (await call(server().url, `/webhooks/jwks/${app.appId}.json`, {}, { method: 'GET' })).json;
    const eventsFor = (path: string) => receiver.received.filter((r) => r.path === path && r.status === 200);

    beforeAll(async () => {
      app = await createTestApp(server());
      await ok('/entityType.create', { type_name: 'person', attr_defs: JSON.stringify(ATTR_DEFS) });
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await receiver?.close();
    });

    describe('subscriptions', () => {
      it('adds, finds, lists, updates and deletes a webhook', async () => {
        const added = await ok('/webhooks/add', {
          callback: `${receiver.url}/crud`,
          event_type: '["ADD","update"]',
          entity_type: 'person',
          attributes: 'primaryAddress.city, /email',
          enabled: 'false',
        });
        expect(added).toMatchObject({
          uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
          result: { callback: `${receiver.url}/crud`, entity_type: 'person', event_type: ['ADD', 'UPDATE'], attributes: ['primaryAddress.city', 'email'], enabled: false },
        });
        expect(added.result.created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \+0000$/);
        const uuid = added.uuid;
        expect((await ok('/webhooks/find', { uuid })).result).toEqual(added.result);
        expect((await ok('/webhooks/list')).results.map((w: { uuid: string }) => w.uuid)).toContain(uuid);
        const updated = (await ok('/webhooks/update', { uuid, event_type: 'DELETE', enabled: 'true' })).result;
        expect(updated).toMatchObject({ uuid, event_type: ['DELETE'], attributes: ['primaryAddress.city', 'email'], enabled: true, callback: `${receiver.url}/crud` });
        await ok('/webhooks/delete', { uuid });
        expect((await reg('/webhooks/find', { uuid })).json).toMatchObject({ stat: 'error', code: 200, argument_name: 'uuid' });
        expect((await ok('/webhooks/list')).results.map((w: { uuid: string }) => w.uuid)).not.toContain(uuid);
      });

      it('answers bad input with Janrain codes', async () => {
        const add = (params: Record<string, string>) => reg('/webhooks/add', { callback: `${receiver.url}/x`, event_type: 'ADD', entity_type: 'person', ...params });
        expect((await reg('/webhooks/add', { event_type: 'ADD', entity_type: 'person' })).json).toMatchObject({ code: 100, argument_name: 'callback' });
        expect((await reg('/webhooks/add', { callback: `${receiver.url}/x`, entity_type: 'person' })).json).toMatchObject({ code: 100, argument_name: 'event_type' });
        expect((await add({ event_type: 'MERGE' })).json).toMatchObject({ code: 200, argument_name: 'event_type' });
        expect((await add({ callback: 'ftp://example.com/x' })).json).toMatchObject({ code: 200, argument_name: 'callback' });
        expect((await add({ callback: 'not a url' })).json).toMatchObject({ code: 200, argument_name: 'callback' });
        expect((await add({ entity_type: 'nosuchtype' })).json).toMatchObject({ code: 222 });
        expect((await add({ attributes: '["bad path!"]' })).json).toMatchObject({ code: 200, argument_name: 'attributes' });
        expect((await add({ enabled: 'maybe' })).json).toMatchObject({ code: 200, argument_name: 'enabled' });
        expect((await reg('/webhooks/update', { uuid: '00000000-0000-0000-0000-000000000000', enabled: 'true' })).json).toMatchObject({ code: 200, argument_name: 'uuid' });
        const uuid = (await add({})).json.uuid;
        expect((await reg('/webhooks/update', { uuid })).json).toMatchObject({ code: 100 });
        expect((await reg('/webhooks/deliveries', { uuid, status: 'lost' })).json).toMatchObject({ code: 200, argument_name: 'status' });
        await ok('/webhooks/delete', { uuid });
      });

      it('is owner-only and never reaches another application', async () => {
        const login = await call(server().url, '/webhooks/list', { client_id: app.loginClientId, client_secret: app.loginClientSecret });
        expect(login.json).toMatchObject({ stat: 'error', code: 403 });
        const uuid = await subscribe({ callback: `${receiver.url}/mine`, event_type: 'ADD' });
        const other = await createTestApp(server());
        const theirs = (params: Record<string, string>) => call(server().url, '/webhooks/find', { client_id: other.ownerClientId, client_secret: other.ownerClientSecret, ...params });
        expect((await theirs({ uuid })).json).toMatchObject({ code: 200, argument_name: 'uuid' });
        await ok('/webhooks/delete', { uuid });
      });

      it('publishes the application signing key as a JWKS', async () => {
        const set = await jwks();
        expect(set.keys).toHaveLength(1);
        expect(set.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String), n: expect.any(String), e: 'AQAB' });
        expect(set.keys[0].d).toBeUndefined();
        expect((await call(server().url, '/webhooks/jwks/nosuchapp.json', {}, { method: 'GET' })).status).toBe(404);
      });
    });

    describe('delivery', () => {
      it('sends signed entityCreated, entityUpdated (watched attributes only) and entityDeleted events', async () => {
        const adds = await subscribe({ callback: `${receiver.url}/lifecycle`, event_type: 'ADD,DELETE' });
        const updates = await subscribe({ callback: `${receiver.url}/city`, event_type: 'UPDATE', attributes: '["primaryAddress.city"]' });
        const record = await create({ email: 'life@example.com', givenName: 'Ann', primaryAddress: { city: 'Oslo' } });
        await ok('/entity.update', { type_name: 'person', uuid: record.uuid, attributes: JSON.stringify({ givenName: 'Anna' }) });
        await ok('/entity.update', { type_name: 'person', uuid: record.uuid, attributes: JSON.stringify({ primaryAddress: { city: 'Bergen' }, givenName: 'Annie' }) });
        await ok('/entity.delete', { type_name: 'person', uuid: record.uuid });

        await waitFor(() => eventsFor('/lifecycle').length >= 2 && eventsFor('/city').length >= 1, 'the three events');
        const set = await jwks();
        const issuer = `http://localhost:8080/webhooks/${app.appId}`;
        const [created, deleted] = eventsFor('/lifecycle');
        const [updated] = eventsFor('/city');
        for (const [r, path] of [
          [created, '/lifecycle'],
          [deleted, '/lifecycle'],
          [updated, '/city'],
        ] as const) {
          expect(r.contentType).toBe('application/secevent+jwt');
          const { payload, protectedHeader } = await verifyEvent(r.token, set, { issuer, audience: `${receiver.url}${path}` });
          expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'secevent+jwt', kid: set.keys[0].kid });
          expect(payload).toMatchObject({ iat: expect.any(Number), jti: expect.any(String), toe: expect.any(Number) });
          // Identifiers only: no attribute value of the record travels.
          expect(r.token).not.toContain('life@example.com');
          expect(JSON.stringify(payload)).not.toMatch(/life@example|Oslo|Bergen|Ann/);
        }
        const body = {
          captureApplicationId: app.appId,
          captureClientId: app.ownerClientId,
          entityType: 'person',
          globalSub: `capture-v1://localhost:8080/${app.appId}/person/${record.uuid}`,
          sub: record.uuid,
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        };
        expect(created.claims.events).toEqual({ entityCreated: body });
        expect(deleted.claims.events).toEqual({ entityDeleted: body });
        // Only the second update touched the watched city; it lists every path that changed.
        expect(eventsFor('/city')).toHaveLength(1);
        expect(updated.claims.events).toEqual({ entityUpdated: { ...body, attributes: expect.arrayContaining(['primaryAddress.city', 'givenName']) } });
        expect(updated.claims.events.entityUpdated.attributes).toHaveLength(2);

        const history = await finished(adds);
        expect(history.map((d) => [d.event, d.status, d.sub])).toEqual([
          ['entityDeleted', 'delivered', record.uuid],
          ['entityCreated', 'delivered', record.uuid],
        ]);
        expect(history[1]).toMatchObject({ jti: created.claims.jti, attempt_count: 1, last_status_code: 200, attempts: [{ status_code: 200, error: null, duration_ms: expect.any(Number) }] });
        expect((await finished(updates)).map((d) => d.attributes)).toEqual([expect.arrayContaining(['primaryAddress.city', 'givenName'])]);
        await ok('/webhooks/delete', { uuid: adds });
        await ok('/webhooks/delete', { uuid: updates });
      });

      it('retries a failing receiver and delivers the event exactly once, keeping later events behind it', async () => {
        const path = '/flaky';
        const answers = new Map<string, number>();
        receiver.behaviour = (r) => {
          if (r.path !== path) return 200;
          const jti = String(r.claims.jti);
          const n = (answers.get(jti) ?? 0) + 1;
          answers.set(jti, n);
          return answers.size === 1 && n <= 2 ? 503 : 200;
        };
        try {
          const uuid = await subscribe({ callback: `${receiver.url}${path}`, event_type: 'ADD' });
          const first = await create({ givenName: 'First' });
          const second = await create({ givenName: 'Second' });
          await waitFor(() => eventsFor(path).length >= 2, 'both events');
          const requests = receiver.received.filter((r) => r.path === path);
          expect(requests.map((r) => [r.claims.events.entityCreated.sub, r.status])).toEqual([
            [first.uuid, 503],
            [first.uuid, 503],
            [first.uuid, 200],
            [second.uuid, 200],
          ]);
          const history = await finished(uuid);
          expect(history.map((d) => [d.sub, d.status, d.attempt_count])).toEqual([
            [second.uuid, 'delivered', 1],
            [first.uuid, 'delivered', 3],
          ]);
          expect(history[1].attempts.map((a: { status_code: number; error: string | null }) => [a.status_code, a.error])).toEqual([
            [503, 'HTTP 503'],
            [503, 'HTTP 503'],
            [200, null],
          ]);
          expect((await deliveries(uuid, { status: 'pending,dead' })).length).toBe(0);
          await ok('/webhooks/delete', { uuid });
        } finally {
          receiver.behaviour = () => 200;
        }
      });

      it('gives an event up at once on a 4xx answer and moves on to the next', async () => {
        const path = '/refuses';
        receiver.behaviour = (r) => (r.path === path && r.claims.events.entityCreated?.sub === refused ? 400 : 200);
        let refused = '';
        try {
          const uuid = await subscribe({ callback: `${receiver.url}${path}`, event_type: 'ADD' });
          refused = (await create({ givenName: 'Refused' })).uuid;
          const accepted = (await create({ givenName: 'Accepted' })).uuid;
          await waitFor(() => eventsFor(path).length >= 1, 'the accepted event');
          const history = await finished(uuid);
          expect(history.map((d) => [d.sub, d.status, d.attempt_count, d.last_status_code])).toEqual([
            [accepted, 'delivered', 1, 200],
            [refused, 'dead', 1, 400],
          ]);
          expect((await deliveries(uuid, { status: 'dead' })).map((d) => d.sub)).toEqual([refused]);
          await ok('/webhooks/delete', { uuid });
        } finally {
          receiver.behaviour = () => 200;
        }
      });

      it('marks an event dead once it has failed for the give-up time', async () => {
        const path = '/down';
        receiver.behaviour = (r) => (r.path === path ? 503 : 200);
        try {
          const uuid = await subscribe({ callback: `${receiver.url}${path}`, event_type: 'ADD' });
          await create({ givenName: 'Unlucky' });
          const [event] = await waitFor(async () => {
            const dead = await deliveries(uuid, { status: 'dead' });
            return dead.length > 0 && dead;
          }, 'the event to be given up', 20_000);
          expect(event.attempt_count).toBeGreaterThan(1);
          expect(event.attempts.every((a: { status_code: number }) => a.status_code === 503)).toBe(true);
          await ok('/webhooks/delete', { uuid });
        } finally {
          receiver.behaviour = () => 200;
        }
      });

      it('never creates an event for a change that rolled back', async () => {
        const path = '/rollback';
        const uuid = await subscribe({ callback: `${receiver.url}${path}`, event_type: 'ADD,UPDATE,DELETE' });
        const kept = await create({ email: 'taken@example.com' });
        const other = await create({ email: 'free@example.com' });
        expect((await reg('/entity.create', { type_name: 'person', attributes: JSON.stringify({ email: 'TAKEN@example.com' }) })).json).toMatchObject({ code: 361 });
        expect((await reg('/entity.update', { type_name: 'person', uuid: other.uuid, attributes: JSON.stringify({ email: 'taken@example.com' }) })).json).toMatchObject({ code: 361 });
        expect((await reg('/entity.delete', { type_name: 'person', uuid: kept.uuid, last_updated: '2000-01-01 00:00:00' })).json).toMatchObject({ code: 330 });
        const bulk = await ok('/entity.bulkCreate', { type_name: 'person', all_attributes: JSON.stringify([{ email: 'bulk1@example.com' }, { email: 'taken@example.com' }]) });
        expect(bulk.results[1]).toMatchObject({ code: 361 });
        await waitFor(() => eventsFor(path).length >= 3, 'the committed events');
        // A marker change: once its event arrives, every earlier event of the subscription has.
        await ok('/entity.update', { type_name: 'person', uuid: kept.uuid, attributes: JSON.stringify({ givenName: 'Marker' }) });
        await waitFor(() => eventsFor(path).length >= 4, 'the marker');
        const seen = eventsFor(path).map((r) => Object.keys(r.claims.events)[0] + ' ' + Object.values(r.claims.events)[0].sub);
        expect(seen).toEqual([`entityCreated ${kept.uuid}`, `entityCreated ${other.uuid}`, `entityCreated ${bulk.uuid_results[0]}`, `entityUpdated ${kept.uuid}`]);
        expect(await deliveries(uuid)).toHaveLength(4);
        await ok('/webhooks/delete', { uuid });
      });

      it('sends DELETE events for entity.bulkDelete and entity.purge, and none to disabled webhooks', async () => {
        await ok('/entityType.create', { type_name: 'gadget', attr_defs: JSON.stringify([{ name: 'label', type: 'string' }]) });
        const path = '/gadgets';
        const uuid = await subscribe({ callback: `${receiver.url}${path}`, entity_type: 'gadget', event_type: 'DELETE' });
        const disabled = await subscribe({ callback: `${receiver.url}/disabled`, entity_type: 'gadget', event_type: 'ADD,DELETE', enabled: 'false' });
        const made = await ok('/entity.bulkCreate', { type_name: 'gadget', all_attributes: JSON.stringify(['a', 'b', 'c', 'd'].map((label) => ({ label }))) });
        expect((await ok('/entity.bulkDelete', { type_name: 'gadget', filter: "label = 'a' or label = 'b'", commit: 'true' })).total_count).toBe(2);
        expect((await ok('/entity.purge', { type_name: 'gadget', commit: 'true' })).total_count).toBe(2);
        await waitFor(() => eventsFor(path).length >= 4, 'four entityDeleted events');
        expect(eventsFor(path).map((r) => r.claims.events.entityDeleted.sub).sort()).toEqual([...made.uuid_results].sort());
        expect(receiver.received.filter((r) => r.path === '/disabled')).toHaveLength(0);
        expect(await deliveries(disabled)).toHaveLength(0);
        await ok('/webhooks/delete', { uuid });
        await ok('/webhooks/delete', { uuid: disabled });
      });

      it('names the calling client in captureClientId: the login client of a native registration, the owner of entity.bulkCreate', async () => {
        const path = '/clients';
        const uuid = await subscribe({ callback: `${receiver.url}${path}`, entity_type: 'user', event_type: 'ADD' });
        const flow = await fetch(`${server().url}/config/${app.appId}/flows/standard`, { headers: { authorization: `Basic ${Buffer.from(`${app.ownerClientId}:${app.ownerClientSecret}`).toString('base64')}` } });
        const version = ((await flow.json()) as { version: string }).version;
        const password = 'first-Secret1';
        const form = { form: 'registrationForm', firstName: 'Ada', lastName: 'Lovelace', displayName: 'Ada L.', emailAddress: 'native@example.com', newPassword: password, newPasswordConfirm: password };
        const registered = await call(server().url, '/oauth/register_native_traditional', { client_id: app.loginClientId, flow: 'standard', flow_version: version, locale: 'en-US', ...form });
        expect(registered.json, registered.text).toMatchObject({ stat: 'ok', is_new: true });
        const bulk = await ok('/entity.bulkCreate', { type_name: 'user', all_attributes: JSON.stringify([{ email: 'bulk-user@example.com' }]) });
        await waitFor(() => eventsFor(path).length >= 2, 'both entityCreated events');
        const clients = Object.fromEntries(eventsFor(path).map((r) => [r.claims.events.entityCreated.sub, r.claims.events.entityCreated.captureClientId]));
        expect(clients).toEqual({ [registered.json.capture_user.uuid]: app.loginClientId, [bulk.uuid_results[0]]: app.ownerClientId });
        await ok('/webhooks/delete', { uuid });
      });

      it('applies a webhook added or deleted through this process to the very next change', async () => {
        // An application of its own, with no webhook: its writes are remembered as wanting none.
        const lone = await createTestApp(server());
        const as = async (path: string, params: Record<string, string>) => {
          const r = await call(server().url, path, { client_id: lone.ownerClientId, client_secret: lone.ownerClientSecret, ...params });
          expect(r.json, `${path} ${r.text}`).toMatchObject({ stat: 'ok' });
          return r.json;
        };
        const make = async (givenName: string) => (await as('/entity.create', { type_name: 'person', attributes: JSON.stringify({ givenName }) })).uuid as string;
        await as('/entityType.create', { type_name: 'person', attr_defs: JSON.stringify(ATTR_DEFS) });
        await make('Unheard');
        const path = '/next-change';
        const uuid = (await as('/webhooks/add', { callback: `${receiver.url}${path}`, entity_type: 'person', event_type: 'ADD' })).uuid as string;
        const heard = await make('Heard');
        await waitFor(() => eventsFor(path).length >= 1, 'the event of the change after the webhook was added');
        await as('/webhooks/delete', { uuid });
        // A deleted webhook gets no event (and its events' reference to it fails no write).
        await make('Unheard again');
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(eventsFor(path).map((r) => r.claims.events.entityCreated.sub)).toEqual([heard]);
      });

      it('pages the delivery history newest first', async () => {
        const path = '/paged';
        const uuid = await subscribe({ callback: `${receiver.url}${path}`, event_type: 'ADD' });
        const made = await ok('/entity.bulkCreate', { type_name: 'person', all_attributes: JSON.stringify(Array.from({ length: 5 }, (_, i) => ({ givenName: `P${i}` }))) });
        await waitFor(() => eventsFor(path).length >= 5, 'five events');
        const page1 = await ok('/webhooks/deliveries', { uuid, max_results: '3' });
        expect(page1.results.map((d: { sub: string }) => d.sub)).toEqual([...made.uuid_results].reverse().slice(0, 3));
        const page2 = await ok('/webhooks/deliveries', { uuid, max_results: '3', before: String(page1.next_before) });
        expect(page2.results.map((d: { sub: string }) => d.sub)).toEqual([...made.uuid_results].reverse().slice(3));
        expect(page2.next_before).toBeUndefined();
        await ok('/webhooks/delete', { uuid });
      });
    });
  },
  FAST,
);

describeEachDatabase('webhook callbacks without OPENRAIN_ALLOW_PRIVATE_CALLBACKS', (server) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(server());
    await call(server().url, '/entityType.create', { client_id: app.ownerClientId, client_secret: app.ownerClientSecret, type_name: 'person', attr_defs: '[{"name":"email","type":"string"}]' });
  });

  it.each([
    'http://127.0.0.1:9/hook',
    'http://localhost:9/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://10.1.2.3/hook',
    'https://172.16.0.1/hook',
    'http://192.168.1.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
    'http://0.0.0.0/hook',
  ])('refuses %s', async (callback) => {
    const r = await call(server().url, '/webhooks/add', { client_id: app.ownerClientId, client_secret: app.ownerClientSecret, callback, event_type: 'ADD', entity_type: 'person' });
    expect(r.json).toMatchObject({ stat: 'error', code: 200, argument_name: 'callback' });
    expect(r.json.error_description).toMatch(/private|does not resolve/);
  });
});
