import { sql, type CreateTableBuilder } from 'kysely';
import type { DomainMigration } from '../../store/migrate.js';
import { withSerialId } from '../../store/columns.js';
import { EXPIRED_ACCESS_KEPT_MS, SPENT_REFRESH_KEPT_MS } from './grants.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function subject<T extends string>(table: CreateTableBuilder<T, any>) {
  return table
    .addColumn('entity_id', 'bigint', (c) => c.notNull())
    .addColumn('entity_uuid', 'text', (c) => c.notNull())
    .addColumn('type_name', 'text', (c) => c.notNull());
}

export const accessMigrations: DomainMigration[] = [
  {
    name: '0220_access_grants',
    async up(db, dialect) {
      await subject(
        withSerialId(db.schema.createTable('access_tokens'), dialect)
          .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
          .addColumn('token_digest', 'text', (c) => c.notNull().unique())
          .addColumn('client_id', 'text', (c) => c.notNull().references('api_clients.client_id').onDelete('cascade')),
      )
        .addColumn('family', 'text')
        .addColumn('refresh_secret_sealed', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('access_tokens_entity').on('access_tokens').columns(['app_id', 'entity_id']).execute();
      await db.schema.createIndex('access_tokens_family').on('access_tokens').column('family').execute();

      await subject(
        withSerialId(db.schema.createTable('refresh_tokens'), dialect)
          .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
          .addColumn('token_digest', 'text', (c) => c.notNull().unique())
          .addColumn('client_id', 'text', (c) => c.notNull().references('api_clients.client_id').onDelete('cascade')),
      )
        .addColumn('family', 'text', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('refresh_tokens_entity').on('refresh_tokens').columns(['app_id', 'entity_id']).execute();
      await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family').execute();

      await subject(
        withSerialId(db.schema.createTable('authorization_codes'), dialect)
          .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
          .addColumn('code_digest', 'text', (c) => c.notNull().unique())
          .addColumn('client_id', 'text', (c) => c.notNull().references('api_clients.client_id').onDelete('cascade')),
      )
        .addColumn('redirect_uri', 'text')
        .addColumn('transaction_state', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('family', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('authorization_codes_entity').on('authorization_codes').columns(['app_id', 'entity_id']).execute();

      await subject(
        withSerialId(db.schema.createTable('verification_codes'), dialect)
          .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
          .addColumn('code_digest', 'text', (c) => c.notNull().unique()),
      )
        .addColumn('attribute_name', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('verification_codes_entity').on('verification_codes').columns(['app_id', 'entity_id']).execute();

      await withSerialId(db.schema.createTable('creation_tokens'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('token_digest', 'text', (c) => c.notNull().unique())
        .addColumn('client_id', 'text', (c) => c.notNull().references('api_clients.client_id').onDelete('cascade'))
        .addColumn('type_name', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  {
    name: '0221_access_oauth_tokens',
    async up(db, dialect) {
      // Access and refresh tokens share one table from here on (a pair is one insert). Tokens
      // issued before this migration stop working; clients sign in again.
      await subject(
        withSerialId(db.schema.createTable('oauth_tokens'), dialect)
          .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('token_digest', 'text', (c) => c.notNull().unique())
          .addColumn('client_id', 'text', (c) => c.notNull().references('api_clients.client_id').onDelete('cascade')),
      )
        .addColumn('family', 'text')
        .addColumn('refresh_secret_sealed', 'text')
        .addColumn('expires_at', 'bigint')
        .addColumn('used_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('oauth_tokens_entity').on('oauth_tokens').columns(['app_id', 'entity_id']).execute();
      await db.schema.createIndex('oauth_tokens_family').on('oauth_tokens').column('family').execute();
      await db.schema.dropTable('access_tokens').execute();
      await db.schema.dropTable('refresh_tokens').execute();
    },
  },
  {
    name: '0222_access_oauth_tokens_by_selector',
    async up(db, dialect) {
      // Tokens are found by a time-ordered selector and proven by their digest, which loses its
      // unique index (crypto/time-ordered-tokens.ts). SQLite cannot drop a column's UNIQUE, so
      // the table is made anew; tokens issued before keep working, found by a null selector and
      // their digest.
      await subject(
        withSerialId(db.schema.createTable('oauth_tokens_next'), dialect)
          .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('selector', 'text')
          .addColumn('token_digest', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull().references('api_clients.client_id').onDelete('cascade')),
      )
        .addColumn('family', 'text')
        .addColumn('refresh_secret_sealed', 'text')
        .addColumn('expires_at', 'bigint')
        .addColumn('used_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      const kept = ['app_id', 'kind', 'token_digest', 'client_id', 'entity_id', 'entity_uuid', 'type_name', 'family', 'refresh_secret_sealed', 'expires_at', 'used_at', 'created_at'] as const;
      await db
        .insertInto('oauth_tokens_next' as 'oauth_tokens')
        .columns([...kept])
        .expression((eb) => eb.selectFrom('oauth_tokens').select([...kept]).orderBy('id'))
        .execute();
      await db.schema.dropTable('oauth_tokens').execute();
      await db.schema.alterTable('oauth_tokens_next').renameTo('oauth_tokens').execute();
      // Unique over both columns: without statistics, SQLite's planner rates a lookup that one
      // unique index answers above all others; as a plain index it took the entity index
      // (app_id, entity_id) and read every token of the record. Null selectors are distinct.
      await db.schema.createIndex('oauth_tokens_selector').on('oauth_tokens').columns(['selector', 'token_digest']).unique().execute();
      await db.schema.createIndex('oauth_tokens_entity').on('oauth_tokens').columns(['app_id', 'entity_id']).execute();
      await db.schema.createIndex('oauth_tokens_family').on('oauth_tokens').column('family').execute();
    },
  },
  {
    name: '0223_access_oauth_tokens_sweep',
    async up(db) {
      // Dead tokens are deleted by later grants of their application once their sweep_at has
      // passed (tokens.ts). Rows already there get the time they would have been given.
      await db.schema.alterTable('oauth_tokens').addColumn('sweep_at', 'bigint').execute();
      await db
        .updateTable('oauth_tokens')
        .set((eb) => ({ sweep_at: eb('expires_at', '+', EXPIRED_ACCESS_KEPT_MS) }))
        .where('kind', '=', 'access')
        .execute();
      await db
        .updateTable('oauth_tokens')
        .set((eb) => ({ sweep_at: eb('used_at', '+', SPENT_REFRESH_KEPT_MS) }))
        .where('kind', '=', 'refresh')
        .where('used_at', 'is not', null)
        .execute();
      // Partial: a live refresh token has no sweep time, and issuing one leaves this index alone.
      await db.schema
        .createIndex('oauth_tokens_sweep')
        .on('oauth_tokens')
        .columns(['app_id', 'sweep_at'])
        .where(sql.ref('sweep_at'), 'is not', null)
        .execute();
      // A family is revoked through the entity index (its tokens all belong to one record). The
      // family index had an entry in a random place for every token issued: a dirtied page that
      // SQLite writes whole to the WAL at every commit.
      await db.schema.dropIndex('oauth_tokens_family').execute();
    },
  },
  {
    name: '0224_access_codes_sweep',
    async up(db) {
      // Each new code of an application sweeps a few of its kind long expired (codes.ts).
      for (const table of ['authorization_codes', 'verification_codes', 'creation_tokens']) {
        await db.schema.createIndex(`${table}_expiry`).on(table).columns(['app_id', 'expires_at']).execute();
      }
    },
  },
];
