import type { Benchmark, ServerUnderTest } from '../benchmark.js';
import { startBenchReceiver } from '../webhook-receiver.js';

const TYPE = 'gadget';
const BATCH = 250;
/** Events created ahead of deliveries at most, so that a round ends soon after its duration. */
const MAX_BACKLOG = 3000;

/**
 * Webhook events delivered per second to a local receiver (in the load generator's process),
 * end to end: records made with entity.bulkCreate, each change's events written by the outbox,
 * claimed, signed (RS256) and posted by the server's delivery worker, one at a time per
 * subscription. `webhook_delivery` has one subscription (one ordered stream),
 * `webhook_delivery_parallel` eight (eight streams at once). Baseline: the same signing and
 * posting with no database, on the server's core (bench/webhook-raw-post.ts), with as many
 * streams. Setup: a second.
 */
function delivery(name: string, subscriptions: number, database: 'sqlite' | 'postgres'): Benchmark {
  return {
    name: database === 'postgres' ? `${name}_pg` : name,
    database,
    unit: 'events/s',
    env: { OPENRAIN_ALLOW_PRIVATE_CALLBACKS: '1' },
    async setup(server: ServerUnderTest) {
      const receiver = await startBenchReceiver();
      const app = await server.createApp();
      const owner = { client_id: app.capture_owner_client_id, client_secret: app.capture_owner_client_secret };
      await server.call('/entityType.create', { ...owner, type_name: TYPE, attr_defs: JSON.stringify([{ name: 'label', type: 'string' }]) });
      const paths = Array.from({ length: subscriptions }, (_, i) => `/hook${i}`);
      for (const path of paths) await server.call('/webhooks/add', { ...owner, callback: `${receiver.url}${path}`, event_type: 'ADD', entity_type: TYPE });
      const delivered = () => paths.reduce((n, p) => n + receiver.count(p), 0);
      let made = 0;
      return {
        async measure(ctx) {
          const before = delivered();
          const started = performance.now();
          let created = 0;
          while (performance.now() - started < ctx.durationSeconds * 1000) {
            if (created - (delivered() - before) >= MAX_BACKLOG) {
              await new Promise((resolve) => setTimeout(resolve, 5));
              continue;
            }
            const records = Array.from({ length: BATCH }, () => ({ label: `g${made++}` }));
            await server.call('/entity.bulkCreate', { ...owner, type_name: TYPE, all_attributes: JSON.stringify(records) });
            created += BATCH * subscriptions;
          }
          const until = performance.now() + 120_000;
          while (delivered() - before < created) {
            if (performance.now() > until) throw new Error(`${name}: ${created - (delivered() - before)} events still undelivered after two minutes`);
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
          return created / ((performance.now() - started) / 1000);
        },
        baseline: {
          describe: `RS256 signing and keep-alive POSTs to the same receiver, ${subscriptions} stream(s), no database, on the server core`,
          measure: (ctx) => ctx.runOnServerCore('bench/webhook-raw-post.ts', [receiver.url, String(ctx.durationSeconds), String(subscriptions)]),
        },
      };
    },
  };
}

export default [
  delivery('webhook_delivery', 1, 'sqlite'),
  delivery('webhook_delivery', 1, 'postgres'),
  delivery('webhook_delivery_parallel', 8, 'sqlite'),
  delivery('webhook_delivery_parallel', 8, 'postgres'),
];
