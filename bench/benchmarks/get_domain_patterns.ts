import { onBothDatabases } from '../benchmark.js';

// The cheapest authenticated Social Login read: apiKey lookup by digest plus one small query.
export default onBothDatabases({
  name: 'get_domain_patterns',
  async setup(server) {
    const app = await server.createApp();
    await server.call('/api/v2/set_domain_patterns', { apiKey: app.apikey, domains: 'localhost,example.com,*.example.com' });
    return { requests: [{ path: '/api/v2/get_domain_patterns', form: { apiKey: app.apikey } }] };
  },
});
