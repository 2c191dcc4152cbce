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
    const database = await databaseReachable(runtime.store);
    if (database.ok) return { status: 'ready' };
    // The reason goes to the log only: the probe's answer stays free of internals.
    request.log.warn({ reason: database.reason }, 'readiness check: the database does not answer');
    return reply.code(503).send({ status: 'unavailable' });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('cache-control', 'no-store').type(registry.contentType);
    return registry.metrics();
  });
}
