import type { DomainMigration } from '../../store/migrate.js';
import { withSerialId } from '../../store/columns.js';

export const settingsMigrations: DomainMigration[] = [
  {
    name: '0210_settings',
    async up(db, dialect) {
      await withSerialId(db.schema.createTable('settings_defaults'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('settings_defaults_key', ['app_id', 'key'])
        .execute();
      await withSerialId(db.schema.createTable('settings_clients'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('client_id', 'text', (c) => c.notNull().references('api_clients.client_id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('settings_clients_key', ['client_id', 'key'])
        .execute();
      await db.schema.createIndex('settings_clients_app').on('settings_clients').column('app_id').execute();
    },
  },
];
