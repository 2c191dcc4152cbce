import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Label for requests no route claimed, so that scanners cannot grow the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts every answered request by method, route pattern and status, and times it by route.
 * The registry belongs to this server instance: several servers may run in one process (tests).
 */
export function installMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its answer, by route pattern',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  // Label sets are bounded (routes × methods × statuses), so their children can be kept.
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(v: number): void }>();

  // A callback hook: an async one would cost a promise and a microtask on every request.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
    const status = String(reply.statusCode);
    const key = `${request.method} ${status} ${route}`;
    let counter = counters.get(key);
    if (!counter) counters.set(key, (counter = requests.labels(request.method, route, status)));
    counter.inc();
    let timer = timers.get(route);
    if (!timer) timers.set(route, (timer = duration.labels(route)));
    timer.observe(reply.elapsedTime / 1000);
    done();
  });
  return registry;
}
