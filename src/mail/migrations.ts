import { sql } from 'kysely';
import { withSerialId } from '../store/columns.js';
import type { DomainMigration } from '../store/migrate.js';

export const mailMigrations: DomainMigration[] = [
  {
    name: '0500_mail_queue',
    async up(db, dialect) {
      await withSerialId(db.schema.createTable('mail_queue'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('locale', 'text', (c) => c.notNull())
        .addColumn('variables', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();
      await db.schema.createIndex('mail_queue_app').on('mail_queue').columns(['app_id', 'id']).execute();
      // The worker's two questions: what is due, and whose lease ran out.
      await sql`create index mail_queue_due on mail_queue (next_attempt_at) where status = 'pending'`.execute(db);
      await sql`create index mail_queue_leased on mail_queue (lease_expires) where status = 'sending'`.execute(db);
    },
  },
  {
    name: '0501_mail_queue_finished',
    async up(db) {
      // The retention sweep: sent and given-up mail, oldest first.
      await sql`create index mail_queue_finished on mail_queue (finished_at) where status in ('sent', 'failed')`.execute(db);
    },
  },
];
