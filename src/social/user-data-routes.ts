import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { socialErrors } from '../http/errors.js';
import { boolParam } from '../http/params.js';
import { socialRoute } from '../http/wire.js';
import type { AppRow } from '../partner/apps.js';
import { fetchContacts, providerOfIdentifierForApp, refreshProfile } from '../providers/upstream.js';
import type { Runtime } from '../runtime.js';
import { appOfApiKey } from './api-key.js';
import { authInfoBody } from './auth-info-routes.js';
import { findIdentity, saveIdentity, updateIdentityTokens, type StoredIdentity, type StoredUpstreamTokens } from './identities.js';
import { primaryKeyOf } from './mappings.js';

const identifierParam = z.string().trim().min(1).max(2048);
const userDataParams = z.object({ identifier: identifierParam, extended: boolParam.optional() });
// Janrain documents `token`; its own example sends `access_token`.
const accessTokenParams = z.object({ identifier: identifierParam, token: z.string().trim().min(1).max(8192).optional(), access_token: z.string().trim().min(1).max(8192).optional() });
const contactsParams = z.object({ identifier: identifierParam, contactType: z.string().trim().max(32).optional() });

/** The stored identity with usable upstream tokens, or code 8. */
async function credentialed(runtime: Runtime, app: AppRow, identifier: string): Promise<StoredIdentity & { tokens: StoredUpstreamTokens }> {
  const identity = await findIdentity(runtime.store.db, runtime.sealer, app.id, identifier);
  if (!identity?.tokens) throw socialErrors.missingThirdPartyCredentials();
  return identity as StoredIdentity & { tokens: StoredUpstreamTokens };
}

const sameTokens = (a: StoredUpstreamTokens, b: StoredUpstreamTokens) => JSON.stringify(a) === JSON.stringify(b);

/** The calls that act at the provider for a user after sign-in, with the upstream tokens kept then. */
export function registerUserDataRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { store, sealer } = runtime;

  // A fresh profile from the provider, in auth_info's shape; refreshed upstream tokens are kept.
  socialRoute(app, '/api/v2/get_user_data', async ({ params }) => {
    const target = await appOfApiKey(runtime, params);
    const p = params.parse(userDataParams);
    const identity = await credentialed(runtime, target, p.identifier);
    const fresh = await refreshProfile(runtime, target, identity.provider, identity.tokens);
    if (!sameTokens(fresh.tokens, identity.tokens)) await updateIdentityTokens(store, sealer, target.id, p.identifier, fresh.tokens);
    const answer = { profile: { ...fresh.identity.profile }, accessCredentials: fresh.identity.accessCredentials, merged_poco: fresh.identity.mergedPoco, extended: fresh.identity.extended };
    return authInfoBody(answer, { primaryKey: await primaryKeyOf(store.db, target.id, p.identifier), extended: p.extended ?? false });
  });

  // An access token the site obtained itself. It is tried at the provider first, so that a token
  // of somebody else (or none at all) is never filed under this identifier.
  socialRoute(app, '/api/v2/add_or_update_access_token', async ({ params }) => {
    const target = await appOfApiKey(runtime, params);
    const p = params.parse(accessTokenParams);
    const accessToken = p.token ?? p.access_token;
    if (!accessToken) throw socialErrors.missingParameter('token');
    const provider = await providerOfIdentifierForApp(runtime, target, p.identifier);
    if (!provider) throw socialErrors.unsupported('The provider or identifier does not support this feature: no provider of this application issues this identifier');
    const tried = await refreshProfile(runtime, target, provider, { accessToken });
    if (tried.identity.profile.identifier !== p.identifier) throw socialErrors.invalidParameter('token', 'it belongs to another identifier');
    await store.write((tx) => saveIdentity(tx, sealer, target.id, { identifier: p.identifier, provider, tokens: tried.tokens }));
  });

  socialRoute(app, '/api/v2/get_contacts', async ({ params }) => {
    const target = await appOfApiKey(runtime, params);
    const p = params.parse(contactsParams);
    const identity = await credentialed(runtime, target, p.identifier);
    return { response: await fetchContacts(runtime, target, identity.provider, identity.tokens, { contactType: p.contactType || undefined }) };
  });
}
