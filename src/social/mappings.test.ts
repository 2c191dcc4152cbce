import { beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/fixtures.js';
import { call, describeEachDatabase } from '../../test/server.js';
import { findAppByApiKey } from '../partner/apps.js';
import { findIdentity, saveIdentity } from './identities.js';
import { xmlOk } from './test-helpers.js';

const FB = 'http://www.facebook.com/profile.php?id=1234567898765432';
const GOOGLE = 'https://www.google.com/profiles/123456789123456789123';
const X = 'https://twitter.com/account/profile?user_id=42';

describeEachDatabase('Account mappings', (server) => {
  const api = (path: string, params: Record<string, string> = {}) => call(server().url, `/api/v2/${path}`, params);

  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(server());
  });

  it('maps identifiers to primary keys without duplicates, and lists them (JSON and XML)', async () => {
    const a = await createTestApp(server());
    expect((await api('map', { apiKey: a.apiKey, identifier: FB, primaryKey: '1' })).json).toEqual({ stat: 'ok' });
    await api('map', { apiKey: a.apiKey, identifier: GOOGLE, primaryKey: '2' });
    await api('map', { apiKey: a.apiKey, identifier: X, primaryKey: '2' });
    await api('map', { apiKey: a.apiKey, identifier: X, primaryKey: '2' });
    expect((await api('map', { apiKey: a.apiKey, identifier: X, primaryKey: '2', overwrite: 'false' })).json).toEqual({ stat: 'ok' });

    expect((await api('mappings', { apiKey: a.apiKey, primaryKey: '2' })).json).toEqual({ stat: 'ok', identifiers: [GOOGLE, X] });
    expect((await api('mappings', { apiKey: a.apiKey, primaryKey: '3' })).json).toEqual({ stat: 'ok', identifiers: [] });
    expect((await api('all_mappings', { apiKey: a.apiKey })).json).toEqual({ stat: 'ok', mappings: { '1': [FB], '2': [GOOGLE, X] } });

    const esc = (s: string) => s.replace(/&/g, '&amp;');
    expect((await api('mappings', { apiKey: a.apiKey, primaryKey: '2', format: 'xml' })).text).toBe(
      xmlOk(`<identifiers><identifier>${GOOGLE}</identifier><identifier>${esc(X)}</identifier></identifiers>`),
    );
    expect((await api('all_mappings', { apiKey: a.apiKey, format: 'xml' })).text).toBe(
      xmlOk(
        `<mappings><mapping><primaryKey>1</primaryKey><identifiers><identifier>${FB}</identifier></identifiers></mapping>` +
          `<mapping><primaryKey>2</primaryKey><identifiers><identifier>${GOOGLE}</identifier><identifier>${esc(X)}</identifier></identifiers></mapping></mappings>`,
      ),
    );
  });

  it('moves an identifier to a new key by default, and refuses with code 5 when overwrite=false', async () => {
    const a = await createTestApp(server());
    await api('map', { apiKey: a.apiKey, identifier: FB, primaryKey: 'alice' });
    const refused = await api('map', { apiKey: a.apiKey, identifier: FB, primaryKey: 'bob', overwrite: 'false' });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ stat: 'fail', err: { code: 5, msg: 'Mapping exists' } });
    expect((await api('mappings', { apiKey: a.apiKey, primaryKey: 'alice' })).json.identifiers).toEqual([FB]);
    await api('map', { apiKey: a.apiKey, identifier: FB, primaryKey: 'bob' });
    expect((await api('all_mappings', { apiKey: a.apiKey })).json.mappings).toEqual({ bob: [FB] });
  });

  it('unmaps one identifier, all of them, and answers code 2 for a mapping that is not there', async () => {
    const a = await createTestApp(server());
    for (const identifier of [FB, GOOGLE, X]) await api('map', { apiKey: a.apiKey, identifier, primaryKey: '7' });
    expect((await api('unmap', { apiKey: a.apiKey, identifier: FB, primaryKey: '7' })).json).toEqual({ stat: 'ok' });
    expect((await api('mappings', { apiKey: a.apiKey, primaryKey: '7' })).json.identifiers).toEqual([GOOGLE, X]);
    // Janrain's own example spells the parameter `identifer`.
    expect((await api('unmap', { apiKey: a.apiKey, identifer: GOOGLE, primaryKey: '7' })).json).toEqual({ stat: 'ok' });
    const gone = await api('unmap', { apiKey: a.apiKey, identifier: GOOGLE, primaryKey: '7' });
    expect(gone.json).toMatchObject({ stat: 'fail', err: { code: 2 } });
    expect((await api('unmap', { apiKey: a.apiKey, identifier: X, primaryKey: '8' })).json.err.code).toBe(2);
    await api('map', { apiKey: a.apiKey, identifier: FB, primaryKey: '7' });
    expect((await api('unmap', { apiKey: a.apiKey, primaryKey: '7', all_identifiers: 'true' })).json).toEqual({ stat: 'ok' });
    expect((await api('all_mappings', { apiKey: a.apiKey })).json.mappings).toEqual({});
    expect((await api('all_mappings', { apiKey: a.apiKey, format: 'xml' })).text).toBe(xmlOk('<mappings></mappings>'));
  });

  it('forgets the provider credentials of unmapped identifiers with unlink=true', async () => {
    const a = await createTestApp(server());
    const { store, sealer } = server().running.runtime;
    const row = (await findAppByApiKey(store.db, a.apiKey))!;
    await store.write(async (tx) => {
      await saveIdentity(tx, sealer, row.id, { identifier: FB, provider: 'facebook', tokens: { accessToken: 'fb-token' } });
      await saveIdentity(tx, sealer, row.id, { identifier: GOOGLE, provider: 'google', tokens: { accessToken: 'g-token' } });
    });
    await api('map', { apiKey: a.apiKey, identifier: FB, primaryKey: '9' });
    await api('map', { apiKey: a.apiKey, identifier: GOOGLE, primaryKey: '9' });
    await api('unmap', { apiKey: a.apiKey, identifier: GOOGLE, primaryKey: '9' });
    expect((await findIdentity(store.db, sealer, row.id, GOOGLE))?.tokens).toEqual({ accessToken: 'g-token' });
    await api('unmap', { apiKey: a.apiKey, primaryKey: '9', all_identifiers: 'true', unlink: 'true' });
    expect((await findIdentity(store.db, sealer, row.id, FB))?.tokens).toBeUndefined();
    expect((await findIdentity(store.db, sealer, row.id, GOOGLE))?.tokens).toEqual({ accessToken: 'g-token' });
  });

  it("keeps each application's mappings to itself", async () => {
    const a = await createTestApp(server());
    await api('map', { apiKey: app.apiKey, identifier: FB, primaryKey: 'mine' });
    expect((await api('mappings', { apiKey: a.apiKey, primaryKey: 'mine' })).json.identifiers).toEqual([]);
    expect((await api('all_mappings', { apiKey: a.apiKey })).json.mappings).toEqual({});
    expect((await api('unmap', { apiKey: a.apiKey, identifier: FB, primaryKey: 'mine' })).json.err.code).toBe(2);
    // The same identifier may belong to a different key in another application.
    await api('map', { apiKey: a.apiKey, identifier: FB, primaryKey: 'theirs', overwrite: 'false' });
    expect((await api('mappings', { apiKey: app.apiKey, primaryKey: 'mine' })).json.identifiers).toEqual([FB]);
  });

  it('checks its parameters', async () => {
    expect((await api('map', { apiKey: app.apiKey, identifier: FB })).json.err).toMatchObject({ code: 0, msg: 'Missing parameter: primaryKey' });
    expect((await api('map', { apiKey: app.apiKey, primaryKey: '1' })).json.err).toMatchObject({ code: 0, msg: 'Missing parameter: identifier' });
    expect((await api('map', { apiKey: app.apiKey, identifier: FB, primaryKey: '1', overwrite: 'maybe' })).json.err.code).toBe(1);
    expect((await api('map', { apiKey: app.apiKey, identifier: FB, primaryKey: 'k'.repeat(256) })).json.err.code).toBe(1);
    expect((await api('unmap', { apiKey: app.apiKey, primaryKey: '1' })).json.err).toMatchObject({ code: 0, msg: 'Missing parameter: identifier' });
    expect((await api('mappings', { apiKey: app.apiKey })).json.err).toMatchObject({ code: 0, msg: 'Missing parameter: primaryKey' });
    for (const path of ['map', 'unmap', 'mappings', 'all_mappings']) expect((await api(path, { apiKey: 'ab'.repeat(20), identifier: FB, primaryKey: '1' })).json.err.code, path).toBe(3);
  });

  it('keeps one mapping when the same identifier is mapped concurrently', async () => {
    const a = await createTestApp(server());
    await Promise.all(Array.from({ length: 6 }, (_, i) => api('map', { apiKey: a.apiKey, identifier: FB, primaryKey: String(i % 2) })));
    const all = (await api('all_mappings', { apiKey: a.apiKey })).json.mappings;
    expect(Object.values(all).flat()).toEqual([FB]);
  });
});
