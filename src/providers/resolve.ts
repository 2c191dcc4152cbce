import { socialErrors } from '../http/errors.js';
import type { AppRow } from '../partner/apps.js';
import { getProviderPermissions, getProviderProperties, providerPropertyNames } from '../partner/provider-settings.js';
import type { Runtime } from '../runtime.js';
import { appleClientSecret } from './apple-secret.js';
import { findProvider } from './catalog.js';
import { customUpstream, DEMO_SPECIFIER, getCustomProvider, isCustomSpecifier } from './custom.js';
import { demoUpstream } from './demo/upstream.js';
import type { ProfileAdapter, Protocol } from './spec.js';

/** One provider ready for one application's sign-in: protocol, profile adapter, client and scopes. */
export interface ResolvedProvider {
  /** Canonical specifier (aliases resolved). */
  specifier: string;
  providerName: string;
  protocol: Protocol;
  adapter: ProfileAdapter;
  client: { clientId: string; clientSecret: string; properties: Record<string, string> };
  scopes: string[];
}

/**
 * The provider a specifier names for an application. Unknown → code 1 "Invalid provider";
 * discontinued → 11; no upstream client configured → 1 "<provider> not configured"; a
 * configuration that cannot work (Apple without its key) → 10.
 */
export async function resolveProvider(runtime: Runtime, app: AppRow, name: string): Promise<ResolvedProvider> {
  const specifier = name.trim().toLowerCase();
  if (isCustomSpecifier(specifier) || specifier === DEMO_SPECIFIER) {
    const own = await getCustomProvider(runtime.store.db, runtime.sealer, app.id, specifier);
    if (!own) throw socialErrors.invalidProvider(name);
    const client = { clientId: own.clientId, clientSecret: own.clientSecret, properties: {} };
    if (own.config.kind === 'demo') {
      const spec = demoUpstream(runtime.config);
      return { specifier, providerName: 'Demo', ...spec, client, scopes: [...spec.protocol.scopes] };
    }
    const spec = customUpstream(own.config);
    return { specifier, providerName: own.config.displayName ?? 'Other', ...spec, client, scopes: [...spec.protocol.scopes] };
  }

  const entry = findProvider(specifier);
  if (!entry) throw socialErrors.invalidProvider(name);
  if (entry.status === 'discontinued') throw socialErrors.providerDiscontinued(entry.specifier);
  const { upstream } = entry;

  const stored = await getProviderProperties(runtime.store.db, runtime.sealer, app.id, entry);
  const properties: Record<string, string> = {};
  let clientId = '';
  let clientSecret = '';
  for (const [property, kind] of Object.entries(providerPropertyNames(entry))) {
    const value = stored[property];
    if (typeof value !== 'string' || value === '') continue;
    properties[property] = value;
    if (kind === 'clientId') clientId = value;
    if (kind === 'clientSecret') clientSecret = value;
  }
  if (!clientId || !clientSecret) throw socialErrors.providerNotConfigured(entry.specifier);
  if (entry.specifier === 'apple') {
    const { teamId, keyId } = properties;
    if (!teamId || !keyId) throw socialErrors.notConfigured('Apple needs teamId, keyId and privateKey (app/set_properties)');
    try {
      clientSecret = await appleClientSecret(clientId, { teamId, keyId, privateKey: clientSecret });
    } catch {
      throw socialErrors.notConfigured('the Apple privateKey is not an ES256 PKCS#8 key');
    }
  }
  const chosen = await getProviderPermissions(runtime.store.db, app.id, entry.specifier);
  const scopes = [...new Set([...upstream.protocol.scopes, ...chosen])];
  return { specifier: entry.specifier, providerName: entry.providerName, protocol: upstream.protocol, adapter: upstream.adapter, client: { clientId, clientSecret, properties }, scopes };
}
