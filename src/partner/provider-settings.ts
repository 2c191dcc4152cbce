import type { Sealer } from '../crypto/sealer.js';
import { socialErrors } from '../http/errors.js';
import { findProvider, PROVIDERS, type ProviderEntry } from '../providers/catalog.js';
import type { Db, Tx } from '../store/store.js';

/** The catalog entry a `provider` parameter names; unknown → code 1, discontinued → code 11. */
export function liveProviderNamed(name: string): ProviderEntry {
  const entry = findProvider(name);
  if (!entry) throw socialErrors.invalidProvider(name);
  if (entry.status === 'discontinued') throw socialErrors.providerDiscontinued(entry.specifier);
  return entry;
}

/**
 * Checks a permission list against what the provider lets an application choose: a name no
 * provider knows "does not exist", a name another provider knows "is not supported" here.
 */
export function checkPermissions(entry: ProviderEntry, permissions: string[]): string[] {
  if (entry.permissions.length === 0) throw socialErrors.permissionsNotSupported();
  for (const p of permissions) {
    if (entry.permissions.includes(p)) continue;
    if (PROVIDERS.some((other) => other.permissions.includes(p))) throw socialErrors.permissionNotSupported(p);
    throw socialErrors.permissionDoesNotExist(p);
  }
  return [...new Set(permissions)];
}

export async function getProviderPermissions(db: Db | Tx, appRowId: number, specifier: string): Promise<string[]> {
  const row = await db.selectFrom('app_provider_permissions').select('permissions').where('app_id', '=', appRowId).where('provider', '=', specifier).executeTakeFirst();
  return row ? (JSON.parse(row.permissions) as string[]) : [];
}

export async function setProviderPermissions(tx: Tx, appRowId: number, specifier: string, permissions: string[]): Promise<void> {
  const now = Date.now();
  const value = JSON.stringify(permissions);
  await tx
    .insertInto('app_provider_permissions')
    .values({ app_id: appRowId, provider: specifier, permissions: value, updated_at: now })
    .onConflict((oc) => oc.columns(['app_id', 'provider']).doUpdateSet({ permissions: value, updated_at: now }))
    .execute();
}

/**
 * The properties `app/get_properties` / `app/set_properties` take per provider, with Janrain's
 * names: Facebook's own (`fbAppID`, `fbSecret`, `emailPerm`, `uninstallURL`), every other
 * provider's OAuth client as `consumerKey` / `consumerSecret`.
 */
type PropertyKind = 'clientId' | 'clientSecret' | 'text' | 'boolean';
const FACEBOOK_PROPERTIES: Record<string, PropertyKind> = { fbAppID: 'clientId', fbSecret: 'clientSecret', emailPerm: 'boolean', uninstallURL: 'text' };
const OAUTH_PROPERTIES: Record<string, PropertyKind> = { consumerKey: 'clientId', consumerSecret: 'clientSecret' };
// Apple's client secret is a JWT signed with a developer key; OK's API calls also need the application's public key.
const APPLE_PROPERTIES: Record<string, PropertyKind> = { consumerKey: 'clientId', teamId: 'text', keyId: 'text', privateKey: 'clientSecret' };
const ODNOKLASSNIKI_PROPERTIES: Record<string, PropertyKind> = { ...OAUTH_PROPERTIES, applicationKey: 'text' };

export function providerPropertyNames(entry: ProviderEntry): Record<string, PropertyKind> {
  if (entry.specifier === 'apple') return APPLE_PROPERTIES;
  if (entry.specifier === 'odnoklassniki') return ODNOKLASSNIKI_PROPERTIES;
  return entry.specifier === 'facebook' ? FACEBOOK_PROPERTIES : OAUTH_PROPERTIES;
}

export type ProviderProperties = Record<string, string | boolean>;

async function storedProperties(db: Db | Tx, sealer: Sealer, appRowId: number, specifier: string): Promise<ProviderProperties> {
  const row = await db.selectFrom('app_provider_properties').select('properties_sealed').where('app_id', '=', appRowId).where('provider', '=', specifier).executeTakeFirst();
  return row ? (JSON.parse(sealer.open(row.properties_sealed)) as ProviderProperties) : {};
}

/** Every property of the provider, unset ones as "" (false for booleans), as Janrain answers them. */
export async function getProviderProperties(db: Db | Tx, sealer: Sealer, appRowId: number, entry: ProviderEntry): Promise<ProviderProperties> {
  const stored = await storedProperties(db, sealer, appRowId, entry.specifier);
  const out: ProviderProperties = {};
  for (const [name, kind] of Object.entries(providerPropertyNames(entry))) out[name] = stored[name] ?? (kind === 'boolean' ? false : '');
  return out;
}

/** Merges the given properties into the stored ones (sealed: they hold upstream secrets). */
export async function setProviderProperties(tx: Tx, sealer: Sealer, appRowId: number, entry: ProviderEntry, changes: ProviderProperties): Promise<void> {
  const merged = { ...(await storedProperties(tx, sealer, appRowId, entry.specifier)), ...changes };
  const sealed = sealer.seal(JSON.stringify(merged));
  const now = Date.now();
  await tx
    .insertInto('app_provider_properties')
    .values({ app_id: appRowId, provider: entry.specifier, properties_sealed: sealed, updated_at: now })
    .onConflict((oc) => oc.columns(['app_id', 'provider']).doUpdateSet({ properties_sealed: sealed, updated_at: now }))
    .execute();
}

/**
 * The upstream OAuth client an application configured for a provider, for the sign-in flow;
 * undefined until both halves are set.
 */
export async function providerClientCredentials(db: Db, sealer: Sealer, appRowId: number, specifier: string): Promise<{ clientId: string; clientSecret: string } | undefined> {
  const entry = findProvider(specifier);
  if (!entry) return undefined;
  const stored = await storedProperties(db, sealer, appRowId, entry.specifier);
  let clientId: string | undefined;
  let clientSecret: string | undefined;
  for (const [name, kind] of Object.entries(providerPropertyNames(entry))) {
    const value = stored[name];
    if (typeof value !== 'string' || value === '') continue;
    if (kind === 'clientId') clientId = value;
    if (kind === 'clientSecret') clientSecret = value;
  }
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}
