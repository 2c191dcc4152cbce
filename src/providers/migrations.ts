import type { DomainMigration } from '../store/migrate.js';

export const providerMigrations: DomainMigration[] = [
  {
    name: '0190_providers_app_custom_providers',
    async up(db) {
      await db.schema
        .createTable('app_custom_providers')
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('specifier', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('client_secret_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_custom_providers_pk', ['app_id', 'specifier'])
        .execute();
    },
  },
];
