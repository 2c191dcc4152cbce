import type { FastifyRequest } from 'fastify';
import { RegistrationError } from '../http/errors.js';
import type { Params } from '../http/params.js';
import type { Runtime } from '../runtime.js';
import { authenticateClient, type AuthenticatedClient } from './clients/authenticate.js';

/**
 * The one gate of the schema and records calls for now: the caller authenticates as an API
 * client of the application (client_id + client_secret, or HTTP Basic) that has the `owner`
 * feature. Wrong credentials are 402 (from authenticateClient), a client without `owner` is 403.
 * The full permission model (direct_access, access tokens, access schemas) replaces this one
 * function later, so every call site goes through it.
 */
export async function requireOwnerClient(runtime: Runtime, request: FastifyRequest, params: Params): Promise<AuthenticatedClient> {
  const authenticated = await authenticateClient(runtime, request, params);
  if (!authenticated.client.features.includes('owner')) throw new RegistrationError(403, 'this call needs an API client with the owner feature');
  return authenticated;
}
