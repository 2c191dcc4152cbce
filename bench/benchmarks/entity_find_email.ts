import { onBothDatabases } from '../benchmark.js';
import { loadUsers, MILLION, ownerParams, userEmail } from '../user-records.js';

// entity.find by email among 1,000,000 users (setup: loading them, see user-records.ts): owner-client authentication, the entity type, one
// lookup through the per-type unique index on lower(email), one record presented.
export default onBothDatabases({
  name: 'entity_find_email',
  async setup(server) {
    const app = await server.createApp();
    await loadUsers(server, app, MILLION);
    const requests = Array.from({ length: 200 }, (_, k) => {
      const i = Math.floor(((k * 7919) % 200) * (MILLION / 200)) + (k % 97);
      return { path: '/entity.find', form: { ...ownerParams(app), filter: `email = '${userEmail('user', i)}'` } };
    });
    return {
      requests,
      check: (status, body) => (status === 200 && /"result_count":1[,}]/.test(body) ? undefined : `HTTP ${status}: ${body.slice(0, 300)}`),
    };
  },
});
