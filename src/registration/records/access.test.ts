import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/fixtures.js';
import { call, describeEachDatabase } from '../../../test/server.js';
import { addClient, createUser, login, owner, tokensFor, type Credentials } from '../access/test-helpers.js';

/** A schema with a scalar, an object and a plural that access schemas can cut through. */
const MEMBER_DEFS = [
  { name: 'email', type: 'string', constraints: ['unique'] },
  { name: 'givenName', type: 'string' },
  { name: 'familyName', type: 'string' },
  { name: 'secret', type: 'string' },
  { name: 'password', type: 'password' },
  { name: 'primaryAddress', type: 'object', attr_defs: [{ name: 'city', type: 'string' }, { name: 'zip', type: 'string' }] },
  { name: 'profiles', type: 'plural', attr_defs: [{ name: 'identifier', type: 'string' }, { name: 'domain', type: 'string' }] },
];

const RESERVED = { id: expect.any(Number), uuid: expect.any(String), created: expect.any(String), lastUpdated: expect.any(String) };

describeEachDatabase('records under access schemas, access tokens and metadata clients', (server) => {
  let app: TestApp;
  const post = (path: string, params: Record<string, string>) => call(server().url, path, params);
  const setSchema = async (client: Credentials, accessType: 'read' | 'write', attributes: string[], typeName = 'member') => {
    const r = await post('/entityType.setAccessSchema', { ...owner(app), type_name: typeName, for_client_id: client.client_id, access_type: accessType, attributes: JSON.stringify(attributes) });
    expect(r.json).toMatchObject({ stat: 'ok' });
  };
  /** A member record written by the owner, answered as the owner reads it. */
  let counter = 0;
  const member = async (extra: Record<string, unknown> = {}) => {
    counter += 1;
    const attributes = {
      email: `m${counter}@example.com`,
      givenName: 'Ann',
      familyName: 'Lee',
      secret: 's3cret',
      password: 'pass word',
      primaryAddress: { city: 'Oslo', zip: '0150' },
      profiles: [{ identifier: `https://idp.example/${counter}`, domain: 'idp.example' }],
      ...extra,
    };
    const r = await post('/entity.create', { ...owner(app), type_name: 'member', attributes: JSON.stringify(attributes), include_record: 'true' });
    expect(r.json).toMatchObject({ stat: 'ok' });
    return r.json.result;
  };
  const asOwner = async (id: number) => (await post('/entity', { ...owner(app), type_name: 'member', id: String(id) })).json.result;
  const denied = (attribute: string, argumentName: string) => ({ stat: 'error', code: 403, error: 'client_permission_error', attribute_name: attribute, argument_name: argumentName });

  beforeAll(async () => {
    app = await createTestApp(server());
    const r = await post('/entityType.create', { ...owner(app), type_name: 'member', attr_defs: JSON.stringify(MEMBER_DEFS) });
    expect(r.json).toMatchObject({ stat: 'ok' });
  });

  describe('read access schema', () => {
    let reader: Credentials;
    let record: Record<string, any>;
    const read = (path: string, params: Record<string, string>) => post(path, { ...reader, type_name: 'member', ...params });

    beforeAll(async () => {
      reader = await addClient(server(), app, ['direct_read_access']);
      await setSchema(reader, 'read', ['givenName', 'primaryAddress.city', 'profiles.domain']);
      record = await member();
    });

    it('entity shows the reserved attributes and the readable ones, nothing else', async () => {
      const r = await read('/entity', { id: String(record.id) });
      expect(r.json.result).toEqual({ ...RESERVED, id: record.id, uuid: record.uuid, givenName: 'Ann', primaryAddress: { city: 'Oslo' }, profiles: [{ id: record.profiles[0].id, domain: 'idp.example' }] });
      expect(r.text).not.toContain('s3cret');
      expect(r.text).not.toContain('0150');
    });

    it('an attributes list: readable parts shown, a path outside the schema 403, an unknown one 223', async () => {
      expect((await read('/entity', { id: String(record.id), attributes: '["primaryAddress","uuid"]' })).json.result).toEqual({ uuid: record.uuid, primaryAddress: { city: 'Oslo' } });
      expect((await read('/entity', { id: String(record.id), attributes: '["givenName","secret"]' })).json).toMatchObject(denied('secret', 'attributes'));
      expect((await read('/entity', { id: String(record.id), attributes: '["primaryAddress.zip"]' })).json).toMatchObject(denied('primaryAddress.zip', 'attributes'));
      expect((await read('/entity', { id: String(record.id), attributes: '["shoeSize"]' })).json).toMatchObject({ code: 223 });
    });

    it('attribute_name: inside, partly inside, outside', async () => {
      expect((await read('/entity', { id: String(record.id), attribute_name: 'givenName' })).json.result).toBe('Ann');
      expect((await read('/entity', { id: String(record.id), attribute_name: '/primaryAddress' })).json.result).toEqual({ city: 'Oslo' });
      expect((await read('/entity', { id: String(record.id), attribute_name: `/profiles#${record.profiles[0].id}` })).json.result).toEqual({ id: record.profiles[0].id, domain: 'idp.example' });
      expect((await read('/entity', { id: String(record.id), attribute_name: 'lastUpdated' })).json.result).toBe(record.lastUpdated);
      expect((await read('/entity', { id: String(record.id), attribute_name: 'secret' })).json).toMatchObject(denied('secret', 'attribute_name'));
      expect((await read('/entity', { id: String(record.id), attribute_name: 'primaryAddress/zip' })).json).toMatchObject(denied('primaryAddress.zip', 'attribute_name'));
    });

    it('attributes that choose records must be readable too: key_attribute, password_attribute, filter, sort_on', async () => {
      expect((await read('/entity', { key_attribute: 'email', key_value: JSON.stringify(record.email) })).json).toMatchObject(denied('email', 'key_attribute'));
      expect((await read('/entity', { id: String(record.id), password_attribute: 'password', password_value: 'pass word' })).json).toMatchObject(denied('password', 'password_attribute'));
      expect((await read('/entity.find', { filter: "secret = 's3cret'" })).json).toMatchObject(denied('secret', 'filter'));
      expect((await read('/entity.find', { filter: "givenName = 'Ann' and not (primaryAddress.zip is null)" })).json).toMatchObject(denied('primaryAddress.zip', 'filter'));
      expect((await read('/entity.find', { sort_on: '["-email"]' })).json).toMatchObject(denied('email', 'sort_on'));
      expect((await read('/entity.count', { filter: "email = 'x'" })).json).toMatchObject(denied('email', 'filter'));
      // Reserved attributes and readable ones are fine.
      expect((await read('/entity.count', { filter: `id = ${record.id} and primaryAddress.city = 'oslo' and profiles.domain = 'idp.example'` })).json).toEqual({ stat: 'ok', total_count: 1 });
    });

    it('entity.find answers the readable attributes of each record', async () => {
      const r = await read('/entity.find', { filter: `id = ${record.id}`, sort_on: '["-lastUpdated","givenName"]' });
      expect(r.json).toMatchObject({ stat: 'ok', result_count: 1 });
      expect(r.json.results[0]).toEqual({ ...RESERVED, id: record.id, givenName: 'Ann', primaryAddress: { city: 'Oslo' }, profiles: [{ id: record.profiles[0].id, domain: 'idp.example' }] });
      const some = await read('/entity.find', { filter: `id = ${record.id}`, attributes: '["primaryAddress","id"]' });
      expect(some.json.results).toEqual([{ id: record.id, primaryAddress: { city: 'Oslo' } }]);
      expect((await read('/entity.find', { attributes: '["familyName"]' })).json).toMatchObject(denied('familyName', 'attributes'));
    });

    it('versions/entity shows past states through the same schema', async () => {
      const r = await read('/versions/entity', { id: String(record.id), timestamp: '2200-01-01 00:00:00 +0000' });
      expect(r.json.result).toEqual({ ...RESERVED, id: record.id, givenName: 'Ann', primaryAddress: { city: 'Oslo' }, profiles: [{ id: record.profiles[0].id, domain: 'idp.example' }] });
    });

    it('without an access schema a client reads everything; owners are never limited', async () => {
      const plain = await addClient(server(), app, ['direct_read_access']);
      const r = await post('/entity', { ...plain, type_name: 'member', id: String(record.id) });
      expect(r.json.result).toMatchObject({ email: record.email, secret: 's3cret', primaryAddress: { city: 'Oslo', zip: '0150' } });
      await setSchema(owner(app), 'read', ['givenName']);
      expect((await asOwner(record.id)).secret).toBe('s3cret');
    });
  });

  describe('write access schema', () => {
    let writer: Credentials;
    const write = (path: string, params: Record<string, string>) => post(path, { ...writer, type_name: 'member', ...params });

    beforeAll(async () => {
      writer = await addClient(server(), app, ['direct_access']);
      await setSchema(writer, 'write', ['givenName', 'primaryAddress.city', 'profiles.domain']);
      await setSchema(writer, 'read', ['givenName', 'familyName', 'primaryAddress']);
    });

    it('entity.update: writable attributes change; one outside is 403 naming it, and nothing changes', async () => {
      const record = await member();
      const ok = await write('/entity.update', { id: String(record.id), attributes: JSON.stringify({ givenName: 'Bea', primaryAddress: { city: 'Bergen' }, profiles: [{ id: record.profiles[0].id, domain: 'new.example' }, { domain: 'added.example' }] }), include_record: 'true' });
      expect(ok.json).toMatchObject({ stat: 'ok' });
      // include_record shows the record through the client's read schema.
      expect(ok.json.result).toEqual({ ...RESERVED, id: record.id, uuid: record.uuid, givenName: 'Bea', familyName: 'Lee', primaryAddress: { city: 'Bergen', zip: '0150' } });
      const after = await asOwner(record.id);
      expect(after.profiles).toEqual([
        { id: record.profiles[0].id, identifier: record.profiles[0].identifier, domain: 'new.example' },
        { id: expect.any(Number), identifier: null, domain: 'added.example' },
      ]);

      const refusals: Array<[unknown, string, string?]> = [
        [{ givenName: 'X', secret: 'leaked' }, 'secret'],
        [{ primaryAddress: { zip: '9999' } }, 'primaryAddress.zip'],
        [{ primaryAddress: null }, 'primaryAddress'],
        [{ profiles: [{ identifier: 'https://other/1' }] }, 'profiles.identifier'],
        [{ profiles: null }, 'profiles'],
        [{ password: 'new password' }, 'password'],
      ];
      for (const [attributes, attribute] of refusals) {
        expect((await write('/entity.update', { id: String(record.id), attributes: JSON.stringify(attributes) })).json).toMatchObject(denied(attribute, 'attributes'));
      }
      expect((await write('/entity.update', { id: String(record.id), value: '{"email":"x@example.com"}' })).json).toMatchObject(denied('email', 'value'));
      expect((await write('/entity.update', { id: String(record.id), attribute_name: 'secret', value: '"leaked"' })).json).toMatchObject(denied('secret', 'value'));
      expect((await write('/entity.update', { id: String(record.id), attribute_name: '/primaryAddress', value: '{"zip":"1"}' })).json).toMatchObject(denied('primaryAddress.zip', 'value'));
      expect(await asOwner(record.id)).toEqual(after);

      expect((await write('/entity.update', { id: String(record.id), attribute_name: '/primaryAddress', value: '{"city":"Tromsø"}' })).json.stat).toBe('ok');
      expect((await write('/entity.update', { id: String(record.id), attribute_name: `/profiles#${record.profiles[0].id}`, value: '{"domain":"el.example"}' })).json.stat).toBe('ok');
      expect(await asOwner(record.id)).toMatchObject({ primaryAddress: { city: 'Tromsø', zip: '0150' }, profiles: [{ identifier: record.profiles[0].identifier, domain: 'el.example' }, { domain: 'added.example' }] });
    });

    it('entity.replace replaces only the writable attributes and leaves the others as they were', async () => {
      const record = await member();
      const r = await write('/entity.replace', { id: String(record.id), attributes: '{"givenName":"Cy"}' });
      expect(r.json).toMatchObject({ stat: 'ok' });
      const after = await asOwner(record.id);
      // givenName set, primaryAddress.city unnamed → null; email, familyName, secret, zip and the
      // plural writable only in part stay.
      expect(after).toEqual({ ...record, lastUpdated: expect.any(String), givenName: 'Cy', primaryAddress: { city: null, zip: '0150' } });
      // The password is still the one it was.
      expect((await post('/entity', { ...owner(app), type_name: 'member', id: String(record.id), password_attribute: 'password', password_value: 'pass word' })).json.stat).toBe('ok');

      expect((await write('/entity.replace', { id: String(record.id), attributes: '{"givenName":"Cy","familyName":"Doe"}' })).json).toMatchObject(denied('familyName', 'attributes'));
      // Replacing a plural drops the elements it does not list: it needs all of the plural.
      expect((await write('/entity.replace', { id: String(record.id), attributes: '{"profiles":[{"domain":"d"}]}' })).json).toMatchObject(denied('profiles', 'attributes'));
      expect(await asOwner(record.id)).toEqual(after);

      expect((await write('/entity.replace', { id: String(record.id), attribute_name: 'primaryAddress', value: '{"city":"Bodø"}' })).json.stat).toBe('ok');
      expect((await asOwner(record.id)).primaryAddress).toEqual({ city: 'Bodø', zip: '0150' });
      const element = record.profiles[0].id;
      expect((await write('/entity.replace', { id: String(record.id), attribute_name: `profiles#${element}`, value: '{"domain":"e.example"}' })).json.stat).toBe('ok');
      expect((await asOwner(record.id)).profiles).toEqual([{ id: element, identifier: record.profiles[0].identifier, domain: 'e.example' }]);
    });

    it('a schema covering a whole plural may replace it, still leaving the rest alone', async () => {
      const plural = await addClient(server(), app, ['direct_access']);
      await setSchema(plural, 'write', ['profiles', 'givenName']);
      const record = await member();
      const r = await post('/entity.replace', { ...plural, type_name: 'member', id: String(record.id), attributes: '{"profiles":[{"identifier":"https://new/1"}]}' });
      expect(r.json).toMatchObject({ stat: 'ok' });
      const after = await asOwner(record.id);
      expect(after).toEqual({ ...record, lastUpdated: expect.any(String), givenName: null, profiles: [{ id: expect.any(Number), identifier: 'https://new/1', domain: null }] });
    });

    it('entity.create and entity.bulkCreate: only writable attributes may be given', async () => {
      const r = await write('/entity.create', { attributes: '{"givenName":"New","primaryAddress":{"city":"Oslo"},"profiles":[{"domain":"x.example"}]}', include_record: 'true' });
      expect(r.json).toMatchObject({ stat: 'ok', result: { givenName: 'New', primaryAddress: { city: 'Oslo', zip: null } } });
      expect(r.json.result).not.toHaveProperty('email');
      expect((await write('/entity.create', { attributes: '{"givenName":"New","email":"new@example.com"}' })).json).toMatchObject(denied('email', 'attributes'));
      expect((await post('/entity.count', { ...owner(app), type_name: 'member', filter: "email = 'new@example.com'" })).json.total_count).toBe(0);

      const bulk = await write('/entity.bulkCreate', { all_attributes: JSON.stringify([{ givenName: 'One' }, { givenName: 'Two', secret: 'x' }, { primaryAddress: { zip: '1' } }]) });
      expect(bulk.json).toMatchObject({ stat: 'ok' });
      expect(bulk.json.results[0]).toEqual(expect.any(Number));
      expect(bulk.json.results[1]).toMatchObject({ stat: 'error', code: 403, error: 'client_permission_error', attribute_name: 'secret' });
      expect(bulk.json.uuid_results[2]).toMatchObject({ code: 403, attribute_name: 'primaryAddress.zip' });
      expect((await asOwner(bulk.json.results[0])).givenName).toBe('One');
    });

    it('entity.delete: a writable attribute may go, anything more is 403', async () => {
      const record = await member();
      expect((await write('/entity.delete', { id: String(record.id), attribute_name: 'primaryAddress/city' })).json.stat).toBe('ok');
      expect((await write('/entity.delete', { id: String(record.id), attribute_name: 'secret' })).json).toMatchObject(denied('secret', 'attribute_name'));
      expect((await write('/entity.delete', { id: String(record.id), attribute_name: 'primaryAddress' })).json).toMatchObject(denied('primaryAddress', 'attribute_name'));
      expect((await write('/entity.delete', { id: String(record.id), attribute_name: `profiles#${record.profiles[0].id}` })).json).toMatchObject(denied('profiles', 'attribute_name'));
      expect((await write('/entity.delete', { id: String(record.id) })).json).toMatchObject({ code: 403 });
      expect((await write('/entity.bulkDelete', { filter: `id = ${record.id}`, commit: 'true' })).json).toMatchObject({ code: 403 });
      expect(await asOwner(record.id)).toMatchObject({ secret: 's3cret', primaryAddress: { city: null, zip: '0150' }, profiles: [{ id: record.profiles[0].id }] });
    });

    it('a key_attribute selector on a write must be readable', async () => {
      const record = await member();
      expect((await write('/entity.update', { key_attribute: 'email', key_value: JSON.stringify(record.email), attributes: '{"givenName":"K"}' })).json).toMatchObject(denied('email', 'key_attribute'));
      expect((await write('/entity.update', { key_attribute: 'familyName', key_value: '"Lee"', attributes: '{"givenName":"K"}' })).json.stat).toBe('ok');
    });
  });

  describe("a user's access token", () => {
    let user: { id: number; uuid: string; email: string };
    let other: { id: number; uuid: string; email: string };
    let token: string;

    beforeAll(async () => {
      user = await createUser(server(), app, { familyName: 'Own' });
      other = await createUser(server(), app, { familyName: 'Other' });
      token = (await tokensFor(server(), app, user, login(app))).access_token;
    });

    it("reads and writes its own record, by default or naming it", async () => {
      expect((await post('/entity', { access_token: token })).json.result).toMatchObject({ id: user.id, email: user.email, familyName: 'Own' });
      expect((await post('/entity', { access_token: token, type_name: 'user', uuid: user.uuid })).json.result.id).toBe(user.id);
      expect((await post('/entity.update', { access_token: token, id: String(user.id), attributes: '{"givenName":"Mine"}' })).json.stat).toBe('ok');
      expect((await post('/entity', { access_token: token, attribute_name: 'givenName' })).json.result).toBe('Mine');
    });

    it('reaches no other record: another uuid or id, another type, a key, or the calls that take no token', async () => {
      const attempts: Array<[string, Record<string, string>, number]> = [
        ['/entity', { uuid: other.uuid }, 403],
        ['/entity', { id: String(other.id) }, 403],
        ['/entity', { type_name: 'member', id: String(user.id) }, 403],
        ['/entity', { key_attribute: 'email', key_value: JSON.stringify(other.email) }, 200],
        ['/entity.update', { uuid: other.uuid, attributes: '{"givenName":"Hacked"}' }, 403],
        ['/entity.update', { id: String(other.id), attributes: '{"givenName":"Hacked"}' }, 403],
        ['/entity.replace', { uuid: other.uuid, attributes: '{"givenName":"Hacked"}' }, 403],
        ['/entity.replace', { id: String(other.id), attributes: '{"givenName":"Hacked"}' }, 403],
        ['/entity.find', { type_name: 'user', filter: `id = ${other.id}` }, 403],
        ['/entity.find', { type_name: 'user' }, 403],
        ['/entity.count', { type_name: 'user', filter: `id = ${other.id}` }, 403],
        ['/versions/entity', { type_name: 'user', id: String(other.id), timestamp: '2200-01-01' }, 403],
        ['/entity.delete', { type_name: 'user', id: String(other.id) }, 403],
        ['/entity.delete', {}, 403],
        ['/entity.create', { type_name: 'user', attributes: '{"givenName":"New"}' }, 403],
        ['/entity.bulkCreate', { type_name: 'user', all_attributes: '[{"givenName":"New"}]' }, 403],
        ['/entity.bulkDelete', { type_name: 'user', filter: 'id > 0', commit: 'true' }, 403],
      ];
      for (const [path, params, code] of attempts) {
        const r = await post(path, { access_token: token, ...params });
        expect({ path, params, answer: r.json }).toMatchObject({ path, params, answer: { stat: 'error', code } });
      }
      // The same through the Authorization header, with the login client's own credentials.
      const header = await call(server().url, '/entity.update', { ...login(app), uuid: other.uuid, attributes: '{"givenName":"Hacked"}' }, { headers: { authorization: `Bearer ${token}` } });
      expect(header.json).toMatchObject({ code: 403 });
      const untouched = (await post('/entity', { ...owner(app), type_name: 'user', id: String(other.id) })).json.result;
      expect(untouched).toMatchObject({ givenName: 'Test', familyName: 'Other' });
      expect((await post('/entity.count', { ...owner(app), type_name: 'user' })).json.total_count).toBe(2);
    });

    it("is limited by the login client's access schemas", async () => {
      await setSchema(login(app), 'read', ['givenName'], 'user');
      await setSchema(login(app), 'write', ['familyName'], 'user');
      expect((await post('/entity', { access_token: token })).json.result).toEqual({ ...RESERVED, id: user.id, uuid: user.uuid, givenName: 'Mine' });
      expect((await post('/entity', { access_token: token, attributes: '["email"]' })).json).toMatchObject(denied('email', 'attributes'));
      expect((await post('/entity.update', { access_token: token, attributes: '{"email":"stolen@example.com"}' })).json).toMatchObject(denied('email', 'attributes'));
      const ok = await post('/entity.update', { access_token: token, attributes: '{"familyName":"Changed"}', include_record: 'true' });
      expect(ok.json).toMatchObject({ stat: 'ok', result: { givenName: 'Mine' } });
      expect(ok.json.result).not.toHaveProperty('familyName');
      const mine = (await post('/entity', { ...owner(app), type_name: 'user', id: String(user.id) })).json.result;
      expect(mine).toMatchObject({ email: user.email, familyName: 'Changed' });
    });
  });

  describe('a metadata client', () => {
    let meta: Credentials;
    let plain: Credentials;
    beforeAll(async () => {
      meta = await addClient(server(), app, ['direct_access', 'metadata']);
      plain = await addClient(server(), app, ['direct_access']);
    });

    it('changes records without moving lastUpdated; the history still has every state', async () => {
      const record = await member();
      await sleep(20);
      const between = new Date().toISOString();
      await sleep(20);
      const update = await post('/entity.update', { ...meta, type_name: 'member', id: String(record.id), attributes: '{"givenName":"Meta"}', last_updated: record.lastUpdated, include_record: 'true' });
      expect(update.json).toMatchObject({ stat: 'ok', result: { givenName: 'Meta', lastUpdated: record.lastUpdated } });
      expect(await asOwner(record.id)).toEqual({ ...record, givenName: 'Meta' });
      // The stored column too: filters on lastUpdated see the old value.
      const same = await post('/entity.count', { ...owner(app), type_name: 'member', filter: `id = ${record.id} and lastUpdated = '${record.lastUpdated}'` });
      expect(same.json.total_count).toBe(1);
      // The guard still holds the first value.
      expect((await post('/entity.replace', { ...meta, type_name: 'member', id: String(record.id), attributes: JSON.stringify({ ...withoutReserved(record), givenName: 'Meta2', password: undefined }), last_updated: record.lastUpdated })).json.stat).toBe('ok');
      expect((await post('/entity.delete', { ...meta, type_name: 'member', id: String(record.id), attribute_name: 'secret' })).json.stat).toBe('ok');
      await sleep(20);
      const later = new Date().toISOString();
      expect((await asOwner(record.id)).lastUpdated).toBe(record.lastUpdated);

      const at = async (timestamp: string) => (await post('/versions/entity', { ...owner(app), type_name: 'member', id: String(record.id), timestamp })).json.result;
      expect(await at(between)).toMatchObject({ givenName: 'Ann', secret: 's3cret', lastUpdated: record.lastUpdated });
      expect(await at(later)).toMatchObject({ givenName: 'Meta2', secret: null, lastUpdated: record.lastUpdated });

      // Another client's write moves it as always.
      await post('/entity.update', { ...plain, type_name: 'member', id: String(record.id), attributes: '{"givenName":"Plain"}' });
      const moved = await asOwner(record.id);
      expect(moved.lastUpdated > record.lastUpdated).toBe(true);
      expect(await at(later)).toMatchObject({ givenName: 'Meta2', lastUpdated: record.lastUpdated });
      expect(await at('2200-01-01')).toMatchObject({ givenName: 'Plain', lastUpdated: moved.lastUpdated });
    });
  });
});

function withoutReserved(record: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, uuid: _uuid, created: _created, lastUpdated: _lastUpdated, ...rest } = record;
  return rest;
}
