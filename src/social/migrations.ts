import type { DomainMigration } from '../store/migrate.js';
import { withSerialId } from '../store/columns.js';

export const socialMigrations: DomainMigration[] = [
  {
    name: '0100_social_app_configuration',
    async up(db, dialect) {
      await db.schema
        .createTable('social_settings')
        .addColumn('app_id', 'bigint', (c) => c.primaryKey().references('apps.id').onDelete('cascade'))
        .addColumn('privacy_policy', 'text')
        .addColumn('favicon', 'text')
        .addColumn('domain_redirect', 'text')
        .addColumn('post_to_token_url', 'integer', (c) => c.notNull())
        .addColumn('one_time_use_tokens', 'integer', (c) => c.notNull())
        .addColumn('google_profile_url', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await withSerialId(db.schema.createTable('social_domain_patterns'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('pattern', 'text', (c) => c.notNull())
        .addUniqueConstraint('social_domain_patterns_app_pattern', ['app_id', 'pattern'])
        .execute();

      await db.schema
        .createTable('social_provider_lists')
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('list', 'text', (c) => c.notNull())
        .addColumn('providers', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('social_provider_lists_pk', ['app_id', 'list'])
        .execute();

      await withSerialId(db.schema.createTable('social_backplane_servers'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('server', 'text', (c) => c.notNull())
        .addColumn('bus', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('password_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('social_backplane_servers_app_server_bus', ['app_id', 'server', 'bus'])
        .execute();
    },
  },
  {
    name: '0110_social_signin_tokens_identities_mappings',
    async up(db, dialect) {
      await withSerialId(db.schema.createTable('social_tokens'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('token_digest', 'text', (c) => c.notNull().unique())
        .addColumn('identifier', 'text', (c) => c.notNull())
        .addColumn('answer_sealed', 'text', (c) => c.notNull())
        .addColumn('token_url', 'text', (c) => c.notNull())
        .addColumn('one_time', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      // Each sign-in sweeps its application's expired tokens along this index.
      await db.schema.createIndex('social_tokens_app_expires_at').on('social_tokens').columns(['app_id', 'expires_at']).execute();

      await withSerialId(db.schema.createTable('social_identities'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('identifier', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('tokens_sealed', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('social_identities_app_identifier', ['app_id', 'identifier'])
        .execute();

      await withSerialId(db.schema.createTable('social_mappings'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('identifier', 'text', (c) => c.notNull())
        .addColumn('primary_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('social_mappings_app_identifier', ['app_id', 'identifier'])
        .execute();
      await db.schema.createIndex('social_mappings_app_primary_key').on('social_mappings').columns(['app_id', 'primary_key']).execute();
    },
  },
  {
    name: '0111_social_tokens_by_selector',
    async up(db, dialect) {
      // Tokens are found by a time-ordered selector instead of a unique index on their digest
      // (crypto/time-ordered-tokens.ts). They live five minutes and their text was never
      // stored, so the table is made anew: a sign-in finishing during the upgrade starts again.
      await db.schema.dropTable('social_tokens').execute();
      await withSerialId(db.schema.createTable('social_tokens'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('selector', 'text', (c) => c.notNull())
        .addColumn('token_digest', 'text', (c) => c.notNull())
        .addColumn('identifier', 'text', (c) => c.notNull())
        .addColumn('answer_sealed', 'text', (c) => c.notNull())
        .addColumn('token_url', 'text', (c) => c.notNull())
        .addColumn('one_time', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      // Unique over every column the consume statement names, so that neither planner weighs
      // the expiry index below, which holds every live token of the application: SQLite (no
      // statistics) took it over a plain selector index, and PostgreSQL ANDed it with a
      // (selector, token_digest) one, reading ~60,000 entries per auth_info.
      await db.schema.createIndex('social_tokens_selector').on('social_tokens').columns(['app_id', 'selector', 'token_digest']).unique().execute();
      // Each sign-in sweeps its application's expired tokens along this index.
      await db.schema.createIndex('social_tokens_app_expires_at').on('social_tokens').columns(['app_id', 'expires_at']).execute();
    },
  },
];
