import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { registerAuthInfoRoutes } from './auth-info-routes.js';
import { registerMappingRoutes } from './mapping-routes.js';

/** Social Login's sign-in side: the one-time token exchange and the account mappings. */
export function registerSocialLoginRoutes(app: FastifyInstance, runtime: Runtime): void {
  registerAuthInfoRoutes(app, runtime);
  registerMappingRoutes(app, runtime);
}
