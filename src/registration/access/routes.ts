import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { safeEqual } from '../../crypto/secrets.js';
import { ParameterError, RegistrationError } from '../../http/errors.js';
import { intParam, type Params } from '../../http/params.js';
import { registrationRoute } from '../../http/wire.js';
import type { Runtime } from '../../runtime.js';
import { authorize, authorizeOptional, type Authorized } from '../authorize.js';
import { requireClientOfApp, type ApiClient } from '../clients/clients.js';
import { isFresh, signRefresh } from '../clients/signature.js';
import { formatStoredDateTime, nowInstant } from '../records/datetime.js';
import { writeRecord } from '../records/writes.js';
import { getEntityType } from '../schema/entity-types.js';
import { createAuthorizationCode, createCreationToken, createVerificationCode, exchangeAuthorizationCode, spendVerificationCode } from './codes.js';
import { MAX_LIFETIME_SECONDS } from './grants.js';
import { subjectOf, DEFAULT_TYPE_NAME } from './subjects.js';
import { findAccessToken, issueTokens, replaceAccessToken, revokeSubjectAccess, rotateRefreshToken, type IssuedTokens } from './tokens.js';

/** access/*, entity.deleteAccess, oauth/token and oauth/refresh_access_token (NOTES.md §4). */

// Schemas are built once: zod compiles each object schema, which costs more than a parse.
const lifetime = z.object({ lifetime: intParam(1, MAX_LIFETIME_SECONDS).optional() });
const forClient = z.object({ for_client_id: z.string().min(1).max(64).optional() });
const redirectUri = z.string().min(1).max(2048);
const codeParams = lifetime.extend({ redirect_uri: redirectUri });
const creationParams = lifetime.extend({ type_name: z.string().min(1).max(64).optional() });
const verificationParams = lifetime.extend({ attribute_name: z.string().min(1).max(1000).optional() });
const useVerificationParams = z.object({ verification_code: z.string().min(1).max(256) });
const grantType = z.object({ grant_type: z.string().min(1).max(64) });
const codeGrant = z.object({ code: z.string().min(1).max(256), redirect_uri: redirectUri });
const refreshGrant = z.object({ refresh_token: z.string().min(1).max(256) });
const mobileRefresh = z.object({ access_token: z.string().min(1).max(256), date: z.string().min(1).max(64), signature: z.string().min(1).max(256) });
const DEFAULT_VERIFIED_ATTRIBUTE = 'emailVerified';

/** The client a grant is for: `for_client_id` (a client of the same application), else the caller. */
async function grantee(runtime: Runtime, auth: Authorized, params: Params): Promise<ApiClient> {
  const { for_client_id } = params.parse(forClient);
  if (!for_client_id || for_client_id === auth.client.clientId) return auth.client;
  return requireClientOfApp(runtime.store.db, auth.app.id, for_client_id, 'for_client_id');
}

/** oauth/token's answer, keys in this order: the tokens, their type, the code's transaction_state if it had one. */
function tokenAnswer(issued: IssuedTokens, transactionState: unknown): Record<string, unknown> {
  const answer: Record<string, unknown> = { access_token: issued.access_token, expires_in: issued.expires_in };
  if (issued.refresh_token !== undefined) answer.refresh_token = issued.refresh_token;
  answer.token_type = 'Bearer';
  if (transactionState !== undefined) answer.transaction_state = transactionState;
  return answer;
}

/** `transaction_state` is JSON (an object, as Janrain documents it); plain text is kept as a string. */
function transactionState(params: Params): unknown {
  const text = params.get('transaction_state');
  if (text === undefined || text === '') return undefined;
  if (text.length > 16 * 1024) throw new ParameterError('invalid', 'transaction_state', 'too long');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function registerAccessRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { store } = runtime;

  registrationRoute(app, '/access/getAccessToken', async (call) => {
    const auth = await authorize(runtime, call, 'access/getAccessToken');
    const client = await grantee(runtime, auth, call.params);
    const p = call.params.parse(lifetime);
    const { subject } = await subjectOf(runtime, auth.app.id, call.params);
    const issued = await store.write((tx) => issueTokens(runtime, tx, { app: auth.app, client, subject, refresh: false, lifetime: p.lifetime }));
    return { accessToken: issued.access_token };
  });

  registrationRoute(app, '/access/getAuthorizationCode', async (call) => {
    const auth = await authorize(runtime, call, 'access/getAuthorizationCode');
    const client = await grantee(runtime, auth, call.params);
    const p = call.params.parse(codeParams);
    const state = transactionState(call.params);
    const { subject } = await subjectOf(runtime, auth.app.id, call.params);
    const code = await store.write((tx) => createAuthorizationCode(tx, { app: auth.app, client, subject, redirectUri: p.redirect_uri, transactionState: state, lifetime: p.lifetime }));
    return { authorizationCode: code };
  });

  registrationRoute(app, '/access/getCreationToken', async (call) => {
    const auth = await authorize(runtime, call, 'access/getCreationToken');
    const client = await grantee(runtime, auth, call.params);
    const p = call.params.parse(creationParams);
    const type = await getEntityType(store.db, auth.app.id, p.type_name ?? DEFAULT_TYPE_NAME);
    const token = await store.write((tx) => createCreationToken(tx, { app: auth.app, client, typeName: type.name, lifetime: p.lifetime }));
    return { creation_token: token };
  });

  registrationRoute(app, '/access/getVerificationCode', async (call) => {
    const auth = await authorize(runtime, call, 'access/getVerificationCode');
    const p = call.params.parse(verificationParams);
    const { type, subject } = await subjectOf(runtime, auth.app.id, call.params);
    const attributeName = (p.attribute_name ?? DEFAULT_VERIFIED_ATTRIBUTE).replace(/^\/+/, '').replace(/\//g, '.');
    const attr = type.resolve(attributeName);
    if (!attr) throw new RegistrationError(223, `unknown attribute ${attributeName}`, { argumentName: 'attribute_name' });
    if (attr.type !== 'dateTime' || attr.plural) throw new RegistrationError(200, `${attributeName} must be a dateTime attribute outside plurals: the code sets it to the time it is used`, { argumentName: 'attribute_name' });
    const code = await store.write((tx) => createVerificationCode(tx, { app: auth.app, subject, attributeName, lifetime: p.lifetime }));
    return { verification_code: code };
  });

  registrationRoute(app, '/access/useVerificationCode', async (call) => {
    // No authentication needed: the code is the credential. Credentials, when given, confine it to their application.
    const auth = await authorizeOptional(runtime, call, 'access/useVerificationCode');
    const p = call.params.parse(useVerificationParams);
    const spent = await spendVerificationCode(runtime, p.verification_code, auth?.app.id);
    const type = await getEntityType(store.db, spent.appId, spent.subject.typeName);
    const value = nested(spent.attributeName.split('.'), formatStoredDateTime(nowInstant()));
    const record = await writeRecord(runtime, type, { selector: { id: spent.subject.id }, mode: 'update', value, argumentName: 'verification_code', actor: auth?.client.clientId });
    return { uuid: record.uuid };
  });

  registrationRoute(app, '/entity.deleteAccess', async (call) => {
    const auth = await authorize(runtime, call, 'entity.deleteAccess');
    const { subject } = await subjectOf(runtime, auth.app.id, call.params);
    await store.write((tx) => revokeSubjectAccess(tx, auth.app.id, subject.id));
    return {};
  });

  registrationRoute(
    app,
    '/oauth/token',
    async (call) => {
      const auth = await authorize(runtime, call, 'oauth/token');
      const { grant_type } = call.params.parse(grantType);
      if (grant_type === 'authorization_code') {
        const p = call.params.parse(codeGrant);
        const exchanged = await exchangeAuthorizationCode(runtime, auth.app, auth.client, p.code, p.redirect_uri);
        return tokenAnswer(exchanged, exchanged.transaction_state);
      }
      if (grant_type === 'refresh_token') {
        const p = call.params.parse(refreshGrant);
        return tokenAnswer(await rotateRefreshToken(runtime, auth.app, auth.client, p.refresh_token), undefined);
      }
      throw new RegistrationError(200, 'grant_type must be authorization_code or refresh_token', { argumentName: 'grant_type' });
    },
    { surface: 'oauth_token' },
  );

  registrationRoute(app, '/oauth/refresh_access_token', async (call) => {
    const auth = await authorize(runtime, call, 'oauth/refresh_access_token');
    const p = call.params.parse(mobileRefresh);
    const invalid = () => new RegistrationError(402, 'invalid refresh signature, date or access token');
    const token = await findAccessToken(store.db, p.access_token);
    if (!token || token.appId !== auth.app.id || token.clientId !== auth.client.clientId || !token.refreshSecretSealed) throw invalid();
    if (!isFresh(p.date)) throw new RegistrationError(402, 'date must be the current time (YYYY-MM-DD HH:MM:SS, UTC, within 5 minutes)', { argumentName: 'date' });
    const refreshSecret = runtime.sealer.open(token.refreshSecretSealed);
    if (!safeEqual(signRefresh(refreshSecret, p.date, p.access_token), p.signature)) throw invalid();
    const issued = await replaceAccessToken(runtime, auth.app, auth.client, p.access_token, token, refreshSecret);
    if (!issued) throw invalid();
    return { access_token: issued.access_token, expires_in: issued.expires_in };
  });
}

/** `{a: {b: value}}` for the path a.b. */
function nested(path: string[], value: unknown): Record<string, unknown> {
  let out: unknown = value;
  for (const name of [...path].reverse()) out = { [name]: out };
  return out as Record<string, unknown>;
}
