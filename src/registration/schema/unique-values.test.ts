import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type RawBuilder } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/fixtures.js';
import { call, describeEachDatabase } from '../../../test/server.js';
import { RegistrationError } from '../../http/errors.js';
import { compileSort, filterSql, parseSortOn } from '../records/filter/index.js';
import { findAppByAppId } from '../../partner/apps.js';
import type { Tx } from '../../store/store.js';
import { getEntityType, type EntityType } from './entity-types.js';
import { uniqueViolationAttribute } from './indexes.js';
import { claimUniqueValues, holderOfUniqueValue, pluralUniqueAttributes, uniqueKey } from './unique-values.js';

describeEachDatabase('unique values of the standard user type', (server) => {
  let type: EntityType;
  let app: TestApp;
  let appRowId: number;
  const store = () => server().running.runtime.store;

  beforeAll(async () => {
    app = await createTestApp(server());
    appRowId = (await findAppByAppId(store().db, app.appId))!.id;
    type = await getEntityType(store().db, appRowId, 'user');
  });

  async function insertUser(tx: Tx, data: unknown, into: EntityType = type): Promise<number> {
    const text = JSON.stringify(data);
    const value = store().dialect === 'postgres' ? sql`cast(${text} as jsonb)` : sql`${text}`;
    const now = Date.now() * 1000;
    const result = await sql<{ id: number }>`insert into entities (type_id, uuid, created, last_updated, data) values (${into.id}, ${randomUUID()}, ${now}, ${now}, ${value}) returning id`.execute(tx);
    return Number(result.rows[0].id);
  }

  it('lets exactly one of two concurrent records claim a profiles.identifier (the other: 361; identifiers are case-sensitive)', async () => {
    const identifier = `https://www.google.com/profiles/${randomUUID()}`;
    const attempts = await Promise.allSettled(
      [1, 2].map((n) =>
        store().write(async (tx) => {
          const data = { email: `u${n}-${identifier}@example.com`, profiles: [{ id: n, identifier, domain: 'google.com' }] };
          const id = await insertUser(tx, data);
          await claimUniqueValues(tx, type, id, data, { fresh: true });
          return id;
        }),
      ),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    const failed = attempts.find((a) => a.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(RegistrationError);
    expect(failed.reason.code).toBe(361);
    const rows = await sql<{ value: string }>`select value from entity_unique_values where type_id = ${type.id} and value = ${identifier}`.execute(store().db);
    expect(rows.rows).toHaveLength(1);
  });

  it('names the record holding a profiles.identifier through its claimed value (as stored: exact case, long values digested)', async () => {
    const short = `https://openid.example/${randomUUID()}`;
    const long = `https://openid.example/${'x'.repeat(300)}/${randomUUID()}`;
    const id = await store().write(async (tx) => {
      const data = { profiles: [{ id: 1, identifier: short }, { id: 2, identifier: long }] };
      const id = await insertUser(tx, data);
      await claimUniqueValues(tx, type, id, data, { fresh: true });
      return id;
    });
    const attribute = pluralUniqueAttributes(type.attrDefs).find((a) => a.path === 'profiles.identifier')!;
    expect(await holderOfUniqueValue(store().db, type, attribute, short)).toBe(id);
    expect(await holderOfUniqueValue(store().db, type, attribute, long)).toBe(id);
    expect(await holderOfUniqueValue(store().db, type, attribute, short.toUpperCase())).toBeUndefined();
    expect(await holderOfUniqueValue(store().db, type, attribute, `${short}/other`)).toBeUndefined();
  });

  it('releases a record\'s old values when it claims again, and frees them when the record goes', async () => {
    const id = await store().write(async (tx) => {
      const data = { profiles: [{ id: 1, identifier: 'old-id' }] };
      const id = await insertUser(tx, data);
      await claimUniqueValues(tx, type, id, data, { fresh: true });
      return id;
    });
    await store().write((tx) => claimUniqueValues(tx, type, id, { profiles: [{ id: 1, identifier: 'new-id' }, { id: 2, identifier: 'new-id' }] }));
    const held = async () => (await sql<{ value: string }>`select value from entity_unique_values where entity_id = ${id}`.execute(store().db)).rows.map((r) => r.value);
    expect(await held()).toEqual(['new-id']);
    // Given the data before the change: a change that leaves the values as they were (a sign-in's
    // lastLogin) runs no statement (the rows, cleared here behind its back, stay cleared)…
    await store().write(async (tx) => {
      await sql`delete from entity_unique_values where entity_id = ${id}`.execute(tx);
    });
    const before = { profiles: [{ id: 1, identifier: 'new-id' }] };
    await store().write((tx) => claimUniqueValues(tx, type, id, { lastLogin: 'now', profiles: [{ id: 1, identifier: 'new-id', domain: 'google.com' }] }, { previous: before }));
    expect(await held()).toEqual([]);
    // …and one that changes them releases and claims as without it.
    await store().write((tx) => claimUniqueValues(tx, type, id, { profiles: [{ id: 1, identifier: 'new-id' }, { id: 2, identifier: 'newer-id' }] }, { previous: before }));
    expect((await held()).sort()).toEqual(['new-id', 'newer-id']);
    const other = await store().write(async (tx) => {
      const data = { profiles: [{ id: 3, identifier: 'old-id' }] };
      const other = await insertUser(tx, data);
      await claimUniqueValues(tx, type, other, data, { fresh: true });
      return other;
    });
    await store().write(async (tx) => {
      await sql`delete from entities where id = ${other}`.execute(tx);
    });
    expect((await sql`select 1 from entity_unique_values where entity_id = ${other}`.execute(store().db)).rows).toHaveLength(0);
  });

  it('keeps long values as digests and text case-insensitively', () => {
    const def = { name: 'identifier', type: 'string' as const };
    expect(uniqueKey('ABC', def)).toBe('abc');
    expect(uniqueKey('ABC', { ...def, 'case-sensitive': true })).toBe('ABC');
    expect(uniqueKey('x'.repeat(300), def)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(uniqueKey(null, def)).toBeUndefined();
  });

  it('refuses a second email in any case through the unique index, and names the attribute', async () => {
    await store().write((tx) => insertUser(tx, { email: 'Same@Example.com' }));
    const err = await store()
      .write((tx) => insertUser(tx, { email: 'same@example.COM' }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeDefined();
    expect(uniqueViolationAttribute(type, store().dialect, err)).toBe('email');
  });

  it('serves the compiled email filter and a sort on a query attribute from the schema\'s indexes', async () => {
    const dialect = store().dialect;
    const created = await call(server().url, '/entityType.create', {
      client_id: app.ownerClientId,
      client_secret: app.ownerClientSecret,
      type_name: 'visitor',
      attr_defs: JSON.stringify([{ name: 'lastSeen', type: 'dateTime', features: ['query'] }]),
    });
    expect(created.json.stat).toBe('ok');
    const visitor = await getEntityType(store().db, appRowId, 'visitor');
    await store().write(async (tx) => {
      for (let i = 0; i < 200; i++) {
        await insertUser(tx, { email: `plan${i}@example.org` });
        await insertUser(tx, { lastSeen: `2024-01-01 00:00:${String(i % 60).padStart(2, '0')}.000000 +0000` }, visitor);
      }
    });
    await sql.raw(dialect === 'sqlite' ? 'analyze' : 'analyze entities').execute(store().db);
    const where = filterSql("email = 'PLAN7@example.org'", { dialect, resolve: type.resolve });
    const find = sql`select "id" from "entities" where "type_id" = ${sql.raw(String(type.id))} and ${where}`;
    expect((await find.execute(store().db)).rows).toHaveLength(1);
    const order = sql.join(compileSort(parseSortOn(['lastSeen']), { dialect, resolve: visitor.resolve }));
    const sorted = sql`select "id" from "entities" where "type_id" = ${sql.raw(String(visitor.id))} order by ${order} limit 10`;
    const plans = await store().write(async (tx) => {
      // PostgreSQL would rather scan a small table; forbid that to see whether the index fits at all.
      if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(tx);
      const explain = async (q: RawBuilder<unknown>) =>
        (await sql`explain ${sql.raw(dialect === 'sqlite' ? 'query plan ' : '')}${q}`.execute(tx)).rows.map((r) => Object.values(r as object).join(' ')).join('\n');
      return { find: await explain(find), sorted: await explain(sorted) };
    });
    expect(plans.find).toMatch(new RegExp(`ent_${type.id}_u_email_`));
    expect(plans.sorted).toMatch(new RegExp(`ent_${visitor.id}_q_lastseen_`));
    // The index order is the whole sort_on order (…, id asc): no sort step after it.
    expect(plans.sorted).not.toMatch(dialect === 'sqlite' ? /TEMP B-TREE/ : /Sort Key/);
  });

  it('gives the demo application of the first start the user type too', async () => {
    const bootstrap = JSON.parse(readFileSync(join(server().database.dataDir, 'bootstrap.json'), 'utf8'));
    const r = await call(server().url, '/entityType.list', { client_id: bootstrap.demo.captureOwnerClientId, client_secret: bootstrap.demo.captureOwnerClientSecret });
    expect(r.json).toEqual({ stat: 'ok', results: ['user'] });
  });
});
