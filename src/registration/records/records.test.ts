import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/fixtures.js';
import { call, describeEachDatabase } from '../../../test/server.js';

/** A schema with every attribute type and constraint the records calls handle. */
export const TEST_ATTR_DEFS = [
  { name: 'email', type: 'string', length: 100, constraints: ['unique', 'email-address'] },
  { name: 'displayName', type: 'string', length: 10 },
  { name: 'givenName', type: 'string', constraints: ['alphabetic'] },
  { name: 'code', type: 'string', constraints: ['alphanumeric'], 'case-sensitive': true },
  { name: 'nick', type: 'string', constraints: ['unicode-letters'] },
  { name: 'note', type: 'string', constraints: ['unicode-printable'] },
  { name: 'age', type: 'integer' },
  { name: 'score', type: 'decimal' },
  { name: 'active', type: 'boolean' },
  { name: 'birthday', type: 'date' },
  { name: 'lastLogin', type: 'dateTime' },
  { name: 'ip', type: 'ipAddress' },
  { name: 'token', type: 'uuid' },
  { name: 'extra', type: 'json' },
  { name: 'password', type: 'password' },
  { name: 'primaryAddress', type: 'object', attr_defs: [{ name: 'city', type: 'string' }, { name: 'zip', type: 'string', length: 5 }] },
  {
    name: 'profiles',
    type: 'plural',
    attr_defs: [
      { name: 'identifier', type: 'string', constraints: ['unique'] },
      { name: 'domain', type: 'string', constraints: ['locally-unique'] },
      { name: 'followers', type: 'plural', attr_defs: [{ name: 'name', type: 'string' }] },
    ],
  },
];

describeEachDatabase('entity calls', (server) => {
  let app: TestApp;
  const owner = () => ({ client_id: app.ownerClientId, client_secret: app.ownerClientSecret });
  const reg = (path: string, params: Record<string, string> = {}) => call(server().url, path, { type_name: 'person', ...owner(), ...params });
  const create = async (attributes: unknown) => {
    const r = await reg('/entity.create', { attributes: JSON.stringify(attributes) });
    expect(r.json).toMatchObject({ stat: 'ok' });
    return r.json as { id: number; uuid: string };
  };
  const get = async (id: number, extra: Record<string, string> = {}) => (await reg('/entity', { id: String(id), ...extra })).json;

  beforeAll(async () => {
    app = await createTestApp(server());
    const r = await call(server().url, '/entityType.create', { ...owner(), type_name: 'person', attr_defs: JSON.stringify(TEST_ATTR_DEFS) });
    expect(r.json).toMatchObject({ stat: 'ok' });
  });

  describe('entity.create and entity', () => {
    it('creates a record and reads it back in Janrain shapes', async () => {
      const r = await reg('/entity.create', {
        attributes: JSON.stringify({
          email: 'Ann@Example.com',
          age: 31,
          score: 2.5,
          active: true,
          birthday: '1990-02-03',
          lastLogin: '2001-01-01T17:33:39Z',
          ip: '2001:db8::1',
          token: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
          extra: { any: ['thing'] },
          primaryAddress: { city: 'Oslo' },
          profiles: [{ identifier: 'https://x/1', domain: 'x.com', followers: [{ name: 'f' }] }],
        }),
        include_record: 'true',
      });
      expect(r.json).toMatchObject({ stat: 'ok', id: expect.any(Number), uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      const record = (await get(r.json.id)).result;
      expect(record).toEqual(r.json.result);
      expect(record).toMatchObject({
        id: r.json.id,
        uuid: r.json.uuid,
        email: 'Ann@Example.com',
        displayName: null,
        age: 31,
        score: 2.5,
        active: true,
        birthday: '1990-02-03',
        lastLogin: '2001-01-01 17:33:39 +0000',
        ip: '2001:db8::1',
        token: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        extra: { any: ['thing'] },
        primaryAddress: { city: 'Oslo', zip: null },
        profiles: [{ id: expect.any(Number), identifier: 'https://x/1', domain: 'x.com', followers: [{ id: expect.any(Number), name: 'f' }] }],
      });
      expect(record.created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \+0000$/);
      expect(record.lastUpdated).toBe(record.created);
      expect(record).not.toHaveProperty('password');
    });

    it('finds a record by uuid or by key_attribute/key_value, and limits the answer with attributes or attribute_name', async () => {
      const { id, uuid } = await create({ email: 'key@example.com', primaryAddress: { city: 'Rome', zip: '00100' }, profiles: [{ domain: 'a.com' }] });
      expect((await reg('/entity', { uuid })).json.result.id).toBe(id);
      expect((await reg('/entity', { uuid: uuid.toUpperCase() })).json.result.id).toBe(id);
      const byKey = await reg('/entity', { key_attribute: 'email', key_value: '"KEY@example.com"' });
      expect(byKey.json.result.id).toBe(id);
      const limited = await reg('/entity', { id: String(id), attributes: JSON.stringify(['email', 'primaryAddress.city', 'profiles.domain', 'id']) });
      expect(limited.json.result).toEqual({ id, email: 'key@example.com', primaryAddress: { city: 'Rome' }, profiles: [{ id: expect.any(Number), domain: 'a.com' }] });
      expect((await reg('/entity', { id: String(id), attribute_name: '/primaryAddress/city' })).json).toEqual({ stat: 'ok', result: 'Rome' });
      expect((await reg('/entity', { id: String(id), attribute_name: 'primaryAddress' })).json.result).toEqual({ city: 'Rome', zip: '00100' });
      expect((await reg('/entity', { id: String(id), attribute_name: 'uuid' })).json.result).toBe(uuid);
      const element = (await get(id)).result.profiles[0];
      expect((await reg('/entity', { id: String(id), attribute_name: `/profiles#${element.id}` })).json.result).toEqual({ id: element.id, identifier: null, domain: 'a.com', followers: [] });
    });

    it('answers selector errors: none 100, two 201, unknown 310, unknown key attribute 223', async () => {
      const { id, uuid } = await create({ email: 'sel@example.com' });
      expect((await reg('/entity', {})).json).toMatchObject({ stat: 'error', code: 100, error: 'missing_argument' });
      expect((await reg('/entity', { id: String(id), uuid })).json).toMatchObject({ code: 201, error: 'duplicate_argument' });
      expect((await reg('/entity', { id: String(id), key_attribute: 'email', key_value: '"x"' })).json).toMatchObject({ code: 201 });
      expect((await reg('/entity', { id: '999999999' })).json).toMatchObject({ code: 310, error: 'record_not_found' });
      expect((await reg('/entity', { key_attribute: 'nope', key_value: '"x"' })).json).toMatchObject({ code: 223, error: 'unknown_attribute' });
      expect((await reg('/entity', { key_attribute: 'email' })).json).toMatchObject({ code: 100, argument_name: 'key_value' });
      expect((await reg('/entity', { id: String(id), attributes: '["nope"]' })).json).toMatchObject({ code: 223 });
      expect((await reg('/entity', { id: String(id), attribute_name: '/profiles#999999' })).json).toMatchObject({ code: 310 });
      expect((await reg('/entity', { id: 'abc' })).json).toMatchObject({ code: 200, argument_name: 'id' });
      expect((await reg('/entity', { id: String(id), type_name: 'nosuch' })).json).toMatchObject({ code: 222, error: 'unknown_entity_type' });
    });

    it('requires the owner client', async () => {
      expect((await call(server().url, '/entity.find', { type_name: 'person' })).json).toMatchObject({ code: 100 });
      expect((await call(server().url, '/entity.find', { type_name: 'person', client_id: app.ownerClientId, client_secret: 'y'.repeat(32) })).json).toMatchObject({ code: 402 });
      expect((await call(server().url, '/entity.find', { type_name: 'person', client_id: app.loginClientId, client_secret: app.loginClientSecret })).json).toMatchObject({ code: 403 });
    });

    it('cannot reach another application’s records', async () => {
      const { id, uuid } = await create({ email: 'mine@example.com' });
      const other = await createTestApp(server());
      const theirs = { client_id: other.ownerClientId, client_secret: other.ownerClientSecret };
      await call(server().url, '/entityType.create', { ...theirs, type_name: 'person', attr_defs: JSON.stringify(TEST_ATTR_DEFS) });
      expect((await call(server().url, '/entity', { ...theirs, type_name: 'person', id: String(id) })).json).toMatchObject({ code: 310 });
      expect((await call(server().url, '/entity', { ...theirs, type_name: 'person', uuid })).json).toMatchObject({ code: 310 });
      const found = await call(server().url, '/entity.find', { ...theirs, type_name: 'person', filter: `id = ${id} or email = 'mine@example.com'` });
      expect(found.json).toMatchObject({ stat: 'ok', result_count: 0 });
      expect((await call(server().url, '/entity.delete', { ...theirs, type_name: 'person', id: String(id) })).json).toMatchObject({ code: 310 });
      expect((await call(server().url, '/entity.bulkDelete', { ...theirs, type_name: 'person', filter: 'id > 0', commit: 'true' })).json).toEqual({ stat: 'ok', total_count: 0 });
      expect((await get(id)).result.email).toBe('mine@example.com');
      // nor another entity type's records of the same application
      await call(server().url, '/entityType.create', { ...owner(), type_name: 'pet', attr_defs: JSON.stringify([{ name: 'email', type: 'string' }]) });
      expect((await reg('/entity', { type_name: 'pet', id: String(id) })).json).toMatchObject({ code: 310 });
      expect((await reg('/entity.find', { type_name: 'pet', filter: `id = ${id}` })).json).toMatchObject({ stat: 'ok', result_count: 0 });
      expect((await reg('/entity.count', { type_name: 'pet' })).json).toEqual({ stat: 'ok', total_count: 0 });
    });
  });

  describe('values', () => {
    const refused = async (attributes: unknown) => (await reg('/entity.create', { attributes: JSON.stringify(attributes) })).json;

    it.each([
      [{ nope: 1 }, 223, 'unknown_attribute'],
      [{ primaryAddress: { street: 'x' } }, 223, 'unknown_attribute'],
      [{ id: 5 }, 320, 'id_in_new_record'],
      [{ uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' }, 320, 'id_in_new_record'],
      [{ age: '31' }, 341, 'invalid_json_type'],
      [{ age: 3.5 }, 341, 'invalid_json_type'],
      [{ score: 'x' }, 341, 'invalid_json_type'],
      [{ active: 'true' }, 341, 'invalid_json_type'],
      [{ email: 5 }, 341, 'invalid_json_type'],
      [{ primaryAddress: 'Oslo' }, 341, 'invalid_json_type'],
      [{ profiles: { domain: 'x' } }, 341, 'invalid_json_type'],
      [{ profiles: ['x'] }, 341, 'invalid_json_type'],
      [{ birthday: '1990-02-30' }, 342, 'invalid_date_time'],
      [{ lastLogin: 'yesterday' }, 342, 'invalid_date_time'],
      [{ ip: '300.1.1.1' }, 340, 'invalid_data_format'],
      [{ token: 'not-a-uuid' }, 340, 'invalid_data_format'],
      [{ displayName: 'abcdefghijk' }, 363, 'length_violation'],
      [{ primaryAddress: { zip: '123456' } }, 363, 'length_violation'],
      [{ email: 'not an email' }, 360, 'constraint_violation'],
      [{ givenName: 'Ann3' }, 360, 'constraint_violation'],
      [{ code: 'a-b' }, 360, 'constraint_violation'],
      [{ nick: 'ann1' }, 360, 'constraint_violation'],
      [{ note: 'a\u0007b' }, 360, 'constraint_violation'],
      [{ profiles: [{ domain: 'a.com' }, { domain: 'A.com' }] }, 361, 'unique_violation'],
      [{ password: 5 }, 341, 'invalid_json_type'],
    ])('%j → %i %s', async (attributes, code, error) => {
      expect(await refused(attributes)).toMatchObject({ stat: 'error', code, error, argument_name: 'attributes' });
    });

    it('accepts the constraints’ good values, many date forms and counts length in characters', async () => {
      const { id } = await create({ displayName: 'ÅÅÅÅÅÅÅÅÅÅ', givenName: 'Ann', code: 'A1b2', nick: 'Zoë', note: 'Hello, world!', birthday: '1990-02-03T23:30:00-05:00', lastLogin: '2016-04-20 17:02:18.649505 +0000' });
      const r = (await get(id)).result;
      expect(r).toMatchObject({ displayName: 'ÅÅÅÅÅÅÅÅÅÅ', birthday: '1990-02-04', lastLogin: '2016-04-20 17:02:18.649505 +0000' });
    });

    it('refuses a malformed attributes parameter with 200', async () => {
      expect(await reg('/entity.create', { attributes: '{oops' }).then((r) => r.json)).toMatchObject({ code: 200, argument_name: 'attributes' });
      expect(await reg('/entity.create', {}).then((r) => r.json)).toMatchObject({ code: 100, argument_name: 'attributes' });
      expect(await refused([1, 2])).toMatchObject({ code: 341 });
    });

    it('requires required attributes (362) on create, replace and update to null', async () => {
      const strict = await call(server().url, '/entityType.create', {
        ...owner(),
        type_name: 'strict',
        attr_defs: JSON.stringify([
          { name: 'name', type: 'string', constraints: ['required'] },
          { name: 'other', type: 'string' },
          { name: 'items', type: 'plural', attr_defs: [{ name: 'label', type: 'string', constraints: ['required'] }, { name: 'note', type: 'string' }] },
        ]),
      });
      expect(strict.json).toMatchObject({ stat: 'ok' });
      const s = (path: string, params: Record<string, string>) => reg(path, { type_name: 'strict', ...params });
      expect((await s('/entity.create', { attributes: '{"other":"x"}' })).json).toMatchObject({ code: 362, error: 'missing_required_attribute' });
      expect((await s('/entity.create', { attributes: '{"name":"n","items":[{"note":"x"}]}' })).json).toMatchObject({ code: 362 });
      const ok = await s('/entity.create', { attributes: '{"name":"n","items":[{"label":"l"}]}' });
      const id = String(ok.json.id);
      expect((await s('/entity.update', { id, attributes: '{"other":"y"}' })).json).toEqual({ stat: 'ok' });
      expect((await s('/entity.update', { id, attributes: '{"name":null}' })).json).toMatchObject({ code: 362 });
      expect((await s('/entity.replace', { id, attributes: '{"other":"y"}' })).json).toMatchObject({ code: 362 });
      expect((await s('/entity.delete', { id, attribute_name: 'name' })).json).toMatchObject({ code: 362 });
      const element = (await s('/entity', { id })).json.result.items[0].id;
      expect((await s('/entity.update', { id, attribute_name: `/items#${element}`, value: '{"label":null}' })).json).toMatchObject({ code: 362 });
      expect((await s('/entity.update', { id, attribute_name: `/items#${element}`, value: '{"note":"n"}' })).json).toEqual({ stat: 'ok' });
      expect((await s('/entity', { id })).json.result).toMatchObject({ name: 'n', other: 'y', items: [{ id: element, label: 'l', note: 'n' }] });
    });
  });

  describe('update, replace and delete', () => {
    it('update merges, replace sets the unnamed to null and keeps only the listed plural elements', async () => {
      const { id } = await create({ email: 'u1@example.com', displayName: 'Ann', primaryAddress: { city: 'Oslo', zip: '0150' }, profiles: [{ domain: 'a.com' }, { domain: 'b.com' }] });
      const before = (await get(id)).result;
      const [a, b] = before.profiles;
      expect(b.id).toBeGreaterThan(a.id);
      expect((await reg('/entity.update', { id: String(id), attributes: JSON.stringify({ primaryAddress: { city: 'Bergen' }, profiles: [{ id: a.id, identifier: 'ia' }, { domain: 'c.com' }] }) })).json).toEqual({ stat: 'ok' });
      const updated = (await get(id)).result;
      expect(updated).toMatchObject({ email: 'u1@example.com', displayName: 'Ann', primaryAddress: { city: 'Bergen', zip: '0150' } });
      expect(updated.profiles.map((p: { id: number; domain: string; identifier: string | null }) => [p.id, p.domain, p.identifier])).toEqual([
        [a.id, 'a.com', 'ia'],
        [b.id, 'b.com', null],
        [expect.any(Number), 'c.com', null],
      ]);
      const c = updated.profiles[2];
      expect(new Set([a.id, b.id, c.id]).size).toBe(3);
      expect(updated.lastUpdated > before.lastUpdated).toBe(true);
      expect(updated.created).toBe(before.created);

      const replaced = await reg('/entity.replace', { id: String(id), value: JSON.stringify({ displayName: 'Bo', profiles: [{ id: c.id, domain: 'c2.com' }, { domain: 'd.com' }] }), include_record: 'true' });
      expect(replaced.json.stat).toBe('ok');
      const after = (await get(id)).result;
      expect(after).toEqual(replaced.json.result);
      expect(after).toMatchObject({ email: null, displayName: 'Bo', primaryAddress: { city: null, zip: null } });
      expect(after.profiles).toEqual([
        { id: c.id, identifier: null, domain: 'c2.com', followers: [] },
        { id: expect.any(Number), identifier: null, domain: 'd.com', followers: [] },
      ]);
      expect(after.profiles[1].id).not.toBe(a.id);
    });

    it('writes at an attribute_name: an object, a plural, one element', async () => {
      const { id } = await create({ email: 'u2@example.com', primaryAddress: { city: 'Oslo', zip: '0150' }, profiles: [{ domain: 'a.com', followers: [{ name: 'x' }] }] });
      const sid = String(id);
      const element = (await get(id)).result.profiles[0].id;
      expect((await reg('/entity.update', { id: sid, attribute_name: '/primaryAddress', value: '{"zip":"0151"}' })).json).toEqual({ stat: 'ok' });
      expect((await reg('/entity.replace', { id: sid, attribute_name: 'primaryAddress', value: '{"city":"Bergen"}' })).json).toEqual({ stat: 'ok' });
      expect((await reg('/entity.update', { id: sid, attribute_name: `/profiles#${element}`, value: '{"identifier":"i1"}' })).json).toEqual({ stat: 'ok' });
      expect((await reg('/entity.update', { id: sid, attribute_name: 'profiles', value: '[{"domain":"b.com"}]' })).json).toEqual({ stat: 'ok' });
      expect((await reg('/entity.update', { id: sid, attribute_name: `/profiles#${element}/followers`, value: '[{"name":"y"}]' })).json).toEqual({ stat: 'ok' });
      expect((await reg('/entity.update', { id: sid, attribute_name: 'email', value: '"new@example.com"' })).json).toEqual({ stat: 'ok' });
      let r = (await get(id)).result;
      expect(r.email).toBe('new@example.com');
      expect(r.primaryAddress).toEqual({ city: 'Bergen', zip: null });
      expect(r.profiles).toHaveLength(2);
      expect(r.profiles[0]).toMatchObject({ id: element, identifier: 'i1', domain: 'a.com' });
      expect(r.profiles[0].followers.map((f: { name: string }) => f.name)).toEqual(['x', 'y']);
      expect((await reg('/entity.replace', { id: sid, attribute_name: `/profiles#${element}`, value: '{"domain":"z.com"}' })).json).toEqual({ stat: 'ok' });
      r = (await get(id)).result;
      expect(r.profiles[0]).toEqual({ id: element, identifier: null, domain: 'z.com', followers: [] });
      expect(r.profiles[1].domain).toBe('b.com');
      expect((await reg('/entity.delete', { id: sid, attribute_name: `/profiles#${element}` })).json).toEqual({ stat: 'ok' });
      expect((await reg('/entity.delete', { id: sid, attribute_name: '/primaryAddress/city' })).json).toEqual({ stat: 'ok' });
      r = (await get(id)).result;
      expect(r.profiles.map((p: { domain: string }) => p.domain)).toEqual(['b.com']);
      expect(r.primaryAddress).toEqual({ city: null, zip: null });
      expect((await reg('/entity.update', { id: sid, attribute_name: '/profiles#424242', value: '{}' })).json).toMatchObject({ code: 310 });
      expect((await reg('/entity.update', { id: sid, attribute_name: '/email#3', value: '"x"' })).json).toMatchObject({ code: 200 });
      expect((await reg('/entity.update', { id: sid, attribute_name: '/nope', value: '"x"' })).json).toMatchObject({ code: 223 });
      expect((await reg('/entity.update', { id: sid, attribute_name: 'id', value: '5' })).json).toMatchObject({ code: 200 });
      expect((await reg('/entity.update', { id: sid, attribute_name: 'age', value: '"x"' })).json).toMatchObject({ code: 341, argument_name: 'value' });
      expect((await reg('/entity.update', { id: sid })).json).toMatchObject({ code: 100 });
    });

    it('takes the new values in value or attributes, not two different ones; null clears; json is kept whole', async () => {
      const { id } = await create({ email: 'vals@example.com', extra: { a: 1 }, primaryAddress: { city: 'Oslo' }, profiles: [{ domain: 'a.com' }] });
      const sid = String(id);
      const element = (await get(id)).result.profiles[0].id;
      expect((await reg('/entity.update', { id: sid, value: '{"age":3}', attributes: '{"age":4}' })).json).toMatchObject({ code: 201 });
      expect((await reg('/entity.update', { id: sid, value: '{"age":3}', attributes: '{"age":3}' })).json).toEqual({ stat: 'ok' });
      expect((await reg('/entity.update', { id: sid, attributes: '{"extra":{"b":2},"primaryAddress":null,"profiles":null}' })).json).toEqual({ stat: 'ok' });
      const r = (await get(id)).result;
      expect(r).toMatchObject({ age: 3, extra: { b: 2 }, primaryAddress: { city: null, zip: null }, profiles: [] });
      // emptied by update, not orphaned: nothing to adopt
      const dropped = await reg('/entity.adopt', { id: sid, attribute_name: 'profiles', child_id: String(element) });
      expect(dropped.json).toMatchObject({ code: 310 });
      expect((await reg('/entity', { id: sid, attributes: '["created","lastUpdated"]' })).json.result).toEqual({ created: r.created, lastUpdated: expect.any(String) });
    });

    it('deletes a record', async () => {
      const { id, uuid } = await create({ email: 'gone@example.com' });
      expect((await reg('/entity.delete', { uuid })).json).toEqual({ stat: 'ok' });
      expect((await get(id))).toMatchObject({ code: 310 });
      expect((await reg('/entity.delete', { uuid })).json).toMatchObject({ code: 310 });
      // the unique value is free again
      await create({ email: 'gone@example.com' });
    });

    it('guards against concurrent change with created / last_updated (330)', async () => {
      const { id } = await create({ email: 'guard@example.com' });
      const r = (await get(id)).result;
      const sid = String(id);
      expect((await reg('/entity', { id: sid, last_updated: r.lastUpdated })).json.stat).toBe('ok');
      expect((await reg('/entity', { id: sid, created: r.created })).json.stat).toBe('ok');
      expect((await reg('/entity.update', { id: sid, last_updated: r.lastUpdated, attributes: '{"age":1}' })).json).toEqual({ stat: 'ok' });
      const stale = await reg('/entity.update', { id: sid, last_updated: r.lastUpdated, attributes: '{"age":2}' });
      expect(stale.json).toMatchObject({ stat: 'error', code: 330, error: 'timestamp_mismatch' });
      expect((await reg('/entity', { id: sid, last_updated: r.lastUpdated })).json).toMatchObject({ code: 330 });
      expect((await reg('/entity.delete', { id: sid, created: '2001-01-01 00:00:00 +0000' })).json).toMatchObject({ code: 330 });
      expect((await reg('/entity', { id: sid, created: 'soon' })).json).toMatchObject({ code: 342, argument_name: 'created' });
      expect((await get(id)).result.age).toBe(1);
    });
  });

  describe('unique attributes', () => {
    it('refuses a second record with the same email (361), whatever the case', async () => {
      await create({ email: 'dup@example.com' });
      const again = await reg('/entity.create', { attributes: '{"email":"DUP@example.com"}' });
      expect(again.json).toMatchObject({ stat: 'error', code: 361, error: 'unique_violation', attribute_name: 'email' });
      const { id } = await create({ email: 'other@example.com' });
      expect((await reg('/entity.update', { id: String(id), attributes: '{"email":"Dup@Example.com"}' })).json).toMatchObject({ code: 361 });
    });

    it('lets exactly one of two parallel creates with one email succeed (also differing in case)', async () => {
      for (const [x, y] of [
        ['race@example.com', 'race@example.com'],
        ['Case@example.com', 'cASE@example.com'],
      ]) {
        const results = await Promise.all([x, y].map((email) => reg('/entity.create', { attributes: JSON.stringify({ email }) })));
        const codes = results.map((r) => (r.json.stat === 'ok' ? 'ok' : r.json.code)).sort();
        expect(codes).toEqual([361, 'ok']);
      }
      const many = await Promise.all(Array.from({ length: 8 }, () => reg('/entity.create', { attributes: '{"email":"many@example.com"}' })));
      expect(many.filter((r) => r.json.stat === 'ok')).toHaveLength(1);
      expect(many.filter((r) => r.json.code === 361)).toHaveLength(7);
    });

    it('holds unique plural members across records (profiles.identifier)', async () => {
      await create({ profiles: [{ identifier: 'https://p/1' }] });
      const again = await reg('/entity.create', { attributes: JSON.stringify({ profiles: [{ identifier: 'HTTPS://p/1' }] }) });
      expect(again.json).toMatchObject({ code: 361 });
      const parallel = await Promise.all([1, 2].map(() => reg('/entity.create', { attributes: JSON.stringify({ profiles: [{ identifier: 'https://p/2' }] }) })));
      expect(parallel.map((r) => (r.json.stat === 'ok' ? 'ok' : r.json.code)).sort()).toEqual([361, 'ok']);
    });
  });

  describe('versions/entity', () => {
    it('returns the record as it was at a timestamp, deleted records too', async () => {
      const { id, uuid } = await create({ email: 'v@example.com', displayName: 'one', password: 'secret pw' });
      const first = (await get(id)).result;
      await reg('/entity.update', { id: String(id), attributes: '{"displayName":"two"}' });
      const second = (await get(id)).result;
      await reg('/entity.update', { id: String(id), attributes: '{"displayName":"three"}' });
      const v = (timestamp: string, extra: Record<string, string> = { id: String(id) }) => reg('/versions/entity', { timestamp, ...extra });
      expect((await v(first.created)).json).toMatchObject({ stat: 'ok', result: { id, displayName: 'one', lastUpdated: first.lastUpdated } });
      expect((await v(second.lastUpdated)).json.result.displayName).toBe('two');
      expect((await v('2200-01-01 00:00:00 +0000', { uuid })).json.result.displayName).toBe('three');
      expect((await v('2000-01-01')).json).toMatchObject({ code: 310 });
      const atFirst = await v(first.created);
      expect(atFirst.text).not.toContain('argon2');
      expect(atFirst.json.result).not.toHaveProperty('password');
      await reg('/entity.delete', { id: String(id) });
      expect((await v(second.lastUpdated, { uuid })).json.result.displayName).toBe('two');
      expect((await v('2200-01-01 00:00:00 +0000')).json).toMatchObject({ code: 310 });
      expect((await reg('/versions/entity', { id: String(id) })).json).toMatchObject({ code: 100, argument_name: 'timestamp' });
      expect((await v('garbage')).json).toMatchObject({ code: 342 });
    });
  });

  describe('find, count, bulkDelete, purge', () => {
    beforeAll(async () => {
      await call(server().url, '/entityType.create', {
        ...owner(),
        type_name: 'listing',
        attr_defs: JSON.stringify([
          { name: 'name', type: 'string', features: ['query'] },
          { name: 'rank', type: 'integer' },
          { name: 'tags', type: 'plural', attr_defs: [{ name: 'tag', type: 'string' }] },
        ]),
      });
    }, 30_000);
    let ids: number[];
    beforeAll(async () => {
      const bulk = await reg('/entity.bulkCreate', {
        type_name: 'listing',
        all_attributes: JSON.stringify(
          Array.from({ length: 25 }, (_, i) => ({ name: `n${String(i).padStart(2, '0')}`, rank: i % 5, tags: i % 2 === 0 ? [{ tag: 'even' }] : [] })),
        ),
      });
      expect(bulk.json.stat).toBe('ok');
      ids = bulk.json.results;
    });
    const l = (path: string, params: Record<string, string>) => reg(path, { type_name: 'listing', ...params });

    it('filters, sorts and pages; show_total_count adds the total', async () => {
      const r = await l('/entity.find', { filter: 'rank = 2', sort_on: '["-name"]', attributes: '["name","rank"]', show_total_count: 'true' });
      expect(r.json).toEqual({ stat: 'ok', result_count: 5, total_count: 5, results: ['n22', 'n17', 'n12', 'n07', 'n02'].map((name) => ({ name, rank: 2 })) });
      const page = await l('/entity.find', { sort_on: '["rank","name"]', max_results: '3', first_result: '4', attributes: '["name"]' });
      expect(page.json.results).toEqual([{ name: 'n15' }, { name: 'n20' }, { name: 'n01' }]);
      const even = await l('/entity.find', { filter: "tags.tag = 'even' and rank >= 3", attributes: '["name"]', sort_on: '["name"]' });
      expect(even.json.results.map((x: { name: string }) => x.name)).toEqual(['n04', 'n08', 'n14', 'n18', 'n24']);
      const all = await l('/entity.find', {});
      expect(all.json.result_count).toBe(25);
      expect(all.json.results[0]).toMatchObject({ id: ids[0], name: 'n00', rank: 0, tags: [{ id: expect.any(Number), tag: 'even' }] });
      expect(all.json).not.toHaveProperty('total_count');
    });

    it('pages through everything by id > N with sort_on ["id"]', async () => {
      const seen: number[] = [];
      let last = 0;
      for (;;) {
        const r = await l('/entity.find', { filter: `id > ${last}`, sort_on: '["id"]', max_results: '7', attributes: '["id"]' });
        if (r.json.result_count === 0) break;
        for (const x of r.json.results) seen.push(x.id);
        last = seen[seen.length - 1];
      }
      expect(seen).toEqual(ids);
    });

    it('answers bad filters, sorts and limits with their codes', async () => {
      expect((await l('/entity.find', { filter: 'name = ' })).json).toMatchObject({ code: 200, argument_name: 'filter' });
      expect((await l('/entity.find', { filter: "name contains 'x'" })).json).toMatchObject({ code: 485 });
      expect((await l('/entity.find', { filter: "nope = 'x'" })).json).toMatchObject({ code: 223 });
      expect((await l('/entity.find', { sort_on: '["nope"]' })).json).toMatchObject({ code: 200, argument_name: 'sort_on' });
      expect((await l('/entity.find', { max_results: '10001' })).json).toMatchObject({ code: 200, argument_name: 'max_results' });
      expect((await l('/entity.find', { first_result: '0' })).json).toMatchObject({ code: 200, argument_name: 'first_result' });
      expect((await l('/entity.find', { filter: "name = 'x'; drop table entities" })).json).toMatchObject({ code: 200 });
    });

    it('reads each filter with its own values, and vets them, whatever filters of the same shape came before', async () => {
      const names = async (filter: string, extra: Record<string, string> = {}) => (await l('/entity.find', { filter, attributes: '["name"]', sort_on: '["name"]', ...extra })).json;
      expect((await names('rank = 1 and name != \'n06\'')).results).toEqual([{ name: 'n01' }, { name: 'n11' }, { name: 'n16' }, { name: 'n21' }]);
      expect((await names('rank = 3 and name != \'n08\'')).results).toEqual([{ name: 'n03' }, { name: 'n13' }, { name: 'n18' }, { name: 'n23' }]);
      expect(await names("rank = 'three' and name != 'n08'")).toMatchObject({ code: 200, argument_name: 'filter' });
      expect((await names('rank = 4', { max_results: '2' })).results).toEqual([{ name: 'n04' }, { name: 'n09' }]);
      expect((await names('rank = 4', { max_results: '2', first_result: '3' })).results).toEqual([{ name: 'n14' }, { name: 'n19' }]);
      expect((await names('rank = 0', { max_results: '1', first_result: '5' })).results).toEqual([{ name: 'n20' }]);
      expect((await l('/entity.count', { filter: 'rank < 1' })).json).toEqual({ stat: 'ok', total_count: 5 });
      expect((await l('/entity.count', { filter: 'rank < 3' })).json).toEqual({ stat: 'ok', total_count: 15 });
    });

    it('counts, with and without a filter', async () => {
      expect((await l('/entity.count', {})).json).toEqual({ stat: 'ok', total_count: 25 });
      expect((await l('/entity.count', { filter: 'rank < 2' })).json).toEqual({ stat: 'ok', total_count: 10 });
    });

    it('bulkDelete counts without commit=true and deletes with it; purge needs commit=true', async () => {
      expect((await l('/entity.bulkDelete', { filter: 'rank = 4', commit: 'false' })).json).toEqual({ stat: 'ok', total_count: 5 });
      expect((await l('/entity.count', {})).json.total_count).toBe(25);
      expect((await l('/entity.bulkDelete', { filter: 'rank = 4' })).json).toMatchObject({ code: 100, argument_name: 'commit' });
      expect((await l('/entity.bulkDelete', { filter: 'rank = 4', commit: 'true' })).json).toEqual({ stat: 'ok', total_count: 5 });
      expect((await l('/entity.count', {})).json.total_count).toBe(20);
      const deleted = ids[4];
      const v = await l('/versions/entity', { id: String(deleted), timestamp: '2200-01-01' });
      expect(v.json).toMatchObject({ code: 310 });
      expect((await l('/entity.purge', { commit: 'false' })).json).toMatchObject({ code: 200, argument_name: 'commit' });
      expect((await l('/entity.purge', {})).json).toMatchObject({ code: 100 });
      expect((await l('/entity.purge', { commit: 'true' })).json).toEqual({ stat: 'ok', total_count: 20 });
      expect((await l('/entity.count', {})).json.total_count).toBe(0);
    });
  });

  describe('entity.bulkCreate', () => {
    it('answers one entry per input: ids and uuids, or the error object of that input', async () => {
      await create({ email: 'taken@example.com' });
      const items = [
        { email: 'b1@example.com', created: '2010-05-06 07:08:09.123456 +0000', password: { type: 'password-md5-salted-right-base64', value: 'abc=', salt: 'xyz' } },
        { email: 'taken@example.com' },
        { age: 'old' },
        { email: 'b4@example.com', profiles: [{ domain: 'a' }, { domain: 'b' }] },
        { email: 'B1@example.com' },
        { id: 3 },
        'not an object',
      ];
      const r = await reg('/entity.bulkCreate', { all_attributes: JSON.stringify(items) });
      expect(r.json.stat).toBe('ok');
      const { results, uuid_results } = r.json;
      expect(results).toHaveLength(7);
      expect(uuid_results).toHaveLength(7);
      expect(results[0]).toEqual(expect.any(Number));
      expect(uuid_results[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(results[1]).toMatchObject({ stat: 'error', code: 361, error: 'unique_violation' });
      expect(uuid_results[1]).toEqual(results[1]);
      expect(results[2]).toMatchObject({ stat: 'error', code: 341 });
      expect(results[3]).toEqual(expect.any(Number));
      expect(results[4]).toMatchObject({ code: 361 });
      expect(results[5]).toMatchObject({ code: 320 });
      expect(results[6]).toMatchObject({ code: 341 });
      const first = (await get(results[0])).result;
      expect(first).toMatchObject({ uuid: uuid_results[0], email: 'b1@example.com', created: '2010-05-06 07:08:09.123456 +0000' });
      expect(first).not.toHaveProperty('password');
      const fourth = (await get(results[3])).result;
      expect(fourth.profiles.map((p: { domain: string }) => p.domain)).toEqual(['a', 'b']);
      expect(fourth.profiles[0].id).not.toBe(fourth.profiles[1].id);
    });

    it('writes each record on its own with commit_each', async () => {
      const r = await reg('/entity.bulkCreate', { all_attributes: JSON.stringify([{ email: 'c1@example.com' }, { email: 'c1@example.com' }, { email: 'c3@example.com' }]), commit_each: 'true' });
      expect(r.json.results[0]).toEqual(expect.any(Number));
      expect(r.json.results[1]).toMatchObject({ code: 361 });
      expect(r.json.results[2]).toEqual(expect.any(Number));
    });

    it('refuses a malformed batch as a whole', async () => {
      expect((await reg('/entity.bulkCreate', { all_attributes: '{"email":"x"}' })).json).toMatchObject({ code: 200, argument_name: 'all_attributes' });
      expect((await reg('/entity.bulkCreate', { all_attributes: '[]' })).json).toMatchObject({ code: 200 });
      expect((await reg('/entity.bulkCreate', {})).json).toMatchObject({ code: 100 });
    });
  });

  describe('entity.adopt', () => {
    it('adopts an element entity.replace orphaned into a plural of the same or another record', async () => {
      const { id } = await create({ profiles: [{ domain: 'keep.com' }, { domain: 'orphan.com', identifier: 'https://adopt/1' }] });
      const [keep, orphan] = (await get(id)).result.profiles;
      await reg('/entity.replace', { id: String(id), attribute_name: 'profiles', value: JSON.stringify([{ id: keep.id, domain: 'keep.com' }]) });
      expect((await get(id)).result.profiles.map((p: { id: number }) => p.id)).toEqual([keep.id]);
      const other = await create({ email: 'adopter@example.com' });
      const adopted = await reg('/entity.adopt', { id: String(other.id), attribute_name: '/profiles', child_id: String(orphan.id) });
      expect(adopted.json).toEqual({ stat: 'ok' });
      expect((await get(other.id)).result.profiles).toEqual([{ id: orphan.id, identifier: 'https://adopt/1', domain: 'orphan.com', followers: [] }]);
      expect((await reg('/entity.adopt', { id: String(id), attribute_name: 'profiles', child_id: String(orphan.id) })).json).toMatchObject({ code: 310, argument_name: 'child_id' });
      expect((await reg('/entity.adopt', { id: String(id), attribute_name: 'email', child_id: '1' })).json).toMatchObject({ code: 200 });
      expect((await reg('/entity.adopt', { id: String(id), attribute_name: 'profiles' })).json).toMatchObject({ code: 100, argument_name: 'child_id' });
    });
  });

  describe('passwords', () => {
    it('stores argon2id, checks password_value (350 when wrong) and never returns a password', async () => {
      const { id } = await create({ email: 'pw@example.com', password: 'correct horse' });
      const read = await reg('/entity', { id: String(id) });
      expect(read.text).not.toContain('argon2');
      expect(read.json.result).not.toHaveProperty('password');
      const ok = await reg('/entity', { id: String(id), password_attribute: 'password', password_value: 'correct horse' });
      expect(ok.json).toMatchObject({ stat: 'ok', result: { id } });
      const wrong = await reg('/entity', { id: String(id), password_attribute: 'password', password_value: 'wrong' });
      expect(wrong.json).toMatchObject({ stat: 'error', code: 350 });
      expect(wrong.text).not.toContain('argon2');
      expect((await reg('/entity', { id: String(id), attribute_name: 'password' })).json).toMatchObject({ code: 200 });
      const found = await reg('/entity.find', { filter: `id = ${id}`, attributes: '["password","email"]' });
      expect(found.json.results).toEqual([{ email: 'pw@example.com' }]);
      const stored = await server().running.runtime.store.db.selectFrom('entities').select('data').where('id', '=', id).executeTakeFirstOrThrow();
      const data = typeof stored.data === 'string' ? JSON.parse(stored.data) : stored.data;
      expect(data.password.type).toBe('password-argon2id');
      expect(data.password.value).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it('keeps an imported hash with its type', async () => {
      const { id } = await create({ password: { type: 'password-bcrypt', value: '$2a$10$abcdefghijklmnopqrstuu5Zl1m3JzW1hX5oPzvQ0b5QF7Ew1Z4aW' } });
      const stored = await server().running.runtime.store.db.selectFrom('entities').select('data').where('id', '=', id).executeTakeFirstOrThrow();
      const data = typeof stored.data === 'string' ? JSON.parse(stored.data) : stored.data;
      expect(data.password).toEqual({ type: 'password-bcrypt', value: '$2a$10$abcdefghijklmnopqrstuu5Zl1m3JzW1hX5oPzvQ0b5QF7Ew1Z4aW' });
      expect((await get(id)).result).not.toHaveProperty('password');
    });
  });
});
