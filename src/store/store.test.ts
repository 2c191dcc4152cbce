import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allMigrations } from '../migrations.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../test/databases.js';
import { suiteStore } from '../../test/stores.js';
import { migrateToLatest } from './migrate.js';
import { openStore, parseDatabaseUrl, type Store } from './store.js';

describe('parseDatabaseUrl', () => {
  it('knows sqlite paths and postgres URLs, and refuses anything else', () => {
    expect(parseDatabaseUrl('sqlite:./data/openrain.db')).toEqual({ dialect: 'sqlite', path: './data/openrain.db' });
    expect(parseDatabaseUrl('sqlite:///tmp/x.db')).toEqual({ dialect: 'sqlite', path: '/tmp/x.db' });
    expect(parseDatabaseUrl('postgres://u@h/db')).toEqual({ dialect: 'postgres', url: 'postgres://u@h/db' });
    expect(() => parseDatabaseUrl('mysql://x')).toThrow(/sqlite: or postgres/);
  });
});

describe.each(await databaseKinds())('store [%s]', (kind) => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = openStore(database.url);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('applies migrations once, then reports nothing pending', async () => {
    const first = await migrateToLatest(store, allMigrations);
    expect(first).toEqual(allMigrations.map((m) => m.name));
    expect(await migrateToLatest(store, allMigrations)).toEqual([]);
  });

  it('uses the durable SQLite settings', async () => {
    if (kind !== 'sqlite') return;
    const read = async (pragma: string) => (await sql.raw(`pragma ${pragma}`).execute(store.db)).rows[0] as Record<string, unknown>;
    expect(Object.values(await read('journal_mode'))[0]).toBe('wal');
    expect(Object.values(await read('synchronous'))[0]).toBe(2);
    expect(Object.values(await read('foreign_keys'))[0]).toBe(1);
  });

  it('rolls a failed write back whole and returns bigints as numbers', async () => {
    await expect(
      store.write(async (tx) => {
        await tx.insertInto('installation').values({ name: 'x', value: '1' }).execute();
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await store.db.selectFrom('installation').selectAll().where('name', '=', 'x').execute()).toEqual([]);
    await store.db.insertInto('apps').values({ app_id: 'a', realm: 'r', name: 'n', domain: 'd', api_key_digest: 'k', api_key_sealed: 's', created_at: 1_700_000_000_000 }).execute();
    const row = await store.db.selectFrom('apps').select(['id', 'created_at']).executeTakeFirstOrThrow();
    expect(typeof row.id).toBe('number');
    expect(row.created_at).toBe(1_700_000_000_000);
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe.each(await databaseKinds())('concurrent writes [%s]', (kind) => {
  const fresh = suiteStore(kind);

  it('commits every concurrent write, and a failing one rolls back alone', async () => {
    const writes = Array.from({ length: 50 }, (_, i) =>
      fresh.store.write(async (tx) => {
        await tx.insertInto('installation').values({ name: `k${i}`, value: String(i) }).execute();
        if (i === 7) throw new Error('write 7 fails');
        return i;
      }),
    );
    const settled = await Promise.allSettled(writes);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(49);
    expect(settled[7]).toMatchObject({ status: 'rejected' });
    const rows = await fresh.store.db.selectFrom('installation').select('name').where('name', 'like', 'k%').execute();
    expect(rows).toHaveLength(49);
    expect(rows.map((r) => r.name)).not.toContain('k7');
  });

  it('runs a one-statement write atomically: of concurrent deletes of one row exactly one returns it; a failing one is undone alone', async () => {
    await fresh.store.write((tx) => tx.insertInto('installation').values({ name: 'once', value: 'v' }).execute());
    const take = () => fresh.store.writeStatement((db) => db.deleteFrom('installation').where('name', '=', 'once').returning('value').execute());
    const taken = await Promise.all(Array.from({ length: 8 }, take));
    expect(taken.map((rows) => rows.length).sort()).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    const insertTwin = () => fresh.store.writeStatement((db) => db.insertInto('installation').values({ name: 'twin', value: 'first' }).execute());
    await insertTwin();
    await expect(insertTwin()).rejects.toThrow();
    // A failing one is undone alone, rows it wrote before failing too; the writes sharing its commit stay.
    const halfTwin = () => fresh.store.writeStatement((db) => db.insertInto('installation').values([{ name: 'half twin', value: 'v' }, { name: 'twin', value: 'second' }]).execute());
    const settled = await Promise.allSettled([
      fresh.store.write((tx) => tx.insertInto('installation').values({ name: 'before twin', value: 'v' }).execute()),
      halfTwin(),
      fresh.store.writeStatement((db) => db.insertInto('installation').values({ name: 'after twin', value: 'v' }).execute()),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const names = await fresh.store.db.selectFrom('installation').select(['name', 'value']).where('name', 'like', '%twin').orderBy('name').execute();
    expect(names).toEqual([{ name: 'after twin', value: 'v' }, { name: 'before twin', value: 'v' }, { name: 'twin', value: 'first' }]);
  });

  it('answers a unique violation to the one write that caused it', async () => {
    const insert = () => fresh.store.write((tx) => tx.insertInto('installation').values({ name: 'same', value: 'v' }).execute());
    const settled = await Promise.allSettled([insert(), insert()]);
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
  });
});
