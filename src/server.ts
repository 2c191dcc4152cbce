import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomLowerAlnum } from './crypto/secrets.js';
import { BODY_LIMIT, installWire } from './http/wire.js';
import type { Runtime } from './runtime.js';

/** The HTTP server with every surface's routes; it does not listen yet. */
export async function buildServer(runtime: Runtime): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: runtime.log as FastifyBaseLogger,
    genReqId: () => randomLowerAlnum(16),
    requestIdLogLabel: 'request_id',
    bodyLimit: BODY_LIMIT,
    trustProxy: process.env.OPENRAIN_TRUST_PROXY === '1',
    disableRequestLogging: false,
    return503OnClosing: true,
  });
  await installWire(app);
  return app;
}
