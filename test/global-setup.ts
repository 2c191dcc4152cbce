import pg from 'pg';
import { ADMIN_URL, postgresAvailable } from './databases.js';

/** Says once, loudly, when PostgreSQL suites will be skipped; fails the run when CI requires them. */
export default async function setup(): Promise<() => Promise<void>> {
  const up = await postgresAvailable();
  if (!up) {
    if (process.env.OPENRAIN_REQUIRE_ALL === '1') throw new Error(`PostgreSQL is required (OPENRAIN_REQUIRE_ALL=1) but ${ADMIN_URL} does not answer`);
    console.warn(`\n!!! PostgreSQL at ${ADMIN_URL} does not answer: every PostgreSQL suite is SKIPPED. Start it to run them. !!!\n`);
  }
  return async () => {
    if (!up) return;
    // Drop databases left behind by test processes that were killed.
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>("select datname from pg_database where datname like 'openrain_t_%'");
      for (const { datname } of rows) await client.query(`drop database if exists "${datname}" with (force)`).catch(() => {});
    } finally {
      await client.end();
    }
  };
}
