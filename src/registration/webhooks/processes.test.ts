import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Running } from '../../main.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { createTestApp, type TestApp } from '../../../test/fixtures.js';
import { call, startServerOn, type TestServer } from '../../../test/server.js';
import { startReceiver, waitFor, type Receiver } from './test-receiver.js';

/** Servers started and stopped by the tests themselves, over one database. */

const FAST = {
  OPENRAIN_ALLOW_PRIVATE_CALLBACKS: '1',
  OPENRAIN_WEBHOOK_RETRY_BASE_MS: '50',
  OPENRAIN_WEBHOOK_RETRY_MAX_MS: '200',
  OPENRAIN_WEBHOOK_POLL_MS: '100',
};

function startOn(database: TestDatabase, secretKey: string): Promise<Running> {
  return startServerOn(database, { OPENRAIN_SECRET_KEY: secretKey, ...FAST });
}

async function prepare(running: Running, receiver: Receiver, paths: string[]): Promise<{ app: TestApp; owner: Record<string, string>; subscriptions: string[] }> {
  const app = await createTestApp({ url: running.url } as TestServer);
  const owner = { client_id: app.ownerClientId, client_secret: app.ownerClientSecret };
  expect((await call(running.url, '/entityType.create', { ...owner, type_name: 'person', attr_defs: '[{"name":"givenName","type":"string"}]' })).json).toMatchObject({ stat: 'ok' });
  const subscriptions: string[] = [];
  for (const path of paths) {
    const r = await call(running.url, '/webhooks/add', { ...owner, callback: `${receiver.url}${path}`, event_type: 'ADD', entity_type: 'person' });
    expect(r.json).toMatchObject({ stat: 'ok' });
    subscriptions.push(r.json.uuid);
  }
  return { app, owner, subscriptions };
}

async function createRecord(running: Running, owner: Record<string, string>, givenName: string): Promise<string> {
  const r = await call(running.url, '/entity.create', { ...owner, type_name: 'person', attributes: JSON.stringify({ givenName }) });
  expect(r.json).toMatchObject({ stat: 'ok' });
  return r.json.uuid;
}

const kinds = await databaseKinds();

describe.each(kinds)('a server restarted in the middle of delivery [%s]', (kind) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('still delivers every event', async () => {
    const database = await createTestDatabase(kind);
    cleanup.push(() => database.drop());
    const secret = randomBytes(32).toString('hex');
    // The receiver takes requests but does not answer them while the first server runs.
    const receiver = await startReceiver(() => new Promise<number>(() => {}));
    cleanup.push(() => receiver.close());

    const first = await startOn(database, secret);
    cleanup.push(() => first.close());
    const { owner, subscriptions } = await prepare(first, receiver, ['/held']);
    const uuids: string[] = [];
    for (let i = 0; i < 5; i++) uuids.push(await createRecord(first, owner, `R${i}`));
    await waitFor(() => receiver.received.length >= 1, 'the first delivery to be in flight');
    await first.close();

    receiver.behaviour = () => 200;
    const second = await startOn(database, secret);
    cleanup.push(() => second.close());
    await waitFor(() => new Set(receiver.received.filter((r) => r.status === 200).map((r) => r.claims.events.entityCreated.sub)).size === 5, 'all five events', 20_000);
    const delivered = receiver.received.filter((r) => r.status === 200).map((r) => r.claims.events.entityCreated.sub);
    expect(delivered).toEqual(uuids);
    // Deliveries are recorded shortly after the receiver answers.
    const history = await waitFor(async () => {
      const r = await call(second.url, '/webhooks/deliveries', { ...owner, uuid: subscriptions[0] });
      return r.json.results.every((d: { status: string }) => d.status === 'delivered') && r;
    }, 'the deliveries to be recorded');
    expect(history.json.results).toHaveLength(5);
    // The request the first server abandoned on shutdown was not the receiver's failure: no attempt was recorded for it.
    expect(history.json.results.every((d: { attempt_count: number }) => d.attempt_count === 1)).toBe(true);
  });
});

describe.skipIf(!kinds.includes('postgres'))('two server processes on one PostgreSQL database', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('deliver each event exactly once, one at a time per subscription', async () => {
    const database = await createTestDatabase('postgres');
    cleanup.push(() => database.drop());
    const secret = randomBytes(32).toString('hex');
    const inFlight = new Map<string, number>();
    let overlapped = false;
    const receiver = await startReceiver(async (r) => {
      const now = (inFlight.get(r.path) ?? 0) + 1;
      inFlight.set(r.path, now);
      if (now > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
      inFlight.set(r.path, (inFlight.get(r.path) ?? 1) - 1);
      return 200;
    });
    cleanup.push(() => receiver.close());

    const a = await startOn(database, secret);
    cleanup.push(() => a.close());
    const b = await startOn(database, secret);
    cleanup.push(() => b.close());
    const paths = ['/s1', '/s2', '/s3', '/s4'];
    const { owner } = await prepare(a, receiver, paths);

    const records = 60;
    const uuids: string[] = [];
    for (let batch = 0; batch < records; batch += 10) {
      const made = await Promise.all(Array.from({ length: 10 }, (_, i) => createRecord((batch + i) % 2 === 0 ? a : b, owner, `P${batch + i}`)));
      uuids.push(...made);
    }
    const expected = records * paths.length;
    await waitFor(() => receiver.deliveredJtis().length >= expected, `${expected} deliveries`, 30_000);
    // Anything delivered twice would arrive within this pause.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const jtis = receiver.deliveredJtis();
    expect(jtis).toHaveLength(expected);
    expect(new Set(jtis).size).toBe(expected);
    expect(receiver.received).toHaveLength(expected);
    for (const path of paths) {
      const subs = receiver.received.filter((r) => r.path === path).map((r) => r.claims.events.entityCreated.sub);
      expect(new Set(subs)).toEqual(new Set(uuids));
    }
    expect(overlapped).toBe(false);
  });
});
