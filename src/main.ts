import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { createSealer, loadSealingKey } from './crypto/sealer.js';
import { allMigrations } from './migrations.js';
import { bootstrap } from './partner/bootstrap.js';
import type { Runtime } from './runtime.js';
import { buildServer } from './server.js';
import { migrateToLatest } from './store/migrate.js';
import { openStore } from './store/store.js';
import { startDeliveryWorker, type DeliveryWorker } from './registration/webhooks/worker.js';
import { startMailWorker, type MailWorker } from './mail/worker.js';

export interface Running {
  app: FastifyInstance;
  runtime: Runtime;
  /** The URL the server listens on (`http://127.0.0.1:PORT`). */
  url: string;
  close(): Promise<void>;
}

/** Composition root: config → store (migrated) → runtime → HTTP server listening. */
export async function start(config: Config, log: Logger = pino({ level: config.logLevel })): Promise<Running> {
  const store = openStore(config.databaseUrl);
  let webhooks: DeliveryWorker | undefined;
  let mail: MailWorker | undefined;
  try {
    await migrateToLatest(store, allMigrations);
    const sealer = createSealer(loadSealingKey(config.secretKey, config.dataDir));
    const runtime: Runtime = { config, store, sealer, log };
    // Credentials are printed for the person starting the server; a silenced server prints nothing.
    await bootstrap(runtime, (text) => {
      if (config.logLevel !== 'silent') process.stdout.write(text);
    });
    const app = await buildServer(runtime);
    webhooks = await startDeliveryWorker(runtime);
    mail = startMailWorker(store, log, { from: config.mailFrom, smtpUrl: config.smtpUrl, dataDir: config.dataDir, databaseUrl: config.databaseUrl });
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    let closing: Promise<void> | undefined;
    return {
      app,
      runtime,
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
      close: () =>
        (closing ??= (async () => {
          await app.close();
          await webhooks?.close();
          await mail?.stop();
          await store.close();
        })()),
    };
  } catch (err) {
    await webhooks?.close();
    await mail?.stop();
    await store.close();
    throw err;
  }
}
