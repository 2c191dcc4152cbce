import { digest } from '../../../crypto/secrets.js';
import { RegistrationError, SocialError } from '../../../http/errors.js';
import type { Runtime } from '../../../runtime.js';
import type { Tx } from '../../../store/store.js';
import { redeemToken, type SignInAnswer } from '../../../social/tokens.js';

/**
 * The social identity behind a Social Login token, as the oauth/*_native calls use it. Janrain's
 * two-step calls take the same token twice: auth_native answers 310 and register_native then
 * registers with that token, or auth_native answers 380 and the token comes back as the
 * merge_token of the next sign-in. So the first call redeems the token at Social Login (which
 * spends it there) and keeps its answer here, sealed, under the token's digest; the call that
 * completes with it deletes the row, and of two concurrent completions only one can.
 */

/** How long a taken token stays usable for the next step (ours: time to fill a registration form). */
export const KEPT_TOKEN_MS = 30 * 60_000;
/** Expired rows removed by one take; enough to keep pace, small enough to stay cheap. */
const SWEEP_BATCH = 50;
const TOKEN_SHAPE = /^[0-9a-f]{40}$/;

export interface SocialIdentity {
  identifier: string;
  answer: SignInAnswer;
  /** The token's digest, for useSocialToken. */
  tokenDigest: string;
}

/** Seed 002's answer for a token that is unknown, expired or already used. */
export function invalidToken(argumentName: string): RegistrationError {
  return new RegistrationError(200, 'invalid token', { argumentName });
}

async function findKept(runtime: Runtime, appId: number, tokenDigest: string): Promise<SocialIdentity | undefined> {
  const row = await runtime.store.db
    .selectFrom('native_social_tokens')
    .select(['identifier', 'answer_sealed'])
    .where('app_id', '=', appId)
    .where('token_digest', '=', tokenDigest)
    .where('expires_at', '>', Date.now())
    .executeTakeFirst();
  if (!row) return undefined;
  return { identifier: row.identifier, answer: JSON.parse(runtime.sealer.open(row.answer_sealed)) as SignInAnswer, tokenDigest };
}

/**
 * The identity a Social Login token of the application stands for, without using it up: 200
 * `invalid token` when it is unknown, expired, used, or another application's.
 */
export async function socialIdentityOf(runtime: Runtime, app: { id: number }, token: string, argumentName: string): Promise<SocialIdentity> {
  const given = token.trim().toLowerCase();
  if (!TOKEN_SHAPE.test(given)) throw invalidToken(argumentName);
  const tokenDigest = digest(given);
  const kept = await findKept(runtime, app.id, tokenDigest);
  if (kept) return kept;
  let redeemed;
  try {
    redeemed = await redeemToken(runtime.store, runtime.sealer, app.id, given);
  } catch (err) {
    if (!(err instanceof SocialError)) throw err;
    // A concurrent call may have redeemed it a moment ago and kept it.
    const now = await findKept(runtime, app.id, tokenDigest);
    if (now) return now;
    throw invalidToken(argumentName);
  }
  const now = Date.now();
  await runtime.store.write(async (tx) => {
    const expired = tx.selectFrom('native_social_tokens').select('id').where('app_id', '=', app.id).where('expires_at', '<=', now).limit(SWEEP_BATCH);
    await tx.deleteFrom('native_social_tokens').where('id', 'in', expired).execute();
    await tx
      .insertInto('native_social_tokens')
      .values({
        app_id: app.id,
        token_digest: tokenDigest,
        identifier: redeemed.identifier,
        answer_sealed: runtime.sealer.seal(JSON.stringify(redeemed.answer)),
        created_at: now,
        expires_at: now + KEPT_TOKEN_MS,
      })
      .onConflict((oc) => oc.columns(['app_id', 'token_digest']).doNothing())
      .execute();
  });
  return { identifier: redeemed.identifier, answer: redeemed.answer, tokenDigest };
}

/** Uses up a token taken by socialIdentityOf, inside the caller's transaction: false when another call already did (or it expired). */
export async function useSocialToken(tx: Tx, app: { id: number }, identity: SocialIdentity): Promise<boolean> {
  const gone = await tx.deleteFrom('native_social_tokens').where('app_id', '=', app.id).where('token_digest', '=', identity.tokenDigest).where('expires_at', '>', Date.now()).executeTakeFirst();
  return Number(gone.numDeletedRows) === 1;
}

/** useSocialToken, refusing the call (200 invalid token) when the token was used meanwhile. */
export async function spendSocialToken(tx: Tx, app: { id: number }, identity: SocialIdentity, argumentName: string): Promise<void> {
  if (!(await useSocialToken(tx, app, identity))) throw invalidToken(argumentName);
}
