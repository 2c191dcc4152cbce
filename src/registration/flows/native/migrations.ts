import { withSerialId } from '../../../store/columns.js';
import type { DomainMigration } from '../../../store/migrate.js';

export const nativeMigrations: DomainMigration[] = [
  {
    name: '0480_native_social_tokens',
    async up(db, dialect) {
      await withSerialId(db.schema.createTable('native_social_tokens'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('token_digest', 'text', (c) => c.notNull())
        .addColumn('identifier', 'text', (c) => c.notNull())
        .addColumn('answer_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('native_social_tokens_digest', ['app_id', 'token_digest'])
        .execute();
      await db.schema.createIndex('native_social_tokens_expiry').on('native_social_tokens').columns(['app_id', 'expires_at']).execute();
    },
  },
];
