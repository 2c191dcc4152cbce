import { describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../../test/databases.js';
import { suiteStore } from '../../../../test/stores.js';
import { RegistrationError } from '../../../http/errors.js';
import { openStore, type Store } from '../../../store/store.js';
import { hashPassword } from '../../records/passwords.js';
import { needsRehash } from '../../../crypto/legacy-passwords.js';
import { addressKey, checkLoginAllowed, DEFAULT_THROTTLE, DUMMY_ARGON2ID_HASH, equalTimeVerify, recordLoginFailure, recordLoginSuccess, sweepLoginThrottle } from './index.js';

const kinds = await databaseKinds();
const T0 = 1_700_000_000_000;
const MIN = 60_000;

async function newApp(store: Store, label: string): Promise<{ id: number }> {
  return store.write((tx) =>
    tx
      .insertInto('apps')
      .values({ app_id: `app${label}`, realm: `realm${label}`, name: label, domain: `${label}.example.com`, api_key_digest: `digest${label}`, api_key_sealed: 'sealed', created_at: T0 })
      .returning('id')
      .executeTakeFirstOrThrow(),
  ).then((r) => ({ id: Number(r.id) }));
}

async function refusal(promise: Promise<unknown>): Promise<RegistrationError | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    if (err instanceof RegistrationError) return err;
    throw err;
  }
}

describe.each(kinds)('login throttling [%s]', (kind) => {
  const fresh = suiteStore(kind);

  const fail = (app: { id: number }, who: { account?: string; ip?: string }, now: number) => fresh.store.write((tx) => recordLoginFailure(tx, app, who, { now }));

  it('locks an account after 5 failures, with a retry hint, then backs off exponentially', async () => {
    const app = await newApp(fresh.store, 'lock');
    const who = { account: 'Alice@Example.com', ip: '192.0.2.1' };
    for (let i = 0; i < 4; i++) {
      expect(await fail(app, who, T0 + i)).toEqual({});
      await checkLoginAllowed(fresh.store.db, app, who, { now: T0 + i });
    }
    expect(await fail(app, who, T0 + 10)).toEqual({ lockedForSeconds: 30 });
    const err = await refusal(checkLoginAllowed(fresh.store.db, app, who, { now: T0 + 10 }));
    expect(err?.code).toBe(510);
    expect(err?.error).toBe('api_limit_error');
    expect(err?.options.extra).toEqual({ retry_after: 30 });
    // The same account typed differently is the same account; another address does not help.
    expect((await refusal(checkLoginAllowed(fresh.store.db, app, { account: ' alice@example.COM ', ip: '198.51.100.7' }, { now: T0 + 20_000 })))?.options.extra).toEqual({ retry_after: 11 });
    // Lock over: allowed again; the next failure locks twice as long.
    await checkLoginAllowed(fresh.store.db, app, who, { now: T0 + 30_010 });
    expect(await fail(app, who, T0 + 31_000)).toEqual({ lockedForSeconds: 60 });
    expect(await fail(app, who, T0 + 92_000)).toEqual({ lockedForSeconds: 120 });
  });

  it('counts per application: another application’s failures do not lock this one', async () => {
    const a = await newApp(fresh.store, 'tenantA');
    const b = await newApp(fresh.store, 'tenantB');
    const who = { account: 'bob@example.com' };
    for (let i = 0; i < 5; i++) await fail(a, who, T0 + i);
    expect(await refusal(checkLoginAllowed(fresh.store.db, a, who, { now: T0 + 10 }))).toBeDefined();
    await checkLoginAllowed(fresh.store.db, b, who, { now: T0 + 10 });
  });

  it('a success clears the account count; failures older than the window are forgotten', async () => {
    const app = await newApp(fresh.store, 'success');
    const who = { account: 'carol@example.com', ip: '192.0.2.2' };
    // The check says whether the account has failures for a success to clear (the address's do not count).
    expect(await checkLoginAllowed(fresh.store.db, app, who, { now: T0 })).toEqual({ accountCounted: false });
    await fail(app, { account: 'someone@example.com', ip: who.ip }, T0);
    expect(await checkLoginAllowed(fresh.store.db, app, who, { now: T0 })).toEqual({ accountCounted: false });
    for (let i = 0; i < 4; i++) await fail(app, who, T0 + i);
    expect(await checkLoginAllowed(fresh.store.db, app, who, { now: T0 + 4 })).toEqual({ accountCounted: true });
    expect(await checkLoginAllowed(fresh.store.db, app, { account: who.account }, { now: T0 + 4 })).toEqual({ accountCounted: true });
    await fresh.store.write((tx) => recordLoginSuccess(tx, app, who));
    expect(await checkLoginAllowed(fresh.store.db, app, who, { now: T0 + 5 })).toEqual({ accountCounted: false });
    for (let i = 0; i < 4; i++) expect(await fail(app, who, T0 + 100 + i)).toEqual({});
    // Sixteen minutes later the window has passed: this failure counts as the first.
    expect(await fail(app, who, T0 + 16 * MIN)).toEqual({});
    await checkLoginAllowed(fresh.store.db, app, who, { now: T0 + 16 * MIN });
  });

  it('locks an address after 50 failures across many accounts; a success does not clear it', async () => {
    const app = await newApp(fresh.store, 'spray');
    const ip = '203.0.113.9';
    for (let i = 0; i < 49; i++) expect(await fail(app, { account: `user${i}@example.com`, ip }, T0 + i)).toEqual({});
    await fresh.store.write((tx) => recordLoginSuccess(tx, app, { account: 'mine@example.com' }));
    expect(await fail(app, { account: 'user49@example.com', ip }, T0 + 100)).toEqual({ lockedForSeconds: DEFAULT_THROTTLE.ip.baseLockMs / 1000 });
    const err = await refusal(checkLoginAllowed(fresh.store.db, app, { account: 'someone-new@example.com', ip }, { now: T0 + 200 }));
    expect(err?.code).toBe(510);
    await checkLoginAllowed(fresh.store.db, app, { account: 'someone-new@example.com', ip: '203.0.113.10' }, { now: T0 + 200 });
  });

  it('concurrent failures from several connections all count', async () => {
    const app = await newApp(fresh.store, 'race');
    const who = { account: 'dave@example.com' };
    // Separate connections to one database, as several processes would have.
    const others = [openStore(fresh.database.url), openStore(fresh.database.url)];
    try {
      await Promise.all(others.flatMap((s, n) => [0, 1].map((i) => s.write((tx) => recordLoginFailure(tx, app, who, { now: T0 + n * 10 + i })))));
      expect(await fail(app, who, T0 + 50)).toEqual({ lockedForSeconds: 30 });
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });

  it('IPv6 clients are counted by their /64; IPv4-mapped addresses as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:0db8:0001:0002:ffff:1:2:3'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('not an address')).toBeUndefined();
  });

  it('the sweep forgets day-old counters and keeps live locks', async () => {
    const app = await newApp(fresh.store, 'sweep');
    await fail(app, { account: 'old@example.com' }, T0);
    await fail(app, { account: 'new@example.com' }, T0 + 2 * 24 * 60 * MIN);
    await sweepLoginThrottle(fresh.store.db, T0 + 2 * 24 * 60 * MIN + 1);
    const rows = await fresh.store.db.selectFrom('login_throttle').select('last_failure_at').where('app_id', '=', app.id).execute();
    expect(rows.map((r) => Number(r.last_failure_at))).toEqual([T0 + 2 * 24 * 60 * MIN]);
  });
});

describe('equalTimeVerify', () => {
  it('verifies argon2id and legacy hashes, and refuses everything else', async () => {
    const stored = { type: 'password-argon2id', value: await hashPassword('s3cret!') };
    expect(await equalTimeVerify(stored, 's3cret!')).toBe(true);
    expect(await equalTimeVerify(stored, 'wrong')).toBe(false);
    expect(await equalTimeVerify({ type: 'password-md5', value: '9cc2ae8a1ba7a93da39b46fc1019c481' }, 'correct horse battery staple')).toBe(true);
    expect(await equalTimeVerify({ type: 'password-md5', value: '9cc2ae8a1ba7a93da39b46fc1019c481' }, 'wrong')).toBe(false);
    expect(await equalTimeVerify(undefined, 's3cret!')).toBe(false);
    expect(await equalTimeVerify(null, '')).toBe(false);
    expect(await equalTimeVerify({ type: 'password-unknown', value: 'x' }, 'x')).toBe(false);
    expect(await equalTimeVerify('plaintext', 'plaintext')).toBe(false);
  });

  it('the dummy hash has the current argon2id parameters (so it costs what a real check costs)', () => {
    expect(needsRehash({ type: 'password-argon2id', value: DUMMY_ARGON2ID_HASH })).toBe(false);
  });

  it('an unknown account, a wrong password and a fast legacy digest take the same time', async () => {
    const stored = { type: 'password-argon2id', value: await hashPassword('s3cret!') };
    const weakLegacy = { type: 'password-md5', value: '9cc2ae8a1ba7a93da39b46fc1019c481' };
    const cases = [stored, undefined, weakLegacy];
    const fastest = [Infinity, Infinity, Infinity];
    // Interleaved, and the fastest of each kept: the least disturbed by a busy machine.
    for (let round = 0; round < 8; round++) {
      for (const [i, c] of cases.entries()) {
        const t = performance.now();
        await equalTimeVerify(c, 'wrong password');
        fastest[i] = Math.min(fastest[i]!, performance.now() - t);
      }
    }
    const [known, unknown, legacy] = fastest as [number, number, number];
    // Skipping the argon2id work would answer hundreds of times faster; the same work stays near 1.
    expect(unknown / known).toBeGreaterThan(0.4);
    expect(unknown / known).toBeLessThan(2.5);
    expect(legacy / known).toBeGreaterThan(0.4);
  });
});
