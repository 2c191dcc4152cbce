import type { DomainMigration } from '../../../store/migrate.js';
import { withSerialId } from '../../../store/columns.js';
import { provisionStandardFlowForExistingApps } from './provision.js';

export const flowMigrations: DomainMigration[] = [
  {
    name: '0460_flows_flows_versions',
    async up(db, dialect) {
      await withSerialId(db.schema.createTable('flows'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('head_version', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('flows_app_name', ['app_id', 'name'])
        .execute();
      await withSerialId(db.schema.createTable('flow_versions'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('flow_id', 'bigint', (c) => c.notNull().references('flows.id').onDelete('cascade'))
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('flow_versions_flow_version', ['flow_id', 'version'])
        .execute();
      await db.schema.createIndex('flow_versions_app').on('flow_versions').column('app_id').execute();
    },
  },
  {
    // Applications created before flows existed get the standard flow, as new ones do.
    name: '0461_flows_standard_for_existing_apps',
    async up(db) {
      await provisionStandardFlowForExistingApps(db);
    },
  },
];
