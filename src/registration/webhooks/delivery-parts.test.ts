import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress } from './callback-address.js';
import { changedPaths, watches } from './changed-paths.js';
import { createSender } from './deliver.js';
import { startReceiver, type Receiver } from './test-receiver.js';
import { retryDelay } from './worker.js';
import type { AttrDef } from '../schema/attr-def.js';
import type { JsonObject } from '../records/json.js';

describe('isPrivateAddress', () => {
  it.each(['127.0.0.1', '10.0.0.5', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1%eth0', 'fd12:3456::1', 'fc00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::a00:1', '2002:c0a8:101::1', 'ff02::1', 'not an address'])(
    '%s is private',
    (address) => expect(isPrivateAddress(address)).toBe(true),
  );
  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:0808:0808::1'])('%s is public', (address) => expect(isPrivateAddress(address)).toBe(false));
});

describe('changedPaths and watches', () => {
  const defs: AttrDef[] = [
    { name: 'email', type: 'string' },
    { name: 'extra', type: 'json' },
    { name: 'primaryAddress', type: 'object', attr_defs: [{ name: 'city', type: 'string' }, { name: 'zip', type: 'string' }] },
    { name: 'profiles', type: 'plural', attr_defs: [{ name: 'domain', type: 'string' }, { name: 'url', type: 'string' }] },
  ];

  it('lists the leaf paths that changed, plural elements matched by id', () => {
    const before: JsonObject = { email: 'a@x', extra: { k: [1] }, primaryAddress: { city: 'Oslo', zip: '0150' }, profiles: [{ id: 1, domain: 'x.com', url: 'u' }, { id: 2, domain: 'y.com' }] };
    const after: JsonObject = { email: 'a@x', extra: { k: [1] }, primaryAddress: { city: 'Bergen', zip: '0150' }, profiles: [{ id: 2, domain: 'y.com' }, { id: 1, domain: 'x.com', url: 'v' }] };
    expect(changedPaths(defs, before, after)).toEqual(['primaryAddress.city', 'profiles.url']);
    expect(changedPaths(defs, before, { ...before, extra: { k: [2] } })).toEqual(['extra']);
    expect(changedPaths(defs, before, { ...before, profiles: [{ id: 2, domain: 'y.com' }] })).toEqual(['profiles.domain', 'profiles.url']);
    expect(changedPaths(defs, { profiles: [] }, { profiles: [{ id: 3 }] })).toEqual(['profiles']);
    expect(changedPaths(defs, before, JSON.parse(JSON.stringify(before)))).toEqual([]);
    expect(changedPaths(defs, { email: null }, {})).toEqual([]);
  });

  it('matches a filter on the path itself, inside it or around it', () => {
    expect(watches([], ['email'])).toBe(true);
    expect(watches([], [])).toBe(false);
    expect(watches(['email'], ['givenname', 'email'])).toBe(true);
    expect(watches(['primaryaddress'], ['primaryAddress.city'])).toBe(true);
    expect(watches(['primaryaddress.city'], ['primaryAddress'])).toBe(true);
    expect(watches(['primaryaddress.city'], ['primaryAddress.zip'])).toBe(false);
    expect(watches(['email'], ['emailVerified'])).toBe(false);
  });
});

describe('retryDelay', () => {
  it('draws from zero up to a doubling cap, never above the maximum', () => {
    expect(retryDelay(1, 1000, 60_000, () => 0.999)).toBe(999);
    expect(retryDelay(3, 1000, 60_000, () => 0.5)).toBe(2000);
    expect(retryDelay(30, 1000, 60_000, () => 0.999)).toBe(59_940);
    expect(retryDelay(5, 1000, 60_000, () => 0)).toBe(0);
  });
});

describe('one delivery attempt over HTTP', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });
  const never = new AbortController().signal;
  const token = 'eyJhbGciOiJub25lIn0.eyJqdGkiOiJ0In0.';

  it('refuses at connection time a host that resolves to a private address, and a literal one', async () => {
    const sender = createSender({ allowPrivate: false, timeoutMs: 2000, userAgent: 'test' });
    try {
      const port = new URL(receiver.url).port;
      const byName = await sender.post(`http://localhost:${port}/x`, token, never);
      expect(byName).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/private/) });
      const literal = await sender.post(`http://127.0.0.1:${port}/x`, token, never);
      expect(literal).toMatchObject({ ok: false, error: expect.stringMatching(/private/) });
      expect(receiver.received.filter((r) => r.path === '/x')).toHaveLength(0);
    } finally {
      sender.close();
    }
  });

  it('posts the token as application/secevent+jwt, classifies answers and gives up waiting after the timeout', async () => {
    const sender = createSender({ allowPrivate: true, timeoutMs: 300, userAgent: 'test' });
    receiver.behaviour = (r) => (r.path === '/slow' ? new Promise<number>((resolve) => setTimeout(() => resolve(200), 2000)) : Number(r.path.slice(1)));
    try {
      expect(await sender.post(`${receiver.url}/202`, token, never)).toMatchObject({ ok: true, statusCode: 202 });
      expect(receiver.received.at(-1)).toMatchObject({ contentType: 'application/secevent+jwt', token });
      expect(await sender.post(`${receiver.url}/429`, token, never)).toMatchObject({ ok: false, retryable: true, statusCode: 429 });
      expect(await sender.post(`${receiver.url}/503`, token, never)).toMatchObject({ ok: false, retryable: true, statusCode: 503 });
      expect(await sender.post(`${receiver.url}/404`, token, never)).toMatchObject({ ok: false, retryable: false, statusCode: 404 });
      expect(await sender.post(`${receiver.url}/302`, token, never)).toMatchObject({ ok: false, retryable: false, statusCode: 302 });
      const slow = await sender.post(`${receiver.url}/slow`, token, never);
      expect(slow).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/no answer within/) });
      expect(slow.durationMs).toBeGreaterThanOrEqual(290);
      expect(await sender.post('http://127.0.0.1:1/closed', token, never)).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/ECONNREFUSED/) });
    } finally {
      receiver.behaviour = () => 200;
      sender.close();
    }
  });
});
