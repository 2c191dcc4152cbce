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
];
