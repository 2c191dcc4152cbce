import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import { suiteStore } from '../../test/stores.js';
import { cachedRowsChanged, FRESH_MS, FreshCache } from './fresh-cache.js';
import { prepared } from './prepared.js';
import { openStore, type Store } from './store.js';

const valueOf = prepared((db, name: string) => db.selectFrom('installation').select('value').where('name', '=', name));
const namesBetween = prepared((db, low: string, high: string) => db.selectFrom('installation').select('name').where('name', '>=', low).where('name', '<=', high).where('value', '!=', 'hidden').orderBy('name'));

describe.each(await databaseKinds())('prepared queries and fresh caches [%s]', (kind) => {
  const fresh = suiteStore(kind);
  let other: Store;

  beforeAll(async () => {
    other = openStore(fresh.database.url);
    await fresh.store.write((tx) =>
      tx
        .insertInto('installation')
        .values([
          { name: 'p_a', value: '1' },
          { name: 'p_b', value: '2' },
          { name: 'p_c', value: 'hidden' },
          { name: 'p_d', value: '4' },
        ])
        .execute(),
    );
  });
  afterAll(async () => {
    await other?.close();
  });

  it('run with each call’s values, constants kept, inside and outside transactions', async () => {
    expect(await valueOf(fresh.store.db, 'p_a')).toEqual([{ value: '1' }]);
    expect(await valueOf(fresh.store.db, 'p_b')).toEqual([{ value: '2' }]);
    expect(await valueOf(fresh.store.db, 'nothing')).toEqual([]);
    expect(await namesBetween(fresh.store.db, 'p_a', 'p_d')).toEqual([{ name: 'p_a' }, { name: 'p_b' }, { name: 'p_d' }]);
    expect(await namesBetween(fresh.store.db, 'p_b', 'p_c')).toEqual([{ name: 'p_b' }]);
    // A second database of the same kind compiles for itself and reads its own rows.
    expect(await valueOf(other.db, 'p_d')).toEqual([{ value: '4' }]);
    const seen = await fresh.store.write(async (tx) => {
      await tx.updateTable('installation').set({ value: '9' }).where('name', '=', 'p_a').execute();
      return valueOf(tx, 'p_a');
    });
    expect(seen).toEqual([{ value: '9' }]);
  });

  it('refuse a build that leaves an argument out, and calls with the wrong number of arguments', async () => {
    const unused = prepared((db, _name: string) => db.selectFrom('installation').select('value'));
    await expect(unused(fresh.store.db, 'x')).rejects.toThrow(/argument 1 does not reach the SQL/);
    await expect((valueOf as (...args: unknown[]) => Promise<unknown>)(fresh.store.db)).rejects.toThrow(/1 arguments expected, 0 given/);
  });

  it('a cached value is served while fresh, dropped by cachedRowsChanged, never read in transactions', async () => {
    const cache = new FreshCache<string>();
    const ticket = cache.ticket(fresh.store.db);
    cache.set(fresh.store.db, 'k', 'v', ticket);
    expect(cache.get(fresh.store.db, 'k')).toBe('v');
    expect(cache.get(other.db, 'k')).toBeUndefined();
    await fresh.store.write(async (tx) => {
      expect(cache.get(tx, 'k')).toBeUndefined();
      cache.set(tx, 'k2', 'v2', cache.ticket(tx));
    });
    expect(cache.get(fresh.store.db, 'k2')).toBeUndefined();
    cachedRowsChanged(fresh.store.db);
    expect(cache.get(fresh.store.db, 'k')).toBeUndefined();
  });

  it('a value read across a change is not stored, and none is trusted past FRESH_MS', async () => {
    const cache = new FreshCache<string>();
    const before = cache.ticket(fresh.store.db);
    cachedRowsChanged(fresh.store.db);
    cache.set(fresh.store.db, 'k', 'stale', before);
    expect(cache.get(fresh.store.db, 'k')).toBeUndefined();

    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      cache.set(fresh.store.db, 'k', 'v', cache.ticket(fresh.store.db));
      vi.setSystemTime(Date.now() + FRESH_MS - 1);
      expect(cache.get(fresh.store.db, 'k')).toBe('v');
      vi.setSystemTime(Date.now() + 1);
      expect(cache.get(fresh.store.db, 'k')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
