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
];
