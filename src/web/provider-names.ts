import type { AppRow } from '../partner/apps.js';
import { findProvider } from '../providers/catalog.js';
import { listCustomProviders } from '../providers/custom.js';
import type { Runtime } from '../runtime.js';

export interface ProviderLabel {
  specifier: string;
  displayName: string;
  /** Other names pages may use for it (catalog aliases). */
  aliases: readonly string[];
}

/**
 * What a sign-in button says for each of an application's providers: the catalog's name, or
 * for the application's own providers (`oidc:<name>`, `oauth2:<name>`, `demo`) the name it
 * configured. Own providers are read only when the list has some.
 */
export async function providerLabels(runtime: Runtime, app: AppRow, specifiers: readonly string[]): Promise<ProviderLabel[]> {
  const own = new Map<string, string>();
  if (specifiers.some((s) => !findProvider(s))) {
    for (const provider of await listCustomProviders(runtime.store.db, runtime.sealer, app.id)) {
      const { config } = provider;
      own.set(provider.specifier, config.kind === 'demo' ? 'Demo' : (config.displayName ?? provider.specifier.replace(/^[a-z0-9]+:/, '')));
    }
  }
  return specifiers.map((specifier) => {
    const entry = findProvider(specifier);
    return { specifier, displayName: entry?.displayName ?? own.get(specifier) ?? specifier, aliases: entry?.aliases ?? [] };
  });
}
