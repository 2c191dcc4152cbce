import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomLowerAlnum } from '../src/crypto/secrets.js';

export type DatabaseKind = 'sqlite' | 'postgres';

/** PostgreSQL server the tests create their databases on (override with OPENRAIN_TEST_PG). */
export const ADMIN_URL = process.env.OPENRAIN_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const TEST_DATABASE_PREFIX = 'openrain_t_';

let available: Promise<boolean> | undefined;

export function postgresAvailable(): Promise<boolean> {
  return (available ??= (async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })());
}

export interface TestDatabase {
  kind: DatabaseKind;
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of the given kind, with its own data directory. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openrain-test-'));
  if (kind === 'sqlite') {
    return { kind, url: `sqlite:${join(dataDir, 'openrain.db')}`, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `${TEST_DATABASE_PREFIX}${process.env.OPENRAIN_TEST_RUN ?? 'adhoc'}_${randomLowerAlnum(10)}`;
  await adminQuery(`create database "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    dataDir,
    drop: async () => {
      await adminQuery(`drop database if exists "${name}" with (force)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The database kinds this run covers: PostgreSQL only when it answers (CI requires it). */
export async function databaseKinds(): Promise<DatabaseKind[]> {
  return (await postgresAvailable()) || process.env.OPENRAIN_REQUIRE_ALL === '1' ? ['sqlite', 'postgres'] : ['sqlite'];
}
