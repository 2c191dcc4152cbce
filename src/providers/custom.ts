import { z } from 'zod';
import type { Sealer } from '../crypto/sealer.js';
import type { Db, Store, Tx } from '../store/store.js';
import { checkUpstreamUrl } from './client.js';
import { FIELD_NAMES, oauth2Adapter, oidcAdapter, type FieldMapping } from './profiles/generic.js';
import type { UpstreamSpec } from './spec.js';

/**
 * Providers an application configures itself. Their specifiers carry their kind, so that they
 * can never collide with a Janrain specifier, today's or a future one: `oidc:<name>` for a
 * generic OpenID Connect provider, `oauth2:<name>` for a generic OAuth 2.0 one. `demo` is the
 * offline demo provider, which only the first-start bootstrap enables.
 */
export const CUSTOM_SPECIFIER = /^(oidc|oauth2):[a-z0-9][a-z0-9_-]{0,31}$/;
export const DEMO_SPECIFIER = 'demo';

export const isCustomSpecifier = (name: string) => CUSTOM_SPECIFIER.test(name);

const urlText = z
  .string()
  .trim()
  .max(2048)
  .superRefine((v, ctx) => {
    try {
      checkUpstreamUrl(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error && err.message.includes('https') ? 'must be an https URL (plain http only on loopback hosts)' : 'must be a URL' });
    }
  });

const scopeName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'is not a valid OAuth scope');

const common = {
  displayName: z.string().trim().min(1).max(100).optional(),
  pkce: z.boolean().default(true),
  clientAuth: z.enum(['client_secret_post', 'client_secret_basic']).default('client_secret_post'),
};

export const oidcConfig = z.object({
  kind: z.literal('oidc'),
  issuer: urlText,
  scopes: z.array(scopeName).max(50).default(['openid', 'profile', 'email']),
  ...common,
});

const fieldPath = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'must be a dot path such as data.id');

export const oauth2Config = z.object({
  kind: z.literal('oauth2'),
  authorizationEndpoint: urlText,
  tokenEndpoint: urlText,
  userInfoEndpoint: urlText,
  /** Namespace of the identifiers (`<issuer>#<id>`); defaults to the authorization endpoint's origin. */
  issuer: urlText,
  scopes: z.array(scopeName).max(50).default([]),
  scopeSeparator: z.enum([' ', ',']).default(' '),
  fields: z.object(Object.fromEntries(FIELD_NAMES.map((f) => [f, f === 'id' ? fieldPath : fieldPath.optional()])) as Record<(typeof FIELD_NAMES)[number], typeof fieldPath>),
  ...common,
});

export const demoConfig = z.object({ kind: z.literal('demo') });

export const customConfig = z.discriminatedUnion('kind', [oidcConfig, oauth2Config, demoConfig]);
export type CustomConfig = z.output<typeof customConfig>;

export interface CustomProvider {
  specifier: string;
  config: CustomConfig;
  clientId: string;
  clientSecret: string;
  updatedAt: number;
}

export async function getCustomProvider(db: Db | Tx, sealer: Sealer, appRowId: number, specifier: string): Promise<CustomProvider | undefined> {
  const row = await db.selectFrom('app_custom_providers').selectAll().where('app_id', '=', appRowId).where('specifier', '=', specifier).executeTakeFirst();
  if (!row) return undefined;
  return { specifier: row.specifier, config: customConfig.parse(JSON.parse(row.config)), clientId: row.client_id, clientSecret: sealer.open(row.client_secret_sealed), updatedAt: Number(row.updated_at) };
}

export async function listCustomProviders(db: Db, sealer: Sealer, appRowId: number): Promise<CustomProvider[]> {
  const rows = await db.selectFrom('app_custom_providers').selectAll().where('app_id', '=', appRowId).orderBy('specifier').execute();
  return rows.map((row) => ({ specifier: row.specifier, config: customConfig.parse(JSON.parse(row.config)), clientId: row.client_id, clientSecret: sealer.open(row.client_secret_sealed), updatedAt: Number(row.updated_at) }));
}

/** The specifiers of an application's own sign-in providers (for set_auth_providers). */
export async function ownProviderSpecifiers(db: Db, appRowId: number): Promise<string[]> {
  const rows = await db.selectFrom('app_custom_providers').select('specifier').where('app_id', '=', appRowId).execute();
  return rows.map((r) => r.specifier);
}

export async function putCustomProvider(store: Store, sealer: Sealer, appRowId: number, specifier: string, config: CustomConfig, clientId: string, clientSecret: string): Promise<void> {
  const now = Date.now();
  const values = { config: JSON.stringify(config), client_id: clientId, client_secret_sealed: sealer.seal(clientSecret), updated_at: now };
  await store.write((tx) =>
    tx
      .insertInto('app_custom_providers')
      .values({ app_id: appRowId, specifier, created_at: now, ...values })
      .onConflict((oc) => oc.columns(['app_id', 'specifier']).doUpdateSet(values))
      .execute(),
  );
}

export async function deleteCustomProvider(store: Store, appRowId: number, specifier: string): Promise<boolean> {
  const result = await store.write((tx) => tx.deleteFrom('app_custom_providers').where('app_id', '=', appRowId).where('specifier', '=', specifier).executeTakeFirst());
  return Number(result.numDeletedRows) > 0;
}

/** How Openrain speaks to an application's generic provider. */
export function customUpstream(config: Exclude<CustomConfig, { kind: 'demo' }>): UpstreamSpec {
  if (config.kind === 'oidc') {
    return {
      protocol: { kind: 'oidc', issuer: config.issuer, scopes: config.scopes, pkce: config.pkce, clientAuth: config.clientAuth },
      adapter: oidcAdapter(config.issuer),
    };
  }
  return {
    protocol: {
      kind: 'oauth2',
      issuer: config.issuer,
      authorizationEndpoint: config.authorizationEndpoint,
      tokenEndpoint: config.tokenEndpoint,
      scopes: config.scopes,
      scopeSeparator: config.scopeSeparator,
      pkce: config.pkce,
      clientAuth: config.clientAuth,
    },
    adapter: oauth2Adapter(config.issuer, config.userInfoEndpoint, config.fields as FieldMapping),
  };
}
