import { loadConfig } from './config.js';
import { start } from './main.js';
import { allMigrations } from './migrations.js';
import { createLogger } from './ops/logging.js';
import { exitGracefullyOnSignals } from './ops/shutdown.js';
import { migrateToLatest } from './store/migrate.js';
import { openStore } from './store/store.js';
import { flowsCommand } from './registration/flows/model/cli.js';

const USAGE = `usage: openrain <command>

commands:
  serve     migrate the database, then serve HTTP (PORT, HOST, DATABASE_URL, ...)
  migrate   apply pending database migrations and exit
  flows import <file> --app <appId> [--name <flow>]
            import a flow from a JSON file (a new flow, or a new version of it; docs/flows.md)

configuration (environment): PORT, HOST, DATABASE_URL, OPENRAIN_DATA_DIR, OPENRAIN_PUBLIC_URL,
OPENRAIN_PARTNER_KEY, OPENRAIN_SECRET_KEY, SMTP_URL, LOG_LEVEL, OPENRAIN_TRUST_PROXY`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  if (command === 'serve') {
    const config = loadConfig();
    const log = createLogger(config.logLevel);
    const running = await start(config, log);
    log.info({ url: running.url, publicUrl: config.publicUrl }, 'openrain is serving');
    exitGracefullyOnSignals(running.close, log);
    return -1;
  }
  if (command === 'migrate') {
    const config = loadConfig();
    const store = openStore(config.databaseUrl);
    try {
      const applied = await migrateToLatest(store, allMigrations);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    } finally {
      await store.close();
    }
    return 0;
  }
  if (command === 'flows') return flowsCommand(argv.slice(1));
  console.error(USAGE);
  return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(`openrain: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
