import type { DomainMigration } from './store/migrate.js';
import { partnerMigrations } from './partner/migrations.js';
import { clientMigrations } from './registration/clients/migrations.js';
import { socialMigrations } from './social/migrations.js';
import { schemaMigrations } from './registration/schema/migrations.js';
import { recordMigrations } from './registration/records/migrations.js';
import { providerMigrations } from './providers/migrations.js';
import { settingsMigrations } from './registration/settings/migrations.js';
import { accessMigrations } from './registration/access/migrations.js';
import { webhookMigrations } from './registration/webhooks/migrations.js';
import { mailMigrations } from './mail/migrations.js';
import { safetyMigrations } from './registration/flows/safety/migrations.js';
import { flowMigrations } from './registration/flows/model/migrations.js';
import { nativeMigrations } from './registration/flows/native/migrations.js';

/** Every domain's migrations; names carry a global sequence number so the order is explicit. */
export const allMigrations: DomainMigration[] = [...partnerMigrations, ...clientMigrations, ...socialMigrations, ...schemaMigrations, ...recordMigrations, ...providerMigrations, ...settingsMigrations, ...accessMigrations, ...webhookMigrations, ...mailMigrations, ...safetyMigrations, ...flowMigrations, ...nativeMigrations].sort((a, b) => a.name.localeCompare(b.name));
