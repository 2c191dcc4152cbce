import { sql } from 'kysely';
import type { DomainMigration } from '../../store/migrate.js';
import { withSerialId } from '../../store/columns.js';

export const recordMigrations: DomainMigration[] = [
  {
    name: '0350_records_entities',
    async up(db, dialect) {
      await withSerialId(db.schema.createTable('entities'), dialect)
        .addColumn('type_id', 'bigint', (c) => c.notNull().references('entity_types.id').onDelete('cascade'))
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('last_updated', 'bigint', (c) => c.notNull())
        .addColumn('data', dialect === 'postgres' ? 'jsonb' : 'text', (c) => c.notNull())
        .execute();
      // `id > N order by id` export pages walk this index: constant work per page at any depth.
      await db.schema.createIndex('entities_type_id').on('entities').columns(['type_id', 'id']).execute();
    },
  },
  {
    name: '0351_records_versions_orphans_unique_values',
    async up(db, dialect) {
      await withSerialId(db.schema.createTable('entity_versions'), dialect)
        .addColumn('type_id', 'bigint', (c) => c.notNull().references('entity_types.id').onDelete('cascade'))
        .addColumn('entity_id', 'bigint', (c) => c.notNull())
        .addColumn('uuid', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('last_updated', 'bigint', (c) => c.notNull())
        .addColumn('superseded', 'bigint', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('entity_versions_entity').on('entity_versions').columns(['entity_id', 'last_updated']).execute();
      await db.schema.createIndex('entity_versions_uuid').on('entity_versions').columns(['uuid', 'last_updated']).execute();
      await db.schema.createIndex('entity_versions_type').on('entity_versions').column('type_id').execute();

      await db.schema
        .createTable('entity_orphans')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('type_id', 'bigint', (c) => c.notNull().references('entity_types.id').onDelete('cascade'))
        .addColumn('entity_id', 'bigint', (c) => c.notNull().references('entities.id').onDelete('cascade'))
        .addColumn('plural', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('orphaned_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('entity_orphans_entity').on('entity_orphans').column('entity_id').execute();
      await db.schema.createIndex('entity_orphans_type').on('entity_orphans').column('type_id').execute();

      await db.schema
        .createTable('entity_unique_values')
        .addColumn('type_id', 'bigint', (c) => c.notNull().references('entity_types.id').onDelete('cascade'))
        .addColumn('attribute', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'bigint', (c) => c.notNull().references('entities.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('entity_unique_values_pk', ['type_id', 'attribute', 'value'])
        .execute();
      await db.schema.createIndex('entity_unique_values_entity').on('entity_unique_values').column('entity_id').execute();

      if (dialect === 'postgres') {
        await sql`create sequence entity_element_ids`.execute(db);
      } else {
        await db.schema
          .createTable('entity_element_counter')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('next_id', 'bigint', (c) => c.notNull())
          .execute();
        await db.insertInto('entity_element_counter').values({ id: 1, next_id: 1 }).execute();
      }
    },
  },
];
