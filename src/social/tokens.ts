import type { Sealer } from '../crypto/sealer.js';
import { digest } from '../crypto/secrets.js';
import { selectorOf, timeOrderedHexToken } from '../crypto/time-ordered-tokens.js';
import { SocialError, socialErrors } from '../http/errors.js';
import { sql } from 'kysely';
import { prepared } from '../store/prepared.js';
import type { Db, Store, Tx } from '../store/store.js';
import { preparedSweep } from '../store/sweep.js';
import { primaryKeyOf } from './mappings.js';

/** How long a sign-in token can be exchanged with `auth_info` (Janrain: "within minutes"). */
export const TOKEN_LIFETIME_MS = 5 * 60_000;

/** Largest `tokens` list one `issueTokens` insert carries (PostgreSQL caps bound parameters). */
const INSERT_CHUNK = 500;
/** Expired tokens removed by one sign-in; enough to keep pace, small enough to stay cheap. */
const SWEEP_BATCH = 50;
const sweepExpired = preparedSweep('social_tokens', 'expires_at', SWEEP_BATCH);

/** What `auth_info` answers for a token, as the sign-in produced it. */
export interface SignInAnswer {
  profile: Record<string, unknown>;
  accessCredentials?: Record<string, unknown>;
  merged_poco?: Record<string, unknown>;
  /** `friends`, `following`, `followers`, `friendships`: only given with `extended=true`. */
  extended?: Record<string, unknown>;
}

export interface TokenGrant {
  identifier: string;
  answer: SignInAnswer;
  /** The token_url the browser was sent to; `auth_info`'s `tokenUrl` must match it. */
  tokenUrl: string;
  /** The application's oneTimeUseTokens setting at sign-in. */
  oneTime: boolean;
}

export interface RedeemedToken {
  identifier: string;
  answer: SignInAnswer;
  /** The primary key the identifier is mapped to (`map`), if any. */
  primaryKey?: string;
}

/** 40 hex characters, like Janrain's tokens (some SDKs check the length); ours begin with their time. */
const TOKEN_SHAPE = /^[0-9a-f]{40}$/;

/**
 * The form of a token URL that `auth_info`'s `tokenUrl` is compared in: sites often pass the URL
 * they were called on, which carries the `token` we appended and maybe a fragment.
 */
export function tokenUrlKey(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    parsed.searchParams.delete('token');
    parsed.hash = '';
    return parsed.href;
  } catch {
    return undefined;
  }
}

function rowFor(sealer: Sealer, appRowId: number, grant: TokenGrant, now: number) {
  const token = timeOrderedHexToken();
  const key = tokenUrlKey(grant.tokenUrl);
  if (key === undefined) throw socialErrors.invalidParameter('token_url', 'not a URL');
  return {
    token,
    row: {
      app_id: appRowId,
      selector: selectorOf(token),
      token_digest: digest(token),
      identifier: grant.identifier,
      answer_sealed: sealer.seal(JSON.stringify(grant.answer)),
      token_url: key,
      one_time: grant.oneTime ? 1 : 0,
      created_at: now,
      expires_at: now + TOKEN_LIFETIME_MS,
    },
  };
}

/** Creates a token inside the caller's transaction and returns it (only its digest is stored). */
export async function issueToken(tx: Tx, sealer: Sealer, appRowId: number, grant: TokenGrant, now = Date.now()): Promise<string> {
  const { token, row } = rowFor(sealer, appRowId, grant, now);
  await sweepExpired(tx, appRowId, now);
  await tx.insertInto('social_tokens').values(row).execute();
  return token;
}

/**
 * Creates many tokens at once, for imports and for the `auth_info` benchmark, which exchanges
 * pre-made tokens instead of signing in through a browser for each.
 */
export async function issueTokens(store: Store, sealer: Sealer, appRowId: number, grants: readonly TokenGrant[], now = Date.now()): Promise<string[]> {
  const made = grants.map((g) => rowFor(sealer, appRowId, g, now));
  for (let i = 0; i < made.length; i += INSERT_CHUNK) {
    const rows = made.slice(i, i + INSERT_CHUNK).map((m) => m.row);
    await store.write((tx) => tx.insertInto('social_tokens').values(rows).execute());
  }
  return made.map((m) => m.token);
}

function tokenUrlMismatch(): SocialError {
  // Janrain answers code 3 with this message; its clients match on the message's start.
  return new SocialError(3, 'Token URL mismatch: tokenUrl differs from the token_url the token was sent to', 401);
}

/**
 * Exchanges a token for its answer. A one-time token is consumed by the same statement that
 * reads it (DELETE … RETURNING), so that of two concurrent calls exactly one succeeds; an expired
 * one is consumed too (it is dead either way) and refused. Unknown, expired, used and other
 * applications' tokens are all "Data not found" (code 2).
 */
export async function redeemToken(store: Store, sealer: Sealer, appRowId: number, token: string, options: { tokenUrl?: string; now?: number } = {}): Promise<RedeemedToken> {
  const given = token.trim().toLowerCase();
  if (!TOKEN_SHAPE.test(given)) throw socialErrors.dataNotFound();
  const now = options.now ?? Date.now();
  const tokenDigest = digest(given);
  const selector = selectorOf(given);
  const wantedUrl = options.tokenUrl === undefined ? undefined : (tokenUrlKey(options.tokenUrl) ?? '');

  const consumed = (
    await store.writeStatement((db) => (wantedUrl === undefined ? consume(db, appRowId, selector, tokenDigest) : consumeAtUrl(db, appRowId, selector, tokenDigest, wantedUrl)))
  )[0];
  if (consumed) {
    if (Number(consumed.expires_at) <= now) throw socialErrors.dataNotFound();
    return redeemed(sealer, consumed);
  }

  // Not consumable: a reusable token, or a refusal whose reason the caller should learn.
  const row = await store.db
    .selectFrom('social_tokens')
    .select(['identifier', 'answer_sealed', 'token_url', 'one_time', 'expires_at'])
    .where('app_id', '=', appRowId)
    .where('selector', '=', selector)
    .where('token_digest', '=', tokenDigest)
    .executeTakeFirst();
  if (!row || row.expires_at <= now) throw socialErrors.dataNotFound();
  if (wantedUrl !== undefined && row.token_url !== wantedUrl) throw tokenUrlMismatch();
  // A one-time token still here was consumed by a concurrent call after our attempt failed.
  if (row.one_time === 1) throw socialErrors.dataNotFound();
  return redeemed(sealer, { ...row, primary_key: (await primaryKeyOf(store.db, appRowId, row.identifier)) ?? null });
}

/**
 * The statement that consumes a one-time token and reads its answer and mapping: the whole
 * database work of a successful auth_info. `withUrl` adds the token URL to what must match;
 * expiry is judged on the returned row.
 */
export function consumeStatement(db: Db, withUrl: boolean, appRowId: number, selector: string, tokenDigest: string, tokenUrl: string) {
  let query = db.deleteFrom('social_tokens').where('app_id', '=', appRowId).where('selector', '=', selector).where('token_digest', '=', tokenDigest).where('one_time', '=', sql.lit(1));
  if (withUrl) query = query.where('token_url', '=', tokenUrl);
  return query.returning((eb) => [
    'expires_at',
    'identifier',
    'answer_sealed',
    eb
      .selectFrom('social_mappings')
      .select('social_mappings.primary_key')
      .whereRef('social_mappings.app_id', '=', 'social_tokens.app_id')
      .whereRef('social_mappings.identifier', '=', 'social_tokens.identifier')
      .as('primary_key'),
  ]);
}

const consume = prepared((db, appRowId: number, selector: string, tokenDigest: string) => consumeStatement(db, false, appRowId, selector, tokenDigest, ''));
const consumeAtUrl = prepared((db, appRowId: number, selector: string, tokenDigest: string, tokenUrl: string) => consumeStatement(db, true, appRowId, selector, tokenDigest, tokenUrl));

function redeemed(sealer: Sealer, row: { identifier: string; answer_sealed: string; primary_key: string | null }): RedeemedToken {
  const answer = JSON.parse(sealer.open(row.answer_sealed)) as SignInAnswer;
  return { identifier: row.identifier, answer, primaryKey: row.primary_key ?? undefined };
}
