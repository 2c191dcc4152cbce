import { onBothDatabases } from '../benchmark.js';
import { loadUsers, MILLION, ownerParams } from '../user-records.js';

const PAGES = 50;

// Export pages of 1000 records by `id > N` with sort_on ["id"], at depths spread over the
// 1,000,000 records: each page must cost the same wherever it starts. The baseline reads the
// same pages straight through the driver and serializes them (bench/raw-read.ts), on the server
// core: the ratio is the share of that raw read-and-serialize rate the API keeps.
export default onBothDatabases({
  name: 'entity_page_export',
  unit: 'records/s',
  async setup(server) {
    const app = await server.createApp();
    await loadUsers(server, app, MILLION);
    const first = await server.call('/entity.find', { ...ownerParams(app), sort_on: '["id"]', max_results: '1', attributes: '["id"]' });
    const lowest = Number(first.results[0].id);
    const afters = Array.from({ length: PAGES }, (_, k) => lowest - 1 + Math.floor((k * (MILLION - 1000)) / PAGES));
    const requests = afters.map((after) => ({ path: '/entity.find', form: { ...ownerParams(app), filter: `id > ${after}`, sort_on: '["id"]', max_results: '1000' } }));
    return {
      requests,
      perRequest: 1000,
      connections: 4,
      check: (status, body) => (status === 200 && /"result_count":1000[,}]/.test(body) ? undefined : `HTTP ${status}: ${body.slice(0, 300)}`),
      baseline: {
        describe: 'the same pages read through the driver (the server query, data as JSON) and JSON.stringify-ed, on the server core',
        measure: (ctx) => ctx.runOnServerCore('bench/raw-read.ts', [server.databaseUrl, app.appid, String(ctx.durationSeconds), afters.join(',')]),
      },
    };
  },
});
