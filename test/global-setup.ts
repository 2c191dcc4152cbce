import pg from 'pg';
import { randomLowerAlnum } from '../src/crypto/secrets.js';
import { ADMIN_URL, postgresAvailable, TEST_DATABASE_PREFIX } from './databases.js';

/** Says once, loudly, when PostgreSQL suites will be skipped; fails the run when CI requires them. */
export default async function setup(): Promise<() => Promise<void>> {
  // Test processes inherit this, so their databases carry this run's name and several runs can share one server.
  process.env.OPENRAIN_TEST_RUN ??= randomLowerAlnum(6);
  const prefix = `${TEST_DATABASE_PREFIX}${process.env.OPENRAIN_TEST_RUN}_`;
  const up = await postgresAvailable();
  if (!up) {
    if (process.env.OPENRAIN_REQUIRE_ALL === '1') throw new Error(`PostgreSQL is required (OPENRAIN_REQUIRE_ALL=1) but ${ADMIN_URL} does not answer`);
    console.warn(`\n!!! PostgreSQL at ${ADMIN_URL} does not answer: every PostgreSQL suite is SKIPPED. Start it to run them. !!!\n`);
  }
  return async () => {
    if (!up) return;
    // Drop this run's databases that a killed test process left behind.
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>("select datname from pg_database where starts_with(datname, $1)", [prefix]);
      for (const { datname } of rows) await client.query(`drop database if exists "${datname}" with (force)`).catch(() => {});
    } finally {
      await client.end();
    }
  };
}
