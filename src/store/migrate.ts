import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect, Store } from './store.js';

/**
 * A schema change owned by one domain. Names sort globally (kysely applies them in name order),
 * so each starts with a sequence number: `0001_partner_apps`.
 */
export interface DomainMigration {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

export async function migrateToLatest(store: Store, migrations: DomainMigration[]): Promise<string[]> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of migrations) {
        if (out[m.name]) throw new Error(`two migrations are named ${m.name}`);
        out[m.name] = { up: (db) => m.up(db, store.dialect) };
      }
      return out;
    },
  };
  // Domains number their migrations in their own ranges, so a new one may sort before another domain's applied one.
  const migrator = new Migrator({ db: store.db, provider, allowUnorderedMigrations: true, migrationTableName: 'openrain_migration', migrationLockTableName: 'openrain_migration_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
