import type { DomainMigration } from '../../store/migrate.js';
import { withSerialId } from '../../store/columns.js';

export const clientMigrations: DomainMigration[] = [
  {
    name: '0200_clients_api_clients',
    async up(db, dialect) {
      await withSerialId(db.schema.createTable('api_clients'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('client_id', 'text', (c) => c.notNull().unique())
        .addColumn('secret_digest', 'text', (c) => c.notNull())
        .addColumn('secret_sealed', 'text')
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('features', 'text', (c) => c.notNull())
        .addColumn('whitelist', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('api_clients_app').on('api_clients').column('app_id').execute();
    },
  },
  {
    name: '0201_clients_previous_secret',
    async up(db) {
      // One column per statement: SQLite's ALTER TABLE adds a single column.
      await db.schema.alterTable('api_clients').addColumn('previous_secret_digest', 'text').execute();
      await db.schema.alterTable('api_clients').addColumn('previous_secret_sealed', 'text').execute();
      await db.schema.alterTable('api_clients').addColumn('previous_secret_expires_at', 'bigint').execute();
    },
  },
];
