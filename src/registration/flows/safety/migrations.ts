import type { DomainMigration } from '../../../store/migrate.js';

export const safetyMigrations: DomainMigration[] = [
  {
    name: '0510_safety_login_throttle',
    async up(db) {
      await db.schema
        .createTable('login_throttle')
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
        .addColumn('locked_until', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('login_throttle_pk', ['app_id', 'scope', 'subject'])
        .execute();
      // Lets a sweep drop counters nobody has failed against for a long time.
      await db.schema.createIndex('login_throttle_last_failure').on('login_throttle').column('last_failure_at').execute();
    },
  },
];
