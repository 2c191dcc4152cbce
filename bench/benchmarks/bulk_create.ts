import { onBothDatabases } from '../benchmark.js';
import { bulkForm } from '../user-records.js';

const BATCH = 1000;
const IN_FLIGHT = 2;

// entity.bulkCreate of `user` records in batches of 1000 (form bodies, as Janrain clients post
// them), against the same rows inserted straight through the driver into the same table, one
// durable transaction per batch, on the server's core. Setup takes a second.
export default onBothDatabases({
  name: 'bulk_create',
  unit: 'records/s',
  async setup(server) {
    const app = await server.createApp();
    let next = 0;
    let rawRound = 0;
    const post = async (start: number) => {
      const res = await fetch(`${server.url}/entity.bulkCreate`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(bulkForm(app, 'bulk', start, BATCH)).toString(),
      });
      const answer = (await res.json()) as { stat: string; results?: unknown[] };
      if (answer.stat !== 'ok' || answer.results?.length !== BATCH || answer.results.some((r) => typeof r !== 'number')) {
        throw new Error(`bulkCreate failed: ${JSON.stringify(answer).slice(0, 300)}`);
      }
    };
    return {
      async measure(ctx) {
        const started = performance.now();
        let created = 0;
        const worker = async () => {
          while (performance.now() - started < ctx.durationSeconds * 1000) {
            const start = next;
            next += BATCH;
            await post(start);
            created += BATCH;
          }
        };
        await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
        return created / ((performance.now() - started) / 1000);
      },
      baseline: {
        describe: 'the same rows inserted through the driver (multi-row INSERT, one durable transaction per 1000) on the server core',
        measure: (ctx) => ctx.runOnServerCore('bench/raw-insert.ts', [server.databaseUrl, app.appid, String(ctx.durationSeconds), `raw${rawRound++}x`]),
      },
    };
  },
});
