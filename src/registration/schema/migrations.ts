import type { DomainMigration } from '../../store/migrate.js';
import { withSerialId } from '../../store/columns.js';

export const schemaMigrations: DomainMigration[] = [
  {
    name: '0300_schema_entity_types',
    async up(db, dialect) {
      await withSerialId(db.schema.createTable('entity_types'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('schema_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('entity_types_app_name', ['app_id', 'name'])
        .execute();

      await withSerialId(db.schema.createTable('entity_type_versions'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('type_id', 'bigint', (c) => c.notNull().references('entity_types.id').onDelete('cascade'))
        .addColumn('schema_json', 'text', (c) => c.notNull())
        .addColumn('valid_from', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('entity_type_versions_type_time').on('entity_type_versions').columns(['type_id', 'valid_from']).execute();

      await withSerialId(db.schema.createTable('entity_type_properties'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('type_id', 'bigint', (c) => c.notNull().references('entity_types.id').onDelete('cascade'))
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('definition', 'text')
        .addColumn('description', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('entity_type_properties_type').on('entity_type_properties').column('type_id').execute();

      await withSerialId(db.schema.createTable('entity_type_access'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('type_id', 'bigint', (c) => c.notNull().references('entity_types.id').onDelete('cascade'))
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('access_type', 'text', (c) => c.notNull())
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('entity_type_access_one', ['type_id', 'client_id', 'access_type'])
        .execute();
    },
  },
];
