import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/fixtures.js';
import { call, describeEachDatabase, type TestServer } from '../../../test/server.js';
import { findAppByAppId } from '../../partner/apps.js';
import { getEntityType } from './entity-types.js';
import { existingIndexes } from './indexes.js';

describeEachDatabase('entityType calls', (server) => {
  let app: TestApp;
  let appRowId: number;
  const owner = () => ({ client_id: app.ownerClientId, client_secret: app.ownerClientSecret });
  const reg = (path: string, params: Record<string, string> = {}) => call(server().url, path, { ...owner(), ...params });
  const store = () => server().running.runtime.store;

  beforeAll(async () => {
    app = await createTestApp(server());
    appRowId = (await findAppByAppId(store().db, app.appId))!.id;
  });

  /** A record written straight into entities (the records module's own calls are tested there). */
  async function insertRecord(typeName: string, data: unknown): Promise<number> {
    const type = await getEntityType(store().db, appRowId, typeName);
    const text = JSON.stringify(data);
    const value = store().dialect === 'postgres' ? sql`cast(${text} as jsonb)` : sql`${text}`;
    const now = Date.now() * 1000;
    const result = await sql<{ id: number }>`insert into entities (type_id, uuid, created, last_updated, data) values (${type.id}, ${randomUUID()}, ${now}, ${now}, ${value}) returning id`.execute(store().db);
    return Number(result.rows[0].id);
  }

  async function recordData(id: number): Promise<Record<string, unknown>> {
    const row = (await sql<{ data: unknown }>`select data from entities where id = ${id}`.execute(store().db)).rows[0];
    return (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>;
  }

  async function indexesOf(typeName: string): Promise<string[]> {
    const type = await getEntityType(store().db, appRowId, typeName);
    return store().write((tx) => existingIndexes(tx, store().dialect, type.id));
  }

  async function indexDefinition(name: string): Promise<string> {
    const row =
      store().dialect === 'postgres'
        ? (await sql<{ def: string }>`select indexdef as def from pg_indexes where indexname = ${name}`.execute(store().db)).rows[0]
        : (await sql<{ def: string }>`select sql as def from sqlite_master where name = ${name}`.execute(store().db)).rows[0];
    return row.def;
  }

  const create = (name: string, attrDefs: unknown[]) => reg('/entityType.create', { type_name: name, attr_defs: JSON.stringify(attrDefs) });

  describe('owner client authentication', () => {
    it('asks for credentials (100), refuses a wrong secret (402) and a client without the owner feature (403)', async () => {
      const none = await call(server().url, '/entityType.list');
      expect(none.json).toMatchObject({ stat: 'error', code: 100, error: 'missing_argument' });
      const wrong = await call(server().url, '/entityType.list', { client_id: app.ownerClientId, client_secret: 'x'.repeat(32) });
      expect(wrong.status).toBe(200);
      expect(wrong.json).toMatchObject({ stat: 'error', code: 402, error: 'invalid_client_credentials' });
      const login = await call(server().url, '/entityType', { client_id: app.loginClientId, client_secret: app.loginClientSecret, type_name: 'user' });
      expect(login.json).toMatchObject({ stat: 'error', code: 403, error: 'client_permission_error' });
      expect(login.json.request_id).toMatch(/^[a-z0-9]{16}$/);
    });

    it('accepts HTTP Basic', async () => {
      const basic = Buffer.from(`${app.ownerClientId}:${app.ownerClientSecret}`).toString('base64');
      const r = await call(server().url, '/entityType.list', {}, { headers: { authorization: `Basic ${basic}` } });
      expect(r.json).toMatchObject({ stat: 'ok' });
    });

    it("never shows another application's entity types", async () => {
      const other = await createTestApp(server());
      await call(server().url, '/entityType.create', { client_id: other.ownerClientId, client_secret: other.ownerClientSecret, type_name: 'private_type', attr_defs: '[{"name":"a","type":"string"}]' });
      const mine = await reg('/entityType', { type_name: 'private_type' });
      expect(mine.json).toMatchObject({ stat: 'error', code: 222, error: 'unknown_entity_type', argument_name: 'type_name' });
    });
  });

  describe('the standard user type', () => {
    it('is provisioned with every new application, reserved attributes first', async () => {
      const list = await reg('/entityType.list');
      expect(list.json).toEqual({ stat: 'ok', results: ['user'] });
      const r = await reg('/entityType', { type_name: 'user' });
      expect(r.json.stat).toBe('ok');
      expect(r.json.schema.name).toBe('user');
      const defs = r.json.schema.attr_defs as Array<Record<string, any>>;
      expect(defs.slice(0, 4).map((d) => d.name)).toEqual(['id', 'uuid', 'created', 'lastUpdated']);
      expect(defs.slice(0, 4).map((d) => d.type)).toEqual(['id', 'uuid', 'dateTime', 'dateTime']);
      const byName = Object.fromEntries(defs.map((d) => [d.name, d]));
      expect(byName.email).toMatchObject({ type: 'string', constraints: ['unique', 'email-address'], features: ['query'], 'case-sensitive': false });
      for (const name of ['emailVerified', 'password', 'displayName', 'givenName', 'middleName', 'familyName', 'birthday', 'gender', 'mobileNumber', 'lastLogin', 'deactivateAccount', 'legalAcceptances', 'roles', 'consents', 'clients', 'photos'])
        expect(byName[name], name).toBeDefined();
      expect(byName.primaryAddress.attr_defs.map((d: any) => d.name)).toEqual(expect.arrayContaining(['address1', 'address2', 'city', 'zip', 'stateAbbreviation', 'country', 'phone', 'mobile', 'company']));
      const profiles = byName.profiles;
      expect(profiles.type).toBe('plural');
      expect(profiles.attr_defs[0]).toMatchObject({ name: 'id', type: 'id' });
      expect(profiles.attr_defs.find((d: any) => d.name === 'identifier')).toMatchObject({ constraints: ['unique'] });
      for (const name of ['domain', 'providerSpecifier', 'profile', 'accessCredentials', 'remote_key']) expect(profiles.attr_defs.some((d: any) => d.name === name), name).toBe(true);
    });

    it('hides reserved attributes with remove_reserved=true', async () => {
      const r = await reg('/entityType', { type_name: 'user', remove_reserved: 'true' });
      const defs = r.json.schema.attr_defs as Array<Record<string, any>>;
      expect(defs.some((d) => ['id', 'uuid', 'created', 'lastUpdated'].includes(d.name))).toBe(false);
      expect(defs.find((d) => d.name === 'profiles')?.attr_defs.some((d: any) => d.name === 'id')).toBe(false);
    });

    it('has a unique, case-insensitive index on email', async () => {
      const names = await indexesOf('user');
      const email = names.filter((n) => n.includes('_u_email_'));
      expect(email).toHaveLength(1);
      const def = await indexDefinition(email[0]);
      expect(def.toLowerCase()).toContain('unique');
      expect(def.toLowerCase()).toContain('lower(');
      expect(def).toMatch(/type_id"?\)? = \(?\d+/);
    });
  });

  describe('entityType.create and entityType', () => {
    it('creates a type and answers its schema with defaults filled in', async () => {
      const r = await create('member', [
        { name: 'nick', type: 'string', length: 50, constraints: ['unique'] },
        { name: 'score', type: 'integer', features: ['query'] },
        { name: 'address', type: 'object', attr_defs: [{ name: 'city', type: 'string', features: ['query'] }] },
        { name: 'tags', type: 'plural', attr_defs: [{ name: 'label', type: 'string', constraints: ['locally-unique'] }] },
      ]);
      expect(r.json.stat).toBe('ok');
      expect(r.json.schema.name).toBe('member');
      const defs = r.json.schema.attr_defs;
      expect(defs.slice(4)).toEqual([
        { name: 'nick', type: 'string', length: 50, 'case-sensitive': false, constraints: ['unique'] },
        { name: 'score', type: 'integer', features: ['query'] },
        { name: 'address', type: 'object', attr_defs: [{ name: 'city', type: 'string', length: null, 'case-sensitive': false, features: ['query'] }] },
        {
          name: 'tags',
          type: 'plural',
          attr_defs: [
            { name: 'id', type: 'id', description: 'simple identifier for this element' },
            { name: 'label', type: 'string', length: null, 'case-sensitive': false, constraints: ['locally-unique'] },
          ],
        },
      ]);
      const again = await reg('/entityType', { type_name: 'member' });
      expect(again.json.schema).toEqual(r.json.schema);
      expect((await reg('/entityType.list')).json.results).toEqual(expect.arrayContaining(['member', 'user']));
    });

    it('creates the indexes the schema asks for, visible in the catalog', async () => {
      const names = await indexesOf('member');
      expect(names.some((n) => n.includes('_u_nick_'))).toBe(true);
      expect(names.some((n) => n.includes('_q_score_'))).toBe(true);
      expect(names.some((n) => n.includes('_q_address_city_'))).toBe(true);
      expect(names).toHaveLength(3);
      const score = await indexDefinition(names.find((n) => n.includes('_q_score_'))!);
      expect(score.toLowerCase()).not.toContain('unique');
    });

    it('takes a schema exported by entityType back as it is (reserved attributes included)', async () => {
      const exported = (await reg('/entityType', { type_name: 'member' })).json.schema.attr_defs;
      const r = await create('member_copy', exported);
      expect(r.json.stat).toBe('ok');
      expect(r.json.schema.attr_defs).toEqual(exported);
    });

    it('answers 232 for a name in use, 234 for reserved names, 200 for bad definitions, 222 for unknown types', async () => {
      expect((await create('member', [{ name: 'x', type: 'string' }])).json).toMatchObject({ code: 232, error: 'entity_type_exists' });
      expect((await create('t_reserved', [{ name: 'uuid', type: 'string' }])).json).toMatchObject({ code: 234, error: 'reserved_attribute', argument_name: 'attr_defs' });
      expect((await create('t_reserved2', [{ name: 'p', type: 'plural', attr_defs: [{ name: 'id', type: 'integer' }] }])).json).toMatchObject({ code: 234 });
      expect((await create('t_bad', [{ name: 'x', type: 'colour' }])).json).toMatchObject({ code: 200, argument_name: 'attr_defs' });
      expect((await create('t_bad', [{ name: 'x', type: 'integer', length: 4 }])).json).toMatchObject({ code: 200 });
      expect((await create('t_bad', [{ name: 'x', type: 'string' }, { name: 'x', type: 'string' }])).json).toMatchObject({ code: 200 });
      expect((await create('t_bad', [{ name: 'o', type: 'object' }])).json).toMatchObject({ code: 200 });
      expect((await create('t_bad', [{ name: 'x', type: 'json', constraints: ['unique'] }])).json).toMatchObject({ code: 200 });
      expect((await reg('/entityType.create', { type_name: 't_bad', attr_defs: '{oops' })).json).toMatchObject({ code: 200, argument_name: 'attr_defs' });
      expect((await reg('/entityType.create', { type_name: 'bad name', attr_defs: '[]' })).json).toMatchObject({ code: 200, argument_name: 'type_name' });
      expect((await reg('/entityType.create', { attr_defs: '[]' })).json).toMatchObject({ code: 100, argument_name: 'type_name' });
      expect((await reg('/entityType', { type_name: 'nope' })).json).toMatchObject({ code: 222, error: 'unknown_entity_type' });
      expect((await reg('/entityType.list')).json.results).not.toContain('t_bad');
    });
  });

  describe('attributes', () => {
    beforeAll(async () => {
      await create('shop', [
        { name: 'name', type: 'string' },
        { name: 'city', type: 'string' },
        { name: 'address', type: 'object', attr_defs: [{ name: 'street', type: 'string' }, { name: 'zip', type: 'string' }] },
        { name: 'items', type: 'plural', attr_defs: [{ name: 'sku', type: 'string' }, { name: 'note', type: 'string' }] },
      ]);
    });

    it('adds an attribute (233 when it exists, 234 when reserved), also inside an object by path', async () => {
      const r = await reg('/entityType.addAttribute', { type_name: 'shop', attr_def: JSON.stringify({ name: 'rating', type: 'decimal' }) });
      expect(r.json.stat).toBe('ok');
      expect(r.json.schema.attr_defs.find((d: any) => d.name === 'rating')).toEqual({ name: 'rating', type: 'decimal' });
      const nested = await reg('/entityType.addAttribute', { type_name: 'shop', attr_def: JSON.stringify({ name: 'address.country', type: 'string' }) });
      expect(nested.json.schema.attr_defs.find((d: any) => d.name === 'address').attr_defs.map((d: any) => d.name)).toEqual(['street', 'zip', 'country']);
      expect((await reg('/entityType.addAttribute', { type_name: 'shop', attr_def: JSON.stringify({ name: 'rating', type: 'string' }) })).json).toMatchObject({ code: 233, error: 'attribute_exists' });
      expect((await reg('/entityType.addAttribute', { type_name: 'shop', attr_def: JSON.stringify({ name: 'created', type: 'string' }) })).json).toMatchObject({ code: 234, error: 'reserved_attribute' });
      expect((await reg('/entityType.addAttribute', { type_name: 'shop', attr_def: JSON.stringify({ name: 'items.id', type: 'string' }) })).json).toMatchObject({ code: 234 });
      expect((await reg('/entityType.addAttribute', { type_name: 'shop', attr_def: JSON.stringify({ name: 'nowhere.x', type: 'string' }) })).json).toMatchObject({ code: 223 });
      expect((await reg('/entityType.addAttribute', { type_name: 'shop', attr_def: '{"name":"x"}' })).json).toMatchObject({ code: 200, argument_name: 'attr_def' });
    });

    it("removes an attribute and its data from every record, in objects and in plural elements", async () => {
      const a = await insertRecord('shop', { name: 'A', city: 'Oslo', address: { street: 'S1', zip: '0150' }, items: [{ id: 1, sku: 'x1', note: 'n1' }, { id: 2, sku: 'x2', note: 'n2' }] });
      const b = await insertRecord('shop', { name: 'B' });
      let r = await reg('/entityType.removeAttribute', { type_name: 'shop', attribute_name: 'city' });
      expect(r.json.stat).toBe('ok');
      expect(r.json.schema.attr_defs.some((d: any) => d.name === 'city')).toBe(false);
      r = await reg('/entityType.removeAttribute', { type_name: 'shop', attribute_name: '/address/zip' });
      expect(r.json.stat).toBe('ok');
      r = await reg('/entityType.removeAttribute', { type_name: 'shop', attribute_name: 'items.note' });
      expect(r.json.stat).toBe('ok');
      expect(await recordData(a)).toEqual({ name: 'A', address: { street: 'S1' }, items: [{ id: 1, sku: 'x1' }, { id: 2, sku: 'x2' }] });
      expect(await recordData(b)).toEqual({ name: 'B' });
      r = await reg('/entityType.removeAttribute', { type_name: 'shop', attribute_name: 'items' });
      expect(await recordData(a)).toEqual({ name: 'A', address: { street: 'S1' } });
    });

    it('refuses to remove what does not exist (223) or is reserved (234)', async () => {
      expect((await reg('/entityType.removeAttribute', { type_name: 'shop', attribute_name: 'nothing' })).json).toMatchObject({ code: 223, error: 'unknown_attribute', argument_name: 'attribute_name' });
      expect((await reg('/entityType.removeAttribute', { type_name: 'shop', attribute_name: 'uuid' })).json).toMatchObject({ code: 234 });
      expect((await reg('/entityType.removeAttribute', { type_name: 'shop', attribute_name: 'a..b' })).json).toMatchObject({ code: 200 });
      expect((await reg('/entityType.removeAttribute', { type_name: 'ghost', attribute_name: 'name' })).json).toMatchObject({ code: 222 });
    });

    it('sets a description, given as JSON text or plain text', async () => {
      let r = await reg('/entityType.setAttributeDescription', { type_name: 'shop', attribute_name: 'name', description: '"The shop\'s name"' });
      expect(r.json.schema.attr_defs.find((d: any) => d.name === 'name').description).toBe("The shop's name");
      r = await reg('/entityType.setAttributeDescription', { type_name: 'shop', attribute_name: 'address.street', description: 'Street and number' });
      expect(r.json.schema.attr_defs.find((d: any) => d.name === 'address').attr_defs[0].description).toBe('Street and number');
    });
  });

  describe('constraints and their indexes', () => {
    beforeAll(async () => {
      await create('club', [
        { name: 'code', type: 'string' },
        { name: 'label', type: 'string', 'case-sensitive': true },
        { name: 'members', type: 'plural', attr_defs: [{ name: 'handle', type: 'string' }] },
      ]);
    });

    it('replaces the list, creating and dropping the unique index', async () => {
      await insertRecord('club', { code: 'ABC', label: 'x' });
      await insertRecord('club', { code: 'def', label: 'X' });
      let r = await reg('/entityType.setAttributeConstraints', { type_name: 'club', attribute_name: 'code', constraints: '["unique","alphabetic"]' });
      expect(r.json.stat).toBe('ok');
      expect(r.json.schema.attr_defs.find((d: any) => d.name === 'code').constraints).toEqual(['unique', 'alphabetic']);
      expect((await indexesOf('club')).filter((n) => n.includes('_u_code_'))).toHaveLength(1);
      // A case-sensitive attribute is indexed on its raw value: x and X differ.
      r = await reg('/entityType.setAttributeConstraints', { type_name: 'club', attribute_name: 'label', constraints: '["unique"]' });
      expect(r.json.stat).toBe('ok');
      const label = await indexDefinition((await indexesOf('club')).find((n) => n.includes('_u_label_'))!);
      expect(label.toLowerCase()).not.toContain('lower(');
      r = await reg('/entityType.setAttributeConstraints', { type_name: 'club', attribute_name: 'code', constraints: '[]' });
      expect(r.json.schema.attr_defs.find((d: any) => d.name === 'code').constraints).toEqual([]);
      expect((await indexesOf('club')).filter((n) => n.includes('_u_code_'))).toHaveLength(0);
    });

    it('answers 361 and changes nothing when records already share a value (case-insensitively)', async () => {
      await insertRecord('club', { code: 'same' });
      await insertRecord('club', { code: 'SAME' });
      const before = (await reg('/entityType', { type_name: 'club' })).json.schema;
      const r = await reg('/entityType.setAttributeConstraints', { type_name: 'club', attribute_name: 'code', constraints: '["unique"]' });
      expect(r.json).toMatchObject({ stat: 'error', code: 361, error: 'unique_violation' });
      expect((await reg('/entityType', { type_name: 'club' })).json.schema).toEqual(before);
      expect((await indexesOf('club')).filter((n) => n.includes('_u_code_'))).toHaveLength(0);
    });

    it('makes plural members unique across records through claimed values (361 on shared ones)', async () => {
      await insertRecord('club', { members: [{ id: 11, handle: 'Ann' }] });
      await insertRecord('club', { members: [{ id: 12, handle: 'bob' }, { id: 13, handle: 'cy' }] });
      let r = await reg('/entityType.setAttributeConstraints', { type_name: 'club', attribute_name: 'members.handle', constraints: '["unique"]' });
      expect(r.json.stat).toBe('ok');
      const type = await getEntityType(store().db, appRowId, 'club');
      const claimed = await sql<{ value: string }>`select value from entity_unique_values where type_id = ${type.id} order by value`.execute(store().db);
      expect(claimed.rows.map((x) => x.value)).toEqual(['ann', 'bob', 'cy']);
      r = await reg('/entityType.setAttributeConstraints', { type_name: 'club', attribute_name: 'members.handle', constraints: '[]' });
      expect((await sql`select 1 from entity_unique_values where type_id = ${type.id}`.execute(store().db)).rows).toHaveLength(0);
      await insertRecord('club', { members: [{ id: 14, handle: 'ANN' }] });
      r = await reg('/entityType.setAttributeConstraints', { type_name: 'club', attribute_name: 'members.handle', constraints: '["unique"]' });
      expect(r.json).toMatchObject({ code: 361, error: 'unique_violation' });
      expect((await sql`select 1 from entity_unique_values where type_id = ${type.id}`.execute(store().db)).rows).toHaveLength(0);
    });

    it('refuses constraints that do not fit the attribute (200) or do not exist', async () => {
      expect((await reg('/entityType.setAttributeConstraints', { type_name: 'club', attribute_name: 'members', constraints: '["unique"]' })).json).toMatchObject({ code: 200 });
      expect((await reg('/entityType.setAttributeConstraints', { type_name: 'club', attribute_name: 'code', constraints: '["locally-unique"]' })).json).toMatchObject({ code: 200 });
      expect((await reg('/entityType.setAttributeConstraints', { type_name: 'club', attribute_name: 'code', constraints: '["shiny"]' })).json).toMatchObject({ code: 200, argument_name: 'constraints' });
      expect((await reg('/entityType.setAttributeConstraints', { type_name: 'club', attribute_name: 'id', constraints: '["unique"]' })).json).toMatchObject({ code: 234 });
    });
  });

  describe('properties and rules', () => {
    beforeAll(async () => {
      await create('person', [
        { name: 'givenName', type: 'string' },
        { name: 'familyName', type: 'string' },
        { name: 'birthday', type: 'date' },
        { name: 'age', type: 'integer' },
      ]);
    });

    it('adds, lists and removes rules in Janrain\'s shapes', async () => {
      const added = await reg('/entityType.addRule', { type_name: 'person', attributes: '["givenName"]', description: 'English letters, at most 25', definition: '{"and": [{"match-all":"[a-zA-Z]*"}, {"max-length":25}]}' });
      expect(added.json.stat).toBe('ok');
      expect(added.json.result).toEqual({
        uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        property: 'rule',
        attributes: ['/givenName'],
        definition: { and: [{ 'match-all': '[a-zA-Z]*' }, { 'max-length': 25 }] },
        description: 'English letters, at most 25',
      });
      const bare = await reg('/entityType.addRule', { type_name: 'person', attributes: '["/birthday"]', definition: 'ignore-update' });
      expect(bare.json.result).toMatchObject({ definition: 'ignore-update', attributes: ['/birthday'] });
      const rules = await reg('/entityType.rules', { type_name: 'person' });
      expect(rules.json.results.map((r: any) => r.uuid)).toEqual([added.json.result.uuid, bare.json.result.uuid]);
      expect((await reg('/entityType.removeRule', { type_name: 'person', uuid: bare.json.result.uuid })).json).toEqual({ stat: 'ok' });
      expect((await reg('/entityType.rules', { type_name: 'person' })).json.results).toHaveLength(1);
      expect((await reg('/entityType.removeRule', { type_name: 'person', uuid: bare.json.result.uuid })).json).toMatchObject({ code: 200, argument_name: 'uuid' });
    });

    it('refuses rules that cannot work (200) and unknown attributes (223)', async () => {
      expect((await reg('/entityType.addRule', { type_name: 'person', attributes: '["age"]', definition: '{"truncate":3}' })).json).toMatchObject({ code: 200 });
      expect((await reg('/entityType.addRule', { type_name: 'person', attributes: '["givenName"]', definition: '{"sparkle":1}' })).json).toMatchObject({ code: 200 });
      expect((await reg('/entityType.addRule', { type_name: 'person', attributes: '["givenName"]', definition: '{"match":"(["}' })).json).toMatchObject({ code: 200 });
      expect((await reg('/entityType.addRule', { type_name: 'person', attributes: '["shoeSize"]', definition: '{"truncate":3}' })).json).toMatchObject({ code: 223 });
      expect((await reg('/entityType.addRule', { type_name: 'person', attributes: '["givenName"]' })).json).toMatchObject({ code: 100, argument_name: 'definition' });
    });

    it('adds a unique property over several attributes as one unique index (361 over shared pairs)', async () => {
      await insertRecord('person', { givenName: 'Ada', familyName: 'Lovelace' });
      await insertRecord('person', { givenName: 'Ada', familyName: 'Byron' });
      const added = await reg('/entityType.addProperty', { type_name: 'person', property: JSON.stringify({ type: 'unique', attributes: ['givenName', 'familyName'], description: 'full name must be unique' }) });
      expect(added.json.result).toMatchObject({ property: 'unique', attributes: ['/givenName', '/familyName'], description: 'full name must be unique' });
      expect(added.json.result.definition).toBeUndefined();
      expect((await indexesOf('person')).filter((n) => n.includes('_u_givenname__familyname_'))).toHaveLength(1);
      const props = await reg('/entityType.properties', { type_name: 'person' });
      expect(props.json.results.map((p: any) => p.property)).toEqual(['rule', 'unique']);
      await reg('/entityType.removeProperty', { type_name: 'person', uuid: added.json.result.uuid });
      expect((await indexesOf('person')).filter((n) => n.includes('_u_givenname__familyname_'))).toHaveLength(0);

      await insertRecord('person', { givenName: 'ada', familyName: 'BYRON' });
      const refused = await reg('/entityType.addProperty', { type_name: 'person', property: JSON.stringify({ type: 'unique', attributes: ['givenName', 'familyName'] }) });
      expect(refused.json).toMatchObject({ code: 361 });
      expect((await reg('/entityType.properties', { type_name: 'person' })).json.results.map((p: any) => p.property)).toEqual(['rule']);
    });

    it('takes a rule property through addProperty too', async () => {
      const r = await reg('/entityType.addProperty', { type_name: 'person', property: JSON.stringify({ type: 'rule', attributes: ['/familyName'], definition: { truncate: 100 } }) });
      expect(r.json.result).toMatchObject({ property: 'rule', definition: { truncate: 100 }, attributes: ['/familyName'] });
      expect((await reg('/entityType.addProperty', { type_name: 'person', property: '{"type":"rule","attributes":["familyName"]}' })).json).toMatchObject({ code: 100 });
      expect((await reg('/entityType.addProperty', { type_name: 'person', property: '{"type":"magic","attributes":["familyName"]}' })).json).toMatchObject({ code: 200, argument_name: 'property' });
    });
  });

  describe('through the records calls', () => {
    beforeAll(async () => {
      await create('fan', [
        { name: 'handle', type: 'string' },
        { name: 'bio', type: 'string' },
        { name: 'team', type: 'object', attr_defs: [{ name: 'name', type: 'string' }, { name: 'city', type: 'string' }] },
        { name: 'cards', type: 'plural', attr_defs: [{ name: 'kind', type: 'string' }, { name: 'secret', type: 'string' }] },
      ]);
    });

    it('applies rules on entity.create and entity.update (transforms, 360 for a refused value)', async () => {
      await reg('/entityType.addRule', { type_name: 'fan', attributes: '["bio"]', definition: '{"truncate":5}' });
      await reg('/entityType.addRule', { type_name: 'fan', attributes: '["handle"]', description: 'letters only', definition: '{"match-all":"[A-Za-z]+"}' });
      const created = await reg('/entity.create', { type_name: 'fan', attributes: JSON.stringify({ handle: 'ann', bio: 'a long biography' }) });
      expect(created.json.stat).toBe('ok');
      const read = await reg('/entity', { type_name: 'fan', id: String(created.json.id) });
      expect(read.json.result).toMatchObject({ handle: 'ann', bio: 'a lon' });
      const refused = await reg('/entity.create', { type_name: 'fan', attributes: JSON.stringify({ handle: 'ann 2' }) });
      expect(refused.json).toMatchObject({ stat: 'error', code: 360, error: 'constraint_violation' });
      const update = await reg('/entity.update', { type_name: 'fan', id: String(created.json.id), value: JSON.stringify({ handle: 'b-b' }) });
      expect(update.json).toMatchObject({ code: 360 });
    });

    it('removes the data of a removed attribute from records written with entity.create', async () => {
      const created = await reg('/entity.create', {
        type_name: 'fan',
        attributes: JSON.stringify({ handle: 'cy', team: { name: 'Reds', city: 'Leeds' }, cards: [{ kind: 'gold', secret: 's1' }, { kind: 'red', secret: 's2' }] }),
      });
      expect(created.json.stat).toBe('ok');
      await reg('/entityType.removeAttribute', { type_name: 'fan', attribute_name: 'team.city' });
      await reg('/entityType.removeAttribute', { type_name: 'fan', attribute_name: '/cards/secret' });
      const read = await reg('/entity', { type_name: 'fan', id: String(created.json.id) });
      expect(read.json.result.team).toEqual({ name: 'Reds' });
      expect(read.json.result.cards.map((c: any) => Object.keys(c).sort())).toEqual([
        ['id', 'kind'],
        ['id', 'kind'],
      ]);
      expect(JSON.stringify(await recordData(created.json.id))).not.toMatch(/Leeds|s1|s2/);
    });
  });

  describe('access schemas', () => {
    it('stores a read list per client and answers the schema it lets through', async () => {
      const none = await reg('/entityType.getAccessSchema', { type_name: 'user', for_client_id: app.loginClientId, access_type: 'read' });
      expect(none.json.schema.attr_defs.length).toBe((await reg('/entityType', { type_name: 'user' })).json.schema.attr_defs.length);
      const set = await reg('/entityType.setAccessSchema', { type_name: 'user', for_client_id: app.loginClientId, access_type: 'read', attributes: '["email","primaryAddress.city","/profiles/domain","uuid"]' });
      expect(set.json.stat).toBe('ok');
      const got = await reg('/entityType.getAccessSchema', { type_name: 'user', for_client_id: app.loginClientId, access_type: 'read' });
      const defs = got.json.schema.attr_defs;
      expect(defs.map((d: any) => d.name)).toEqual(['id', 'uuid', 'created', 'lastUpdated', 'email', 'primaryAddress', 'profiles']);
      expect(defs[5].attr_defs.map((d: any) => d.name)).toEqual(['city']);
      expect(defs[6].attr_defs.map((d: any) => d.name)).toEqual(['id', 'domain']);
      const write = await reg('/entityType.getAccessSchema', { type_name: 'user', for_client_id: app.loginClientId, access_type: 'write' });
      expect(write.json.schema.attr_defs.length).toBeGreaterThan(7);
    });

    it('validates the client (200), attribute paths (223) and the access type (200)', async () => {
      const other = await createTestApp(server());
      expect((await reg('/entityType.setAccessSchema', { type_name: 'user', for_client_id: other.loginClientId, access_type: 'read', attributes: '["email"]' })).json).toMatchObject({ code: 200, argument_name: 'for_client_id' });
      expect((await reg('/entityType.getAccessSchema', { type_name: 'user', for_client_id: 'nosuchclient', access_type: 'read' })).json).toMatchObject({ code: 200, argument_name: 'for_client_id' });
      expect((await reg('/entityType.setAccessSchema', { type_name: 'user', for_client_id: app.loginClientId, access_type: 'write', attributes: '["email","shoeSize"]' })).json).toMatchObject({ code: 223, argument_name: 'attributes' });
      expect((await reg('/entityType.setAccessSchema', { type_name: 'user', for_client_id: app.loginClientId, access_type: 'delete', attributes: '["email"]' })).json).toMatchObject({ code: 200, argument_name: 'access_type' });
    });
  });

  describe('versions/entityType', () => {
    it('answers the schema as it was at a timestamp, in any accepted format', async () => {
      await create('journal', [{ name: 'title', type: 'string' }]);
      await new Promise((r) => setTimeout(r, 20));
      const middle = new Date();
      await new Promise((r) => setTimeout(r, 20));
      await reg('/entityType.addAttribute', { type_name: 'journal', attr_def: '{"name":"body","type":"string"}' });
      const iso = await reg('/versions/entityType', { type_name: 'journal', timestamp: middle.toISOString() });
      expect(iso.json.stat).toBe('ok');
      expect(iso.json.schema.attr_defs.map((d: any) => d.name)).toEqual(['id', 'uuid', 'created', 'lastUpdated', 'title']);
      const janrain = middle.toISOString().replace('T', ' ').replace('Z', ' +0000');
      expect((await reg('/versions/entityType', { type_name: 'journal', timestamp: janrain })).json.schema.attr_defs.map((d: any) => d.name)).toContain('title');
      const now = await reg('/versions/entityType', { type_name: 'journal', timestamp: new Date(Date.now() + 60_000).toISOString() });
      expect(now.json.schema.attr_defs.map((d: any) => d.name)).toEqual(['id', 'uuid', 'created', 'lastUpdated', 'title', 'body']);
    });

    it('answers 310 before the type existed, 200 for an unreadable timestamp, 222 for an unknown type', async () => {
      expect((await reg('/versions/entityType', { type_name: 'journal', timestamp: '2001-01-01' })).json).toMatchObject({ code: 310, error: 'record_not_found' });
      expect((await reg('/versions/entityType', { type_name: 'journal', timestamp: '1500-01-01' })).json).toMatchObject({ code: 310 });
      expect((await reg('/versions/entityType', { type_name: 'journal', timestamp: 'yesterday' })).json).toMatchObject({ code: 200, argument_name: 'timestamp' });
      expect((await reg('/versions/entityType', { type_name: 'nope', timestamp: '2001-01-01' })).json).toMatchObject({ code: 222 });
    });
  });

  describe('entityType.delete', () => {
    it('needs commit=true, then removes the type, its records and its indexes', async () => {
      await create('temp', [{ name: 'k', type: 'string', constraints: ['unique'] }]);
      const id = await insertRecord('temp', { k: 'v' });
      const type = await getEntityType(store().db, appRowId, 'temp');
      expect(await indexesOf('temp')).toHaveLength(1);
      expect((await reg('/entityType.delete', { type_name: 'temp' })).json).toMatchObject({ code: 200, argument_name: 'commit' });
      expect((await reg('/entityType.delete', { type_name: 'temp', commit: 'false' })).json).toMatchObject({ code: 200, argument_name: 'commit' });
      expect((await reg('/entityType.delete', { type_name: 'temp', commit: 'true' })).json).toEqual({ stat: 'ok' });
      expect((await reg('/entityType', { type_name: 'temp' })).json).toMatchObject({ code: 222 });
      expect((await sql`select 1 from entities where id = ${id}`.execute(store().db)).rows).toHaveLength(0);
      expect(await store().write((tx) => existingIndexes(tx, store().dialect, type.id))).toEqual([]);
      expect((await reg('/entityType.delete', { type_name: 'temp', commit: 'true' })).json).toMatchObject({ code: 222 });
    });
  });
});
