import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { registerAuthInfoRoutes } from './auth-info-routes.js';
import { registerMappingRoutes } from './mapping-routes.js';
import { registerSignInRoutes } from './signin/routes.js';
import { registerUserDataRoutes } from './user-data-routes.js';

/** Social Login's sign-in side: the browser flow, the one-time token exchange, the account mappings, the calls that act at the provider later. */
export function registerSocialLoginRoutes(app: FastifyInstance, runtime: Runtime): void {
  registerAuthInfoRoutes(app, runtime);
  registerMappingRoutes(app, runtime);
  registerSignInRoutes(app, runtime);
  registerUserDataRoutes(app, runtime);
}
