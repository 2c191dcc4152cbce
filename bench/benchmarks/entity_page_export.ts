import { onBothDatabases } from '../benchmark.js';
import { loadUsers, MILLION, ownerParams } from '../user-records.js';

// Export pages of 1000 records by `id > N` with sort_on ["id"], at depths spread over the
// 1,000,000 records: each page must cost the same wherever it starts.
export default onBothDatabases({
  name: 'entity_page_export',
  unit: 'records/s',
  async setup(server) {
    const app = await server.createApp();
    await loadUsers(server, app, MILLION);
    const first = await server.call('/entity.find', { ...ownerParams(app), sort_on: '["id"]', max_results: '1', attributes: '["id"]' });
    const lowest = Number(first.results[0].id);
    const requests = Array.from({ length: 50 }, (_, k) => {
      const after = lowest - 1 + Math.floor((k * (MILLION - 1000)) / 50);
      return { path: '/entity.find', form: { ...ownerParams(app), filter: `id > ${after}`, sort_on: '["id"]', max_results: '1000' } };
    });
    return {
      requests,
      perRequest: 1000,
      connections: 4,
      check: (status, body) => (status === 200 && /"result_count":1000[,}]/.test(body) ? undefined : `HTTP ${status}: ${body.slice(0, 300)}`),
    };
  },
});
