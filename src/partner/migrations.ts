import type { DomainMigration } from '../store/migrate.js';
import { withSerialId } from '../store/columns.js';

export const partnerMigrations: DomainMigration[] = [
  {
    name: '0001_partner_apps',
    async up(db, dialect) {
      await db.schema
        .createTable('installation')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await withSerialId(db.schema.createTable('apps'), dialect)
        .addColumn('app_id', 'text', (c) => c.notNull().unique())
        .addColumn('realm', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('api_key_digest', 'text', (c) => c.notNull().unique())
        .addColumn('api_key_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  {
    name: '0002_partner_admins_invites_domains_providers',
    async up(db, dialect) {
      await withSerialId(db.schema.createTable('app_admins'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('notify', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('app_admins_app_email', ['app_id', 'email'])
        .execute();

      await withSerialId(db.schema.createTable('app_invites'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('code_digest', 'text', (c) => c.notNull().unique())
        .addColumn('url_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('app_invites_app').on('app_invites').column('app_id').execute();

      await withSerialId(db.schema.createTable('app_domains'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('domain', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('app_domains_app').on('app_domains').column('app_id').execute();

      for (const [table, column] of [
        ['app_domain_verifications', 'code'],
        ['app_provider_permissions', 'permissions'],
        ['app_provider_properties', 'properties_sealed'],
      ] as const) {
        await db.schema
          .createTable(table)
          .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
          .addColumn('provider', 'text', (c) => c.notNull())
          .addColumn(column, 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['app_id', 'provider'])
          .execute();
      }
    },
  },
];
