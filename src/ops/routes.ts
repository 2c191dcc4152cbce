import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { databaseReachable } from './health.js';
import { installMetrics } from './metrics.js';

/**
 * Liveness, readiness and Prometheus metrics. Register before the other domains' routes:
 * the metrics hook then sees every route.
 */
export async function registerOpsRoutes(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const registry = installMetrics(app);

  app.get('/healthz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  app.get('/readyz', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (await databaseReachable(runtime.store)) return { status: 'ready' };
    request.log.warn('readiness check: the database does not answer');
    return reply.code(503).send({ status: 'unavailable' });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('cache-control', 'no-store').type(registry.contentType);
    return registry.metrics();
  });
}
