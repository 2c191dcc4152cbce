import type { Tx } from '../store/store.js';
import { normalizePattern } from './domain-patterns.js';
import { PROVIDER_LISTS } from './provider-lists.js';

/** Janrain's defaults for a new application's Social Login settings. */
export const DEFAULT_APP_SETTINGS = {
  privacy_policy: null,
  favicon: null,
  domain_redirect: null,
  post_to_token_url: 1,
  one_time_use_tokens: 1,
  google_profile_url: 1,
} as const;

/**
 * Creates a new application's Social Login configuration inside the caller's transaction:
 * default settings, a whitelist of `localhost` and the application's own domain, and empty
 * provider lists.
 */
export async function provisionSocialApp(tx: Tx, appId: number, options: { domain: string }): Promise<void> {
  const now = Date.now();
  await tx.insertInto('social_settings').values({ app_id: appId, ...DEFAULT_APP_SETTINGS, updated_at: now }).execute();

  const patterns = ['localhost'];
  const own = normalizePattern(hostOf(options.domain));
  if (own && !patterns.includes(own)) patterns.push(own);
  await tx.insertInto('social_domain_patterns').values(patterns.map((pattern) => ({ app_id: appId, pattern }))).execute();

  await tx
    .insertInto('social_provider_lists')
    .values(PROVIDER_LISTS.map((list) => ({ app_id: appId, list, providers: '[]', updated_at: now })))
    .execute();
}

/** Applications' domains arrive as bare hosts or as URLs; the whitelist wants the host. */
function hostOf(domain: string): string {
  const text = domain.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      return new URL(text).host;
    } catch {
      return text;
    }
  }
  return text.replace(/\/.*$/, '');
}
