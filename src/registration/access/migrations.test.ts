import { describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { suiteStore } from '../../../test/stores.js';
import { allMigrations } from '../../migrations.js';
import { migrateToLatest } from '../../store/migrate.js';
import { createClient } from '../clients/clients.js';
import { EXPIRED_ACCESS_KEPT_MS, SPENT_REFRESH_KEPT_MS } from './grants.js';

const kinds = await databaseKinds();
const T0 = 1_700_000_000_000;

describe.each(kinds)('migration 0223: tokens issued before it get their sweep time [%s]', (kind) => {
  const fresh = suiteStore(kind, allMigrations.filter((m) => m.name < '0223'));

  it('access tokens a day past expiry, spent refresh tokens 30 days after use, live refresh tokens never', async () => {
    const db = fresh.store.db;
    const app = await fresh.store.write((tx) =>
      tx
        .insertInto('apps')
        .values({ app_id: 'appsweep', realm: 'realmsweep', name: 'sweep', domain: 'sweep.example.com', api_key_digest: 'digestsweep', api_key_sealed: 'sealed', created_at: T0 })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    const appId = Number(app.id);
    const { client_id } = await fresh.store.write((tx) => createClient(tx, appId, { description: 'login', features: ['login_client'] }));
    const row = { app_id: appId, client_id, entity_id: 1, entity_uuid: 'u', type_name: 'user', family: 'f', refresh_secret_sealed: null, created_at: T0 };
    // Columns as 0222 left them: no sweep_at yet.
    const insert = (values: Record<string, unknown>) => db.insertInto('oauth_tokens').values({ ...row, ...values } as never).execute();
    await insert({ kind: 'access', selector: 'a', token_digest: 'da', expires_at: T0 + 3_600_000, used_at: null });
    await insert({ kind: 'refresh', selector: 'b', token_digest: 'db', expires_at: null, used_at: T0 + 60_000 });
    await insert({ kind: 'refresh', selector: 'c', token_digest: 'dc', expires_at: null, used_at: null });

    expect(await migrateToLatest(fresh.store, allMigrations)).toContain('0223_access_oauth_tokens_sweep');
    const rows = await db.selectFrom('oauth_tokens').select(['selector', 'sweep_at']).orderBy('selector').execute();
    expect(rows.map((r) => [r.selector, r.sweep_at === null ? null : Number(r.sweep_at)])).toEqual([
      ['a', T0 + 3_600_000 + EXPIRED_ACCESS_KEPT_MS],
      ['b', T0 + 60_000 + SPENT_REFRESH_KEPT_MS],
      ['c', null],
    ]);
  });
});
