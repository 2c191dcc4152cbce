import { z } from 'zod';
import { socialErrors } from '../http/errors.js';
import type { Params } from '../http/params.js';
import { findAppByApiKey, type AppRow } from '../partner/apps.js';
import type { Runtime } from '../runtime.js';

const apiKeyParam = z.object({ apiKey: z.string().trim().min(1) });

/**
 * The application a server-side call's apiKey names: missing → code 0, unknown → code 3.
 * findAppByApiKey keeps applications for up to a second, which the token exchange (once per
 * sign-in, all day long) relies on.
 */
export async function appOfApiKey(runtime: Runtime, params: Params): Promise<AppRow> {
  const { apiKey } = params.parse(apiKeyParam);
  const app = await findAppByApiKey(runtime.store.db, apiKey);
  if (!app) throw socialErrors.invalidApiKey();
  return app;
}
