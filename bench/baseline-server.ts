// The baseline of every HTTP benchmark: a bare fastify server that parses the same form body
// and answers a small JSON object. Started by the harness like the server under test.
import formbody from '@fastify/formbody';
import Fastify from 'fastify';

const app = Fastify({ logger: false });
await app.register(formbody);
app.get('/healthz', async () => ({ status: 'ok' }));
app.route({
  method: ['GET', 'POST'],
  url: '*',
  handler: async (request) => ({ stat: 'ok', parameters: Object.keys((request.body as object | undefined) ?? {}).length }),
});
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
