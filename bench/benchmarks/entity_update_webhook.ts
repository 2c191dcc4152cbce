import autocannon from 'autocannon';
import type { Benchmark, CreatedApp, ServerUnderTest } from '../benchmark.js';
import { DEFAULT_CONNECTIONS } from '../load.js';
import { startBenchReceiver } from '../webhook-receiver.js';

const RECORDS = 1000;

/**
 * The cost of webhooks on entity.update. Target: entity.update of one application with an
 * UPDATE webhook watching the changed attribute, so every update writes an outbox event;
 * baseline: the same updates of another application of the same server, without webhooks, in
 * the same rounds. Every update sets givenName to a new value, so each one is a change.
 * `entity_update_webhook`: the receiver answers at once, so the delivery worker signs and posts
 * every event on the server's core while the updates run (the whole cost of webhooks).
 * `entity_update_outbox`: the receiver holds its one request unanswered, so delivery stays
 * idle and the figure is the outbox alone (the check, the diff and the event row in the
 * update's transaction). Setup: a few seconds.
 */
function updateLoad(server: ServerUnderTest, app: CreatedApp, uuids: string[]) {
  let n = 0;
  return async (seconds: number): Promise<number> => {
    const base = { client_id: app.capture_owner_client_id, client_secret: app.capture_owner_client_secret, type_name: 'user' };
    let wrong = 0;
    const result = await autocannon({
      url: server.url,
      connections: DEFAULT_CONNECTIONS,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/entity.update',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          setupRequest: (req) => {
            n++;
            const body = new URLSearchParams({ ...base, uuid: uuids[n % uuids.length], attributes: JSON.stringify({ givenName: `Name${n}` }) }).toString();
            return { ...req, body };
          },
          onResponse: (status, body) => {
            if (status !== 200 || !body.includes('"stat":"ok"')) wrong++;
          },
        },
      ],
    });
    if (result.errors + result.timeouts + result.non2xx + wrong > 0) throw new Error(`entity.update: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx, ${wrong} wrong answers`);
    return result.requests.total / result.duration;
  };
}

async function users(server: ServerUnderTest, app: CreatedApp): Promise<string[]> {
  const owner = { client_id: app.capture_owner_client_id, client_secret: app.capture_owner_client_secret, type_name: 'user' };
  const records = Array.from({ length: RECORDS }, (_, i) => ({ email: `webhook.bench${i}@example.com`, givenName: 'Start' }));
  const answer = await server.call('/entity.bulkCreate', { ...owner, all_attributes: JSON.stringify(records) });
  return answer.uuid_results as string[];
}

function outboxCost(name: string, hold: boolean, database: 'sqlite' | 'postgres'): Benchmark {
  return {
    name: database === 'postgres' ? `${name}_pg` : name,
    database,
    env: { OPENRAIN_ALLOW_PRIVATE_CALLBACKS: '1' },
    async setup(server) {
      const receiver = await startBenchReceiver({ hold });
      const watched = await server.createApp();
      const plain = await server.createApp();
      await server.call('/webhooks/add', {
        client_id: watched.capture_owner_client_id,
        client_secret: watched.capture_owner_client_secret,
        callback: `${receiver.url}/updates`,
        event_type: 'UPDATE',
        entity_type: 'user',
        attributes: '["givenName"]',
      });
      const target = updateLoad(server, watched, await users(server, watched));
      const baseline = updateLoad(server, plain, await users(server, plain));
      return {
        measure: (ctx) => target(ctx.durationSeconds),
        baseline: { describe: 'the same entity.update load on an application without webhooks, same server', measure: (ctx) => baseline(ctx.durationSeconds) },
      };
    },
  };
}

export default [
  outboxCost('entity_update_webhook', false, 'sqlite'),
  outboxCost('entity_update_webhook', false, 'postgres'),
  outboxCost('entity_update_outbox', true, 'sqlite'),
  outboxCost('entity_update_outbox', true, 'postgres'),
];
