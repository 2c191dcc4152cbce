import { afterAll, beforeAll } from 'vitest';
import { allMigrations } from '../src/migrations.js';
import { migrateToLatest, type DomainMigration } from '../src/store/migrate.js';
import { openStore, type Store } from '../src/store/store.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.js';

export interface SuiteStore {
  readonly store: Store;
  readonly database: TestDatabase;
}

/**
 * A store over a fresh database of `kind` for the suite that calls this: opened and migrated
 * (all migrations unless given others) before its tests, closed and dropped after them. The
 * suite's own after-hooks run first (vitest runs after-hooks in reverse), so workers it started
 * on the store stop before the store closes.
 */
export function suiteStore(kind: DatabaseKind, migrations: DomainMigration[] = allMigrations): SuiteStore {
  let opened: { store: Store; database: TestDatabase } | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase(kind);
    opened = { store: openStore(database.url), database };
    await migrateToLatest(opened.store, migrations);
  });
  afterAll(async () => {
    await opened?.store.close();
    await opened?.database.drop();
  });
  const current = () => {
    if (!opened) throw new Error('the suite store is not open yet');
    return opened;
  };
  return {
    get store() {
      return current().store;
    },
    get database() {
      return current().database;
    },
  };
}
