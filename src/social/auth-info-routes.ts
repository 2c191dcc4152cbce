import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SocialError } from '../http/errors.js';
import { boolParam, listParam } from '../http/params.js';
import { socialRoute } from '../http/wire.js';
import type { Runtime } from '../runtime.js';
import { appOfApiKey } from './api-key.js';
import { redeemToken, type RedeemedToken, type SignInAnswer } from './tokens.js';

/** The extended sections auth_info adds with `extended=true` when the sign-in produced them. */
const EXTENDED_SECTIONS = ['friends', 'following', 'followers', 'friendships'] as const;

/**
 * The body `auth_info` (and `get_user_data`) answer: `profile` (with `primaryKey` when the
 * identifier is mapped), `accessCredentials`, and with `extended` also `merged_poco` and the
 * provider's friends/following/followers/friendships when it gave them.
 */
export function authInfoBody(answer: SignInAnswer, options: { primaryKey?: string; extended: boolean }): Record<string, unknown> {
  const body: Record<string, unknown> = {
    profile: options.primaryKey === undefined ? answer.profile : { ...answer.profile, primaryKey: options.primaryKey },
  };
  if (answer.accessCredentials && Object.keys(answer.accessCredentials).length) body.accessCredentials = answer.accessCredentials;
  if (options.extended) {
    if (answer.merged_poco && Object.keys(answer.merged_poco).length) body.merged_poco = answer.merged_poco;
    for (const section of EXTENDED_SECTIONS) {
      const value = answer.extended?.[section];
      if (value !== undefined) body[section] = value;
    }
  }
  return body;
}

const tokenParam = z.string().trim().min(1).max(128);
const authInfoParams = z.object({ token: tokenParam, extended: boolParam.optional(), tokenUrl: z.string().max(4096).optional() });

/** Janrain's legacy batch form takes at most this many tokens at once (ours). */
const MAX_BATCH = 100;
const authInfosParams = z.object({ tokens: listParam(tokenParam, MAX_BATCH), extended: boolParam.optional(), tokenUrl: z.string().max(4096).optional() });

const bodyOf = (r: RedeemedToken, extended: boolean) => authInfoBody(r.answer, { primaryKey: r.primaryKey, extended });

/** `auth_info` and its legacy batch form `auth_infos`. */
export function registerAuthInfoRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { store, sealer } = runtime;

  socialRoute(app, '/api/v2/auth_info', async ({ params }) => {
    const target = await appOfApiKey(runtime, params);
    const p = params.parse(authInfoParams);
    const redeemed = await redeemToken(store, sealer, target.id, p.token, { tokenUrl: p.tokenUrl || undefined });
    return bodyOf(redeemed, p.extended ?? false);
  });

  // Legacy: several tokens in one call (`tokens`, a JSON array or comma-separated list). Each is
  // exchanged exactly as by auth_info; the answer maps every token to its auth_info body, or to
  // its own `{stat:"fail",err}` (ours: no surviving document shows Janrain's exact shape).
  socialRoute(app, '/api/v2/auth_infos', async ({ params }) => {
    const target = await appOfApiKey(runtime, params);
    const p = params.parse(authInfosParams);
    const results: Record<string, unknown> = {};
    for (const token of new Set(p.tokens)) {
      try {
        results[token] = { stat: 'ok', ...bodyOf(await redeemToken(store, sealer, target.id, token, { tokenUrl: p.tokenUrl || undefined }), p.extended ?? false) };
      } catch (err) {
        if (!(err instanceof SocialError)) throw err;
        results[token] = { stat: 'fail', err: { code: err.code, msg: err.message } };
      }
    }
    return { auth_infos: results };
  });
}
