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
  });
});
