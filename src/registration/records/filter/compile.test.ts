import { Kysely, PostgresDialect, sql, SqliteDialect, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../../test/databases.js';
import { RegistrationError } from '../../../http/errors.js';
import { openStore, type Dialect, type Store } from '../../../store/store.js';
import { parseDateTime, toEpochMicros } from '../datetime.js';
import { attributeIndexColumnSql, attributeSql, type AttributeInfo, type AttributeResolver } from './attribute.js';
import { filterShape, filterSql, filterValues } from './compile.js';
import { parseFilter } from './parser.js';
import { compileSort, parseSortOn } from './sort.js';

/**
 * The compiler against both real databases, over a scratch `entities`-shaped table (not the
 * records migrations): each filter must select exactly the expected records on SQLite and
 * PostgreSQL, and an equality on a case-insensitive string must use the expression index
 * declared with attributeIndexColumnSql (the performance contract of entity.find).
 */

const TYPE = 1;
const OTHER_TYPE = 2;

const attributes: AttributeInfo[] = [
  { name: 'id', column: 'id', path: [], type: 'id', caseSensitive: true },
  { name: 'uuid', column: 'uuid', path: [], type: 'uuid', caseSensitive: true },
  { name: 'created', column: 'created', path: [], type: 'dateTime', caseSensitive: true },
  { name: 'lastUpdated', column: 'last_updated', path: [], type: 'dateTime', caseSensitive: true },
  { name: 'email', path: ['email'], type: 'string', caseSensitive: false },
  { name: 'displayName', path: ['displayName'], type: 'string', caseSensitive: false },
  { name: 'code', path: ['code'], type: 'string', caseSensitive: true },
  { name: 'age', path: ['age'], type: 'integer', caseSensitive: false },
  { name: 'score', path: ['score'], type: 'decimal', caseSensitive: false },
  { name: 'optIn', path: ['optIn'], type: 'boolean', caseSensitive: false },
  { name: 'birthday', path: ['birthday'], type: 'date', caseSensitive: false },
  { name: 'emailVerified', path: ['emailVerified'], type: 'dateTime', caseSensitive: false },
  { name: 'primaryAddress', path: ['primaryAddress'], type: 'object', caseSensitive: false },
  { name: 'primaryAddress.city', path: ['primaryAddress', 'city'], type: 'string', caseSensitive: false },
  { name: 'settings', path: ['settings'], type: 'json', caseSensitive: false },
  { name: 'password', path: ['password'], type: 'password', caseSensitive: true },
  { name: 'profiles', path: ['profiles'], type: 'plural', caseSensitive: false },
  { name: 'profiles.id', path: ['id'], plural: ['profiles'], type: 'id', caseSensitive: true },
  { name: 'profiles.domain', path: ['domain'], plural: ['profiles'], type: 'string', caseSensitive: false },
  { name: 'profiles.identifier', path: ['identifier'], plural: ['profiles'], type: 'string', caseSensitive: true },
  { name: 'profiles.verified', path: ['verified'], plural: ['profiles'], type: 'boolean', caseSensitive: false },
];
const byName = new Map(attributes.map((a) => [a.name, a]));
const resolve: AttributeResolver = (path) => byName.get(path);
const attr = (name: string) => byName.get(name)!;

const micros = (text: string) => toEpochMicros(parseDateTime(text)!);

interface Row {
  id: number;
  type: number;
  created: string;
  data: Record<string, unknown>;
}

const rows: Row[] = [
  {
    id: 1,
    type: TYPE,
    created: '2016-04-20 17:02:18.649505',
    data: {
      email: 'Alice@Example.com',
      displayName: 'Alice',
      code: 'AbC',
      age: 30,
      score: 9.5,
      optIn: true,
      birthday: '1990-05-01',
      emailVerified: '2016-04-20 17:02:18.649505 +0000',
      primaryAddress: { city: 'Paris', zip: '75001' },
      settings: { theme: 'dark' },
      password: { type: 'password-bcrypt', value: '$2a$10$abc' },
      profiles: [
        { id: 11, domain: 'facebook.com', identifier: 'fb-1', verified: true },
        { id: 12, domain: 'google.com', identifier: 'G-1', verified: false },
      ],
    },
  },
  {
    id: 2,
    type: TYPE,
    created: '2017-01-01 00:00:00',
    data: {
      email: 'bob@example.com',
      displayName: "Bob O'Brien",
      code: 'abc',
      age: 45,
      score: 7,
      optIn: false,
      birthday: '1985-12-31',
      emailVerified: null,
      primaryAddress: { city: 'paris' },
      profiles: [{ id: 13, domain: 'Google.com', identifier: 'g-2' }],
    },
  },
  {
    id: 3,
    type: TYPE,
    created: '2018-06-15 12:00:00',
    data: { email: 'carol@example.org', displayName: 'Carol \\ Back', age: 25, primaryAddress: null, profiles: [] },
  },
  {
    id: 4,
    type: TYPE,
    created: '2019-03-03 03:03:03.000003',
    data: { displayName: 'Dave', age: 60, score: 12.25, emailVerified: '2020-01-01 00:00:00.000000 +0000', primaryAddress: { city: null }, profiles: null },
  },
  {
    id: 5,
    type: TYPE,
    created: '2014-12-31 23:59:59.999999',
    data: { email: 'ÉLODIE@example.fr', displayName: 'Élodie', age: 30, profiles: [{ id: 14, domain: 'x.com' }, 'not-an-object'] },
  },
  // Another entity type with look-alike values: no filter may ever reach it.
  {
    id: 6,
    type: OTHER_TYPE,
    created: '2016-04-20 17:02:18.649505',
    data: { email: 'alice@example.com', age: 30, optIn: true, profiles: [{ id: 15, domain: 'google.com' }] },
  },
];
const uuidOf = (id: number) => `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`;

describe.each(await databaseKinds())('filter compiler [%s]', (kind) => {
  let database: TestDatabase;
  let store: Store;
  const dialect: Dialect = kind;

  const find = async (filter: string, sortOn: string[] = []): Promise<number[]> => {
    const where = filterSql(filter, { dialect, resolve });
    const order = sql.join(compileSort(parseSortOn(sortOn), { dialect, resolve }));
    const result = await sql<{ id: number }>`select "id" from "entities" where "type_id" = ${sql.lit(TYPE)} and ${where} order by ${order}`.execute(store.db);
    return result.rows.map((r) => Number(r.id));
  };
  const sorted = async (filter: string) => (await find(filter)).sort((a, b) => a - b);

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = openStore(database.url);
    const dataType = kind === 'sqlite' ? 'text' : 'jsonb';
    const idType = kind === 'sqlite' ? 'integer' : 'bigint';
    await sql
      .raw(
        `create table entities (id ${idType} primary key, type_id integer not null, uuid text not null unique, created bigint not null, last_updated bigint not null, data ${dataType} not null)`,
      )
      .execute(store.db);
    for (const row of rows) {
      const data = kind === 'sqlite' ? sql`${JSON.stringify(row.data)}` : sql`cast(${JSON.stringify(row.data)} as jsonb)`;
      const created = micros(row.created);
      await sql`insert into entities (id, type_id, uuid, created, last_updated, data) values (${row.id}, ${row.type}, ${uuidOf(row.id)}, ${created}, ${created + 1_000_000}, ${data})`.execute(store.db);
    }
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it.each([
    ['id > 0', [1, 2, 3, 4, 5]],
    ['id>2', [3, 4, 5]],
    ['id = 2 or id = 4', [2, 4]],
    ["id = '3'", [3]],
    [`uuid = '${uuidOf(2)}'`, [2]],
    ["email = 'alice@example.com'", [1]],
    ["email = 'ALICE@EXAMPLE.COM'", [1]],
    ["email = 'x' or email='bob@example.com'", [2]],
    ["email != 'alice@example.com'", [2, 3, 5]],
    ["not email = 'alice@example.com'", [2, 3, 4, 5]],
    ['email is null', [4]],
    ['email is not null', [1, 2, 3, 5]],
    ['email = null', [4]],
    ["email = 'ÉLODIE@EXAMPLE.FR'", [5]],
    ["code = 'abc'", [2]],
    ["code = 'AbC'", [1]],
    ['age = 30', [1, 5]],
    ["age = '30'", [1, 5]],
    ['age > 30', [2, 4]],
    ['30 < age', [2, 4]],
    ['age >= 30 and age < 60', [1, 2, 5]],
    ['age > -1 and age <= 25', [3]],
    ['score > 9', [1, 4]],
    ['score = 7', [2]],
    ["score = '12.25'", [4]],
    ['score is null', [3, 5]],
    ['optIn = true', [1]],
    ["optIn = 'FALSE'", [2]],
    ['optIn != true', [2]],
    ['not optIn = true', [2, 3, 4, 5]],
    ['optIn is null', [3, 4, 5]],
    ["birthday < '1990-01-01'", [2]],
    ["birthday = '1990-05-01'", [1]],
    ["birthday >= '1985-12-31T00:00:00Z'", [1, 2]],
    ['birthday is null', [3, 4, 5]],
    ['emailVerified is null', [2, 3, 5]],
    ['emailVerified is not null', [1, 4]],
    ["emailVerified > '2016-04-20T17:02:18.649504Z'", [1, 4]],
    ["emailVerified > '2016-04-20 17:02:18.649505 +0000'", [4]],
    ["emailVerified = '2016-04-20T19:02:18.649505+02:00'", [1]],
    ["emailVerified < '2020-01-01'", [1]],
    ["emailVerified >= '2020-01-01'", [4]],
    ["created < '2015-01-01'", [5]],
    ["created = '2016-04-20 17:02:18.649505 +0000'", [1]],
    ["created > '2016-04-20T17:02:18.649505Z' and created < '2019-03-03T03:03:03.000004Z'", [2, 3, 4]],
    ["lastUpdated > '2019-03-03 03:03:04'", [4]],
    ["primaryAddress.city = 'PARIS'", [1, 2]],
    ['primaryAddress.city is null', [3, 4, 5]],
    ['primaryAddress is null', [3, 5]],
    ['primaryAddress is not null', [1, 2, 4]],
    ['settings is not null', [1]],
    ['password is null', [2, 3, 4, 5]],
    ["profiles.domain = 'google.com'", [1, 2]],
    ["profiles.domain != 'google.com'", [1, 5]],
    ["not profiles.domain = 'google.com'", [3, 4, 5]],
    ["profiles.domain = 'facebook.com' and profiles.domain = 'google.com'", [1]],
    ["profiles.identifier = 'g-1'", []],
    ["profiles.identifier = 'G-1'", [1]],
    ['profiles.id = 13', [2]],
    ['profiles.id > 12', [2, 5]],
    ['profiles.verified = false', [1]],
    ['profiles.domain is null', []],
    ['profiles.verified is null', [2, 5]],
    ['profiles is null', [3, 4]],
    ['profiles is not null', [1, 2, 5]],
    ["displayName = 'bob o''brien'", [2]],
    ["displayName = 'Bob O\\'Brien'", [2]],
    ['displayName = "BOB O\'BRIEN"', [2]],
    ["displayName = 'carol \\\\ back'", [3]],
    ['age = 30 or age = 45 and optIn = true', [1, 5]],
    ['(age = 30 or age = 45) and optIn = false', [2]],
    ['not (age > 40 or email is null)', [1, 3, 5]],
    ['not not age = 30', [1, 5]],
    ["! (email = 'alice@example.com' or optIn = false) and age < 50", [3, 5]],
  ])('%s', async (filter, expected) => {
    expect(await sorted(filter)).toEqual(expected);
  });

  it.each([
    "email = 'x'' or 1=1 --'",
    "email = 'alice@example.com'' or ''1''=''1'",
    "email = 'x\\' or 1=1 --'",
    "email = 'a\"); drop table entities; --'",
    "displayName = ''' or 1=1) or (''1''=''1'",
    "profiles.domain = 'x'') or 1=1 --'",
    'age = \'1 or 1=1\'',
  ])('matches nothing for the injection attempt %s', async (filter) => {
    try {
      expect(await find(filter)).toEqual([]);
    } catch (error) {
      expect(error).toBeInstanceOf(RegistrationError);
      expect((error as RegistrationError).code).toBe(200);
    }
    expect(await find('id > 0')).toHaveLength(5);
  });

  it.each([
    ["\"email\" = 'x'", 200],
    ["email' = 'x", 200],
    ["email\" = 'x", 200],
    ["data = 'x'", 223],
    ["e.value = 'x'", 223],
    ["type_id = 2", 223],
    ["nope = 'x'", 223],
    ["EMAIL = 'x'", 223],
  ])('refuses the attribute name in %s cleanly (%d)', async (filter, code) => {
    const error = await find(filter).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RegistrationError);
    expect((error as RegistrationError).code).toBe(code);
    expect((error as RegistrationError).options.argumentName).toBe('filter');
  });

  it('binds every value and inlines only schema paths', () => {
    const compiled = sql`select 1 where ${filterSql("email = 'alice@example.com' and profiles.domain = 'QQQ' and age > 41 and created > '2016-01-01'", { dialect, resolve })}`.compile(
      store.db,
    );
    expect(compiled.sql).not.toMatch(/alice|QQQ|41|2016/);
    expect(compiled.parameters).toEqual(['alice@example.com', 'QQQ', 41, micros('2016-01-01')]);
  });

  it('sorts with nulls smallest, ties broken by id, the same on both databases', async () => {
    expect(await find('id > 0', ['-age'])).toEqual([4, 2, 1, 5, 3]);
    expect(await find('id > 0', ['age', '-id'])).toEqual([3, 5, 1, 2, 4]);
    expect(await find('id > 0', ['score'])).toEqual([3, 5, 2, 1, 4]);
    expect(await find('id > 0', ['-score'])).toEqual([4, 1, 2, 3, 5]);
    expect(await find('id > 0', ['-lastUpdated'])).toEqual([4, 3, 2, 1, 5]);
    expect(await find('id > 0', ['optIn', 'id'])).toEqual([3, 4, 5, 2, 1]);
    expect(await find('id > 2', ['id'])).toEqual([3, 4, 5]);
    expect(await find("primaryAddress.city = 'paris'", ['-primaryAddress.city'])).toEqual([1, 2]);
    expect(await find('id > 0', ['+age', ' -id '])).toEqual([3, 5, 1, 2, 4]);
  });

  it('refuses sort_on entries it cannot order by, naming sort_on', () => {
    for (const sortOn of [['profiles.domain'], ['profiles'], ['primaryAddress'], ['password'], ['nope'], ["email'"], [1], [''], ['-'], { email: 'asc' }, null, Array(17).fill('id')]) {
      let error: unknown;
      try {
        compileSort(parseSortOn(sortOn), { dialect, resolve });
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(sortOn)).toBeInstanceOf(RegistrationError);
      expect((error as RegistrationError).code).toBe(200);
      expect((error as RegistrationError).options.argumentName).toBe('sort_on');
    }
  });

  it('uses an expression index declared with attributeIndexColumnSql for equality on a case-insensitive string', async () => {
    const column = attributeIndexColumnSql(dialect, attr('email'));
    await sql`create index entities_email_t1 on entities (${column}) where type_id = ${sql.lit(TYPE)}`.execute(store.db);
    const filler = Array.from({ length: 300 }, (_, i) => i + 100);
    for (const id of filler) {
      const data = JSON.stringify({ email: `user${id}@example.net`, age: id });
      await sql`insert into entities (id, type_id, uuid, created, last_updated, data) values (${id}, ${id % 2 ? TYPE : OTHER_TYPE}, ${uuidOf(id)}, 0, 0, ${kind === 'sqlite' ? sql`${data}` : sql`cast(${data} as jsonb)`})`.execute(store.db);
    }
    await sql.raw(kind === 'sqlite' ? 'analyze' : 'analyze entities').execute(store.db);
    const where = filterSql("email = 'USER101@example.net'", { dialect, resolve });
    const query = sql`select "id" from "entities" where "type_id" = ${sql.lit(TYPE)} and ${where}`;
    expect((await query.execute(store.db)).rows.map((r) => Number((r as { id: number }).id))).toEqual([101]);
    const plan = await explain(store.db, dialect, query);
    expect(plan).toMatch(kind === 'sqlite' ? /SEARCH entities USING INDEX entities_email_t1 \(<expr>=\?\)/ : /(Index|Bitmap Index) Scan (using|on) entities_email_t1/);
    // And the sort on the same attribute can walk that index (no separate sort step on SQLite).
    if (kind === 'sqlite') {
      const order = sql.join(compileSort(parseSortOn(['email']), { dialect, resolve }).slice(0, 1));
      const sortPlan = await explain(store.db, dialect, sql`select "id" from "entities" where "type_id" = ${sql.lit(TYPE)} order by ${order}`);
      expect(sortPlan).toMatch(/entities_email_t1/);
      expect(sortPlan).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('has no single-row expression for plural members, and refuses unsafe paths', () => {
    expect(() => attributeSql(dialect, attr('profiles.domain'))).toThrow(/plural/);
    const unsafe: AttributeInfo = { name: 'x', path: ["a'b"], type: 'string', caseSensitive: false };
    expect(() => attributeSql(dialect, unsafe)).toThrow(/unsafe/);
    expect(() => filterSql("x = 'y'", { dialect, resolve: () => unsafe })).toThrow(/unsafe/);
  });
});

async function explain(db: Store['db'], dialect: Dialect, query: RawBuilder<unknown>): Promise<string> {
  const result = await sql`explain ${sql.raw(dialect === 'sqlite' ? 'query plan ' : '')}${query}`.execute(db);
  return result.rows.map((row) => Object.values(row as Record<string, unknown>).join(' ')).join('\n');
}

describe('filter compiler without a database', () => {
  const compile = (filter: string, dialect: Dialect = 'sqlite') =>
    sql`select 1 where ${filterSql(filter, { dialect, resolve })}`.compile(
      new Kysely<unknown>({ dialect: dialect === 'sqlite' ? new SqliteDialect({ database: {} as never }) : new PostgresDialect({ pool: {} as never }) }),
    );
  const failure = (filter: string): RegistrationError => {
    try {
      compile(filter);
    } catch (error) {
      expect(error).toBeInstanceOf(RegistrationError);
      return error as RegistrationError;
    }
    throw new Error(`expected ${filter} to be refused`);
  };

  it.each([
    ["age = 'abc'", /value 'abc' at position 7 is not a number for attribute 'age'/],
    ['age = true', /is not a number for attribute 'age'/],
    ["id > 'x'", /not a number for attribute 'id'/],
    ['id > 1.5', /not a record id for attribute 'id'/],
    ['id > 99999999999999999999', /not a record id/],
    ["profiles.id = 'x'", /not a number for attribute 'profiles.id'/],
    ["optIn = 'yes'", /not true or false for attribute 'optIn'/],
    ['optIn = 1', /not true or false/],
    ['optIn > true', /boolean attribute 'optIn' at position 1 can only be compared with = or !=/],
    ["birthday = '2001-02-30'", /not a date \(YYYY-MM-DD\) for attribute 'birthday'/],
    ['birthday = 20010101', /not a date/],
    ["emailVerified > 'yesterday'", /not a date and time for attribute 'emailVerified'/],
    ["created > '2001-13-01'", /not a date or time for attribute 'created'/],
    ['created > 5', /not a date or time/],
    ["created > '9999-01-01'", /between the years/],
    ["primaryAddress = 'x'", /attribute 'primaryAddress' \(object\) at position 1 cannot be compared with a value/],
    ["profiles = 'x'", /\(plural\)/],
    ["settings = '{}'", /\(json\)/],
    ["password = 'secret'", /\(password\)/],
  ])('%s is 200', (filter, message) => {
    const error = failure(filter);
    expect(error.code).toBe(200);
    expect(error.options.argumentName).toBe('filter');
    expect(error.description).toMatch(message);
  });

  it('filterValues lists the values compileFilter binds, in its order, and refuses what it refuses', () => {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const filter = "not (email = 'A@x' or age > 3) and profiles.domain = 'x' and birthday is null and optIn != false and created > '2016-01-01' and emailVerified < '2020-01-02 03:04:05.5 +0100'";
      expect(filterValues(parseFilter(filter), { dialect, resolve })).toEqual(compile(filter, dialect).parameters);
    }
    for (const [filter] of [["age = 'abc'"], ["email = 'a' and primaryAddress.planet = 'Mars'"], ['optIn > true'], ["settings = '{}'"]]) {
      const refused = failure(filter);
      expect(() => filterValues(parseFilter(filter), { dialect: 'sqlite', resolve })).toThrow(refused.description);
    }
  });

  it('binds stand-ins where asked, so a query built once for a filter shape runs with other values', () => {
    const stand = { standIn: true };
    const where = filterSql("email = 'a' and age > 3", { dialect: 'sqlite', resolve, bind: () => stand });
    const compiled = sql`select 1 where ${where}`.compile(new Kysely<unknown>({ dialect: new SqliteDialect({ database: {} as never }) }));
    expect(compiled.parameters).toEqual([stand, stand]);
    expect(compiled.sql).toBe(compile("email = 'b' and age > 70").sql);
  });

  it('gives conditions the same shape exactly when they compile to the same SQL', () => {
    const shape = (filter: string) => filterShape(parseFilter(filter));
    expect(shape("email = 'a'")).toBe(shape('email = "B" '));
    expect(shape('id > 5 and age < 2')).toBe(shape('id>6 and 1 > age'));
    for (const [a, b] of [
      ["email = 'a'", "email != 'a'"],
      ["email = 'a'", "code = 'a'"],
      ['a is null', 'a is not null'],
      ["not (email = 'a')", "email = 'a'"],
      ["email = 'a' and code = 'b'", "email = 'a' or code = 'b'"],
      ["(email = 'a' and code = 'b') or age > 1", "email = 'a' and (code = 'b' or age > 1)"],
    ]) {
      expect(shape(a)).not.toBe(shape(b));
    }
  });

  it('answers 223 unknown_attribute for a path the entity type lacks, naming it', () => {
    const error = failure("primaryAddress.planet = 'Mars'");
    expect(error.code).toBe(223);
    expect(error.error).toBe('unknown_attribute');
    expect(error.options.argumentName).toBe('filter');
    expect(error.description).toBe("unknown attribute 'primaryAddress.planet' at position 1");
  });

  it('reads sort_on lists, and comma-separated text like other list parameters', () => {
    expect(parseSortOn(['-lastUpdated', 'email', '+age'])).toEqual([
      { attribute: 'lastUpdated', descending: true },
      { attribute: 'email', descending: false },
      { attribute: 'age', descending: false },
    ]);
    expect(parseSortOn('-age, id')).toEqual([
      { attribute: 'age', descending: true },
      { attribute: 'id', descending: false },
    ]);
    const terms = (sortOn: unknown, dialect: Dialect) =>
      sql`${sql.join(compileSort(parseSortOn(sortOn), { dialect, resolve }))}`.compile(
        new Kysely<unknown>({ dialect: dialect === 'sqlite' ? new SqliteDialect({ database: {} as never }) : new PostgresDialect({ pool: {} as never }) }),
      ).sql;
    expect(terms(['-email'], 'sqlite')).toBe(`lower(json_extract("data", '$.email')) desc, "id" asc`);
    expect(terms(['-email'], 'postgres')).toBe(`lower(("data" #>> '{email}')) desc nulls last, "id" asc`);
    expect(terms(['age'], 'postgres')).toBe(`("data" #>> '{age}')::numeric asc nulls first, "id" asc`);
    expect(terms(['-id', 'email'], 'postgres')).toBe(`"id" desc`);
    expect(terms([], 'sqlite')).toBe(`"id" asc`);
  });

  it('matches the contract expressions on both dialects', () => {
    expect(compile("email = 'a'").sql).toBe(`select 1 where lower(json_extract("data", '$.email')) = lower(cast(? as text))`);
    expect(compile("email = 'a'", 'postgres').sql).toBe(`select 1 where lower(("data" #>> '{email}')) = lower(cast($1 as text))`);
    expect(compile('age > 1', 'postgres').sql).toBe(`select 1 where ("data" #>> '{age}')::numeric > $1`);
    expect(compile('optIn = true', 'postgres').sql).toBe(`select 1 where ("data" #>> '{optIn}')::boolean = $1`);
    expect(compile('optIn = true').parameters).toEqual([1]);
    expect(compile("code = 'X'").sql).toBe(`select 1 where json_extract("data", '$.code') = ?`);
    expect(compile("primaryAddress.city != 'X'", 'postgres').sql).toBe(`select 1 where lower(("data" #>> '{primaryAddress,city}')) <> lower(cast($1 as text))`);
    expect(compile('id > 5').sql).toBe(`select 1 where "id" > ?`);
    expect(compile("profiles.domain = 'x'").sql).toBe(
      `select 1 where exists (select 1 from json_each("data", '$.profiles') as e where e.type = 'object' and lower(json_extract(e.value, '$.domain')) = lower(cast(? as text)))`,
    );
  });
});
