import { z } from 'zod';
import { digest } from '../crypto/secrets.js';
import { socialErrors } from '../http/errors.js';
import type { Params } from '../http/params.js';
import { findAppByApiKey, type AppRow } from '../partner/apps.js';
import type { Runtime } from '../runtime.js';

const apiKeyParam = z.object({ apiKey: z.string().trim().min(1) });

/** The application a server-side call's apiKey names: missing → code 0, unknown → code 3. */
export async function appOfApiKey(runtime: Runtime, params: Params): Promise<AppRow> {
  const { apiKey } = params.parse(apiKeyParam);
  const app = await findAppByApiKey(runtime.store.db, apiKey);
  if (!app) throw socialErrors.invalidApiKey();
  return app;
}

/**
 * How long a looked-up apiKey is trusted without asking the database again, for the token
 * exchange only: sites call auth_info once per sign-in, all day long. A reset or deleted key
 * keeps exchanging tokens for at most this long in each process (tokens of a deleted app are
 * gone with it, so nothing is answered for them).
 */
const TOKEN_EXCHANGE_KEY_TTL_MS = 1000;
const MAX_CACHED_KEYS = 10_000;

/** Per store, so that test servers in one process never see each other's applications. */
const recentKeys = new WeakMap<object, Map<string, { app: AppRow; until: number }>>();

/** appOfApiKey for auth_info: answers from a one-second cache of successful lookups. */
export async function appOfApiKeyForTokenExchange(runtime: Runtime, params: Params): Promise<AppRow> {
  const { apiKey } = params.parse(apiKeyParam);
  let cache = recentKeys.get(runtime.store);
  if (!cache) recentKeys.set(runtime.store, (cache = new Map()));
  const key = digest(apiKey.toLowerCase());
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.app;
  const app = await findAppByApiKey(runtime.store.db, apiKey);
  if (!app) throw socialErrors.invalidApiKey();
  // Only keys that exist are remembered, so unknown keys cannot fill the cache.
  if (cache.size >= MAX_CACHED_KEYS) cache.clear();
  cache.set(key, { app, until: now + TOKEN_EXCHANGE_KEY_TTL_MS });
  return app;
}
