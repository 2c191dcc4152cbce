import { sql } from 'kysely';
import { withSerialId } from '../../store/columns.js';
import type { DomainMigration } from '../../store/migrate.js';

export const webhookMigrations: DomainMigration[] = [
  {
    name: '0400_webhooks_subscriptions_outbox',
    async up(db, dialect) {
      await withSerialId(db.schema.createTable('webhook_subscriptions'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('capture_app_id', 'text', (c) => c.notNull())
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('callback', 'text', (c) => c.notNull())
        .addColumn('entity_type', 'text', (c) => c.notNull())
        .addColumn('event_types', 'text', (c) => c.notNull())
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_subscriptions_app').on('webhook_subscriptions').columns(['app_id', 'id']).execute();

      await db.schema
        .createTable('webhook_versions')
        .addColumn('app_id', 'bigint', (c) => c.primaryKey().references('apps.id').onDelete('cascade'))
        .addColumn('version', 'bigint', (c) => c.notNull())
        .execute();

      await withSerialId(db.schema.createTable('webhook_events'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('subscription_id', 'bigint', (c) => c.notNull().references('webhook_subscriptions.id').onDelete('cascade'))
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('change_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('entity_type', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'bigint', (c) => c.notNull())
        .addColumn('entity_uuid', 'text', (c) => c.notNull())
        .addColumn('attributes', 'text')
        .addColumn('client_id', 'text')
        .addColumn('occurred_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires', 'bigint')
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('finished_at', 'bigint')
        .execute();
      // History pages of one subscription.
      await db.schema.createIndex('webhook_events_subscription').on('webhook_events').columns(['subscription_id', 'id']).execute();
      // The open events only, so that finding each subscription's earliest open event never walks
      // the delivered history.
      await sql`create index webhook_events_open on webhook_events (subscription_id, id) where status in ('pending', 'delivering')`.execute(db);
      await sql`create index webhook_events_in_flight on webhook_events (subscription_id, lease_expires) where status = 'delivering'`.execute(db);
      await sql`create index webhook_events_finished on webhook_events (finished_at) where status in ('delivered', 'dead')`.execute(db);

      await withSerialId(db.schema.createTable('webhook_attempts'), dialect)
        .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('event_id', 'bigint', (c) => c.notNull().references('webhook_events.id').onDelete('cascade'))
        .addColumn('attempted_at', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('webhook_attempts_event').on('webhook_attempts').columns(['event_id', 'id']).execute();

      await db.schema
        .createTable('webhook_keys')
        .addColumn('app_id', 'bigint', (c) => c.primaryKey().references('apps.id').onDelete('cascade'))
        .addColumn('kid', 'text', (c) => c.notNull())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('private_jwk_sealed', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
];
