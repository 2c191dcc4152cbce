import type { FastifyRequest } from 'fastify';
import type { Params } from '../http/params.js';
import type { Runtime } from '../runtime.js';
import { authorize, endpointOfRoute, type Authorized } from './authorize.js';

/**
 * The gate the schema and records calls go through: now authorize() for the route being
 * served, so that each call gets the permissions ENDPOINT_RULES gives its endpoint (owner
 * everywhere; direct_access, direct_read_access, access tokens, creation tokens where the
 * table allows them). The name stays so that existing call sites keep working; new code calls
 * authorize() with its endpoint directly.
 */
export function requireOwnerClient(runtime: Runtime, request: FastifyRequest, params: Params): Promise<Authorized> {
  // Not async: an async function returning authorize()'s promise would add turns of the microtask queue to every records call.
  return authorize(runtime, { request, params }, endpointOfRoute(request));
}
