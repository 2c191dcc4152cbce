import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { socialErrors } from '../http/errors.js';
import { boolParam, jsonParam, listParam, type Params } from '../http/params.js';
import { socialRoute } from '../http/wire.js';
import { findAppByApiKey, type AppRow } from '../partner/apps.js';
import type { Runtime } from '../runtime.js';
import { clientConfiguration } from './client.js';
import {
  customConfig,
  customUpstream,
  DEMO_SPECIFIER,
  deleteCustomProvider,
  getCustomProvider,
  isCustomSpecifier,
  listCustomProviders,
  putCustomProvider,
  type CustomConfig,
  type CustomProvider,
} from './custom.js';
import { mountDemoProvider } from './demo/mount.js';
import { demoIssuer } from './demo/upstream.js';
import { FIELD_NAMES } from './profiles/generic.js';

// Built once: zod compiles an object schema on its first parse, which costs far more than a parse.
const apiKeyParam = z.object({ apiKey: z.string().trim().min(1) });

async function appByApiKey(runtime: Runtime, params: Params): Promise<AppRow> {
  const { apiKey } = params.parse(apiKeyParam);
  const app = await findAppByApiKey(runtime.store.db, apiKey);
  if (!app) throw socialErrors.invalidApiKey();
  return app;
}

const specifierParam = z.object({
  provider: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => isCustomSpecifier(v) || v === DEMO_SPECIFIER, 'must be oidc:<name> or oauth2:<name> (name: a-z, 0-9, _ and -, at most 32)'),
});

const text = (max: number) => z.string().trim().min(1).max(max);
const setParams = z.object({
  remove: boolParam.optional(),
  clientId: text(512).optional(),
  clientSecret: text(4096).optional(),
  displayName: text(100).optional(),
  issuer: text(2048).optional(),
  authorizationEndpoint: text(2048).optional(),
  tokenEndpoint: text(2048).optional(),
  userInfoEndpoint: text(2048).optional(),
  scopes: listParam(z.string().min(1).max(200), 50).optional(),
  scopeSeparator: z.enum(['space', 'comma']).optional(),
  pkce: boolParam.optional(),
  clientAuth: z.enum(['client_secret_post', 'client_secret_basic']).optional(),
  fields: jsonParam(z.record(z.string(), z.string())).optional(),
});

/** A secret as get_provider_config shows it: never in clear, the last four characters of long ones. */
export function maskSecret(secret: string): string {
  return secret.length >= 16 ? `********${secret.slice(-4)}` : '********';
}

function describeProvider(runtime: Runtime, own: CustomProvider): Record<string, unknown> {
  const base = { provider: own.specifier, kind: own.config.kind, clientId: own.clientId, clientSecret: maskSecret(own.clientSecret), updatedAt: new Date(own.updatedAt).toISOString() };
  const c = own.config;
  if (c.kind === 'demo') return { ...base, displayName: 'Demo', issuer: demoIssuer(runtime.config) };
  if (c.kind === 'oidc') return { ...base, displayName: c.displayName, issuer: c.issuer, scopes: c.scopes, pkce: c.pkce, clientAuth: c.clientAuth };
  return {
    ...base,
    displayName: c.displayName,
    issuer: c.issuer,
    authorizationEndpoint: c.authorizationEndpoint,
    tokenEndpoint: c.tokenEndpoint,
    userInfoEndpoint: c.userInfoEndpoint,
    scopes: c.scopes,
    scopeSeparator: c.scopeSeparator === ',' ? 'comma' : 'space',
    pkce: c.pkce,
    clientAuth: c.clientAuth,
    fields: c.fields,
  };
}

/**
 * Social Login calls with which an application configures its own identity providers
 * (docs/providers.md): `set_provider_config` creates, changes or removes a generic OpenID
 * Connect (`oidc:<name>`) or OAuth 2.0 (`oauth2:<name>`) provider; `get_provider_config`
 * lists them with their secrets masked. The demo provider is also served here.
 */
export async function registerProviderRoutes(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { store, sealer } = runtime;

  socialRoute(app, '/api/v2/set_provider_config', async ({ params }) => {
    const target = await appByApiKey(runtime, params);
    const { provider } = params.parse(specifierParam);
    const p = params.parse(setParams);
    const existing = await getCustomProvider(store.db, sealer, target.id, provider);
    if (p.remove) {
      if (!(await deleteCustomProvider(store, target.id, provider))) throw socialErrors.dataNotFound(`no provider ${provider}`);
      return;
    }
    if (provider === DEMO_SPECIFIER) throw socialErrors.invalidParameter('provider', 'the demo provider is only enabled for the demo application created at first start');

    const kind = provider.startsWith('oidc:') ? 'oidc' : 'oauth2';
    const previous = existing && existing.config.kind === kind ? existing.config : undefined;
    const given: Record<string, unknown> = { ...(previous ?? {}), kind };
    for (const key of ['displayName', 'issuer', 'authorizationEndpoint', 'tokenEndpoint', 'userInfoEndpoint', 'pkce', 'clientAuth', 'scopes'] as const) {
      if (p[key] !== undefined) given[key] = p[key];
    }
    if (p.scopeSeparator) given.scopeSeparator = p.scopeSeparator === 'comma' ? ',' : ' ';
    if (p.fields) {
      const unknown = Object.keys(p.fields).find((f) => !(FIELD_NAMES as readonly string[]).includes(f));
      if (unknown) throw socialErrors.invalidParameter('fields', `unknown field ${unknown}; known: ${FIELD_NAMES.join(', ')}`);
      given.fields = p.fields;
    }
    if (kind === 'oauth2') {
      given.fields ??= { id: 'id' };
      if (given.issuer === undefined && typeof given.authorizationEndpoint === 'string') {
        try {
          given.issuer = new URL(given.authorizationEndpoint).origin;
        } catch {
          /* the schema reports the endpoint */
        }
      }
    }
    const parsed = customConfig.safeParse(given);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const name = String(issue.path[0] ?? 'config');
      if (given[name] === undefined) throw socialErrors.missingParameter(name);
      throw socialErrors.invalidParameter(name, issue.message);
    }
    const config = parsed.data as Exclude<CustomConfig, { kind: 'demo' }>;
    const clientId = p.clientId ?? existing?.clientId;
    const clientSecret = p.clientSecret ?? existing?.clientSecret;
    if (!clientId) throw socialErrors.missingParameter('clientId');
    if (!clientSecret) throw socialErrors.missingParameter('clientSecret');
    if (config.kind === 'oidc') {
      // A wrong issuer is reported now rather than at the first user's sign-in.
      try {
        await clientConfiguration(runtime, customUpstream(config).protocol, { clientId, clientSecret });
      } catch (err) {
        throw socialErrors.invalidParameter('issuer', `OpenID Connect discovery failed${err instanceof Error ? `: ${err.message.slice(0, 200)}` : ''}`);
      }
    }
    await putCustomProvider(store, sealer, target.id, provider, config, clientId, clientSecret);
  });

  socialRoute(app, '/api/v2/get_provider_config', async ({ params }) => {
    const target = await appByApiKey(runtime, params);
    const named = params.get('provider');
    if (named !== undefined && named.trim() !== '') {
      const { provider } = params.parse(specifierParam);
      const own = await getCustomProvider(store.db, sealer, target.id, provider);
      if (!own) throw socialErrors.dataNotFound(`no provider ${provider}`);
      return { providers: [describeProvider(runtime, own)] };
    }
    return { providers: (await listCustomProviders(store.db, sealer, target.id)).map((own) => describeProvider(runtime, own)) };
  });

  await mountDemoProvider(app, runtime);
}
