import { z } from 'zod';
import { ParameterError, RegistrationError } from '../../../http/errors.js';
import type { Call } from '../../../http/wire.js';
import type { Runtime } from '../../../runtime.js';
import { authorize, type Authorized } from '../../authorize.js';
import type { Endpoint } from '../../permissions.js';
import { getEntityType, type EntityType } from '../../schema/entity-types.js';
import { resolveFlow, type Flow } from '../model/index.js';

/**
 * What every oauth/*_native call starts with (NOTES.md §8): the login client (authorize(),
 * `login_client`), the flow, flow_version and locale (resolveFlow), the entity type the flow
 * writes, and how a successful sign-in is to be answered (`response_type`, `redirect_uri`,
 * `refresh_secret`).
 */

export type ResponseType = 'token' | 'code' | 'code_and_token';

export interface Answering {
  responseType: ResponseType;
  /** Binds an authorization code: oauth/token must be given the same one. */
  redirectUri?: string;
  /** Kept (sealed) with the access token for oauth/refresh_access_token. */
  refreshSecret?: string;
}

export interface NativeCall {
  runtime: Runtime;
  call: Call;
  auth: Authorized;
  flow: Flow;
  type: EntityType;
  answering: Answering;
}

const RESPONSE_TYPES: Record<string, ResponseType> = { token: 'token', code: 'code', code_and_token: 'code_and_token', code_with_token: 'code_and_token' };

const answeringParams = z.object({
  response_type: z.string().max(64).optional(),
  redirect_uri: z.string().max(2048).optional(),
  refresh_secret: z.string().max(1024).optional(),
});

function readAnswering(call: Call): Answering {
  const p = call.params.parse(answeringParams);
  const typeText = p.response_type?.trim().toLowerCase() || 'token';
  const responseType = Object.hasOwn(RESPONSE_TYPES, typeText) ? RESPONSE_TYPES[typeText] : undefined;
  if (!responseType) throw new RegistrationError(200, 'response_type must be token, code or code_and_token', { argumentName: 'response_type' });
  const redirectUri = p.redirect_uri?.trim() || undefined;
  // Seed 002: it must begin with http: or https:.
  if (redirectUri !== undefined && !/^https?:/i.test(redirectUri)) throw new ParameterError('invalid', 'redirect_uri', 'must begin with http: or https:');
  if (responseType !== 'token' && redirectUri === undefined) throw new RegistrationError(100, 'missing arguments: redirect_uri (an authorization code is bound to it)', { argumentName: 'redirect_uri' });
  const refreshSecret = p.refresh_secret === undefined || p.refresh_secret === '' ? undefined : p.refresh_secret;
  return { responseType, redirectUri, refreshSecret };
}

/**
 * authorize() for a login call; a client without `login_client` gets seed 002's own 403 answer
 * (`permission_error`, as Janrain words it for these calls).
 */
async function authorizeLogin(runtime: Runtime, call: Call, endpoint: Endpoint): Promise<Authorized> {
  try {
    return await authorize(runtime, call, endpoint);
  } catch (err) {
    if (err instanceof RegistrationError && err.code === 403 && err.description.startsWith('this client lacks the features')) {
      throw new RegistrationError(403, 'This client does not support log in and registration.', { error: 'permission_error' });
    }
    throw err;
  }
}

/** Authorizes the call, resolves its flow and reads how to answer; errors in the order a client fixes them. */
export async function openNativeCall(runtime: Runtime, call: Call, endpoint: Endpoint): Promise<NativeCall> {
  const auth = await authorizeLogin(runtime, call, endpoint);
  const flow = await resolveFlow(runtime.store.db, auth.app, auth.client, call.params);
  const type = await getEntityType(runtime.store.db, auth.app.id, flow.entityType);
  return { runtime, call, auth, flow, type, answering: readAnswering(call) };
}

/** A required text parameter (a token) with sane bounds. */
export function requiredText(call: Call, name: string, max = 256): string {
  const value = call.params.get(name)?.trim();
  if (!value) throw new RegistrationError(100, `missing arguments: ${name}`, { argumentName: name });
  if (value.length > max) throw new ParameterError('invalid', name, 'too long');
  return value;
}

export function optionalText(call: Call, name: string, max = 256): string | undefined {
  const value = call.params.get(name)?.trim();
  if (!value) return undefined;
  if (value.length > max) throw new ParameterError('invalid', name, 'too long');
  return value;
}
