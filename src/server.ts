import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomLowerAlnum } from './crypto/secrets.js';
import { BODY_LIMIT, installWire } from './http/wire.js';
import { lazyRequestLoggers, requestLogController, requestLogger } from './ops/logging.js';
import { registerOpsRoutes } from './ops/routes.js';
import { registerPartnerRoutes } from './partner/routes.js';
import { registerProviderRoutes } from './providers/routes.js';
import { registerRecordRoutes } from './registration/records/routes.js';
import { registerClientRoutes } from './registration/clients/routes.js';
import { registerSettingsRoutes } from './registration/settings/routes.js';
import { registerAccessRoutes } from './registration/access/routes.js';
import { registerSchemaRoutes } from './registration/schema/routes.js';
import { registerWebhookRoutes } from './registration/webhooks/routes.js';
import { registerFlowRoutes } from './registration/flows/model/routes.js';
import { registerNativeRoutes } from './registration/flows/native/routes.js';
import type { Runtime } from './runtime.js';
import { registerSocialLoginRoutes } from './social/login-routes.js';
import { registerSocialRoutes } from './social/routes.js';
import { registerWebRoutes } from './web/routes.js';

/** The HTTP server with every surface's routes; it does not listen yet. */
export async function buildServer(runtime: Runtime): Promise<FastifyInstance> {
  const log = requestLogger(runtime.log);
  const app: FastifyInstance = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    genReqId: () => randomLowerAlnum(16),
    logController: requestLogController(log),
    childLoggerFactory: lazyRequestLoggers,
    bodyLimit: BODY_LIMIT,
    trustProxy: process.env.OPENRAIN_TRUST_PROXY === '1',
    return503OnClosing: true,
  });
  await installWire(app);
  // First, so that its metrics hook covers every route registered after it.
  await registerOpsRoutes(app, runtime);
  await registerPartnerRoutes(app, runtime);
  registerSocialRoutes(app, runtime);
  await registerProviderRoutes(app, runtime);
  registerSocialLoginRoutes(app, runtime);
  registerSchemaRoutes(app, runtime);
  registerRecordRoutes(app, runtime);
  registerClientRoutes(app, runtime);
  registerSettingsRoutes(app, runtime);
  registerAccessRoutes(app, runtime);
  registerFlowRoutes(app, runtime);
  registerNativeRoutes(app, runtime);
  registerWebhookRoutes(app, runtime);
  registerWebRoutes(app, runtime);
  return app;
}
