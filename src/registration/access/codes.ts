import { digest } from '../../crypto/secrets.js';
import { RegistrationError } from '../../http/errors.js';
import type { Runtime } from '../../runtime.js';
import type { Db, Tx } from '../../store/store.js';
import { preparedSweep } from '../../store/sweep.js';
import { newSecretToken, subjectColumns, subjectOfRow, type TokenSubject } from './grants.js';
import { issueTokens, lifetimeOf, revokeFamily, rowLifetimeSetting, type IssuedTokens } from './tokens.js';

/**
 * One-time codes: authorization codes (exchanged at oauth/token), verification codes
 * (access/useVerificationCode) and creation tokens (one entity.create). Each is stored as a
 * digest and spent by a conditional update, so two concurrent uses give exactly one success.
 */

/**
 * A code's row stays a day past its expiry (presented, it is answered expired rather than
 * unknown, and an exchanged authorization code still revokes what its exchange gave, and still
 * vouches for its family's grant: codeStateOfFamily); then the next code of its kind that its
 * application issues sweeps it, a few at a time.
 */
export const EXPIRED_CODE_KEPT_MS = 24 * 3600 * 1000;
const CODE_SWEEP_BATCH = 20;

type CodeTable = 'authorization_codes' | 'verification_codes' | 'creation_tokens';

// Run with every code issued, one per table.
const sweepCodes: Record<CodeTable, (tx: Tx, appId: number, expiredBy: number) => Promise<void>> = {
  authorization_codes: preparedSweep('authorization_codes', 'expires_at', CODE_SWEEP_BATCH),
  verification_codes: preparedSweep('verification_codes', 'expires_at', CODE_SWEEP_BATCH),
  creation_tokens: preparedSweep('creation_tokens', 'expires_at', CODE_SWEEP_BATCH),
};

function sweepExpiredCodes(tx: Tx, table: CodeTable, appId: number, now: number): Promise<void> {
  return sweepCodes[table](tx, appId, now - EXPIRED_CODE_KEPT_MS);
}

/** NOTES.md §4 (ours): an authorization code lives 60 s unless its issuer says otherwise. */
export const DEFAULT_CODE_LIFETIME = 60;
/** A verification code goes out by mail and must survive the wait (ours: a day). */
export const DEFAULT_VERIFICATION_LIFETIME = 24 * 3600;
/** access/getCreationToken: one hour (Janrain's default). */
export const DEFAULT_CREATION_LIFETIME = 3600;

export interface NewAuthorizationCode {
  app: { id: number };
  /** The client that will exchange it (the caller, or for_client_id). */
  client: { clientId: string };
  subject: TokenSubject;
  redirectUri?: string;
  /** Handed back as is by oauth/token. */
  transactionState?: unknown;
  /** Seconds (default 60). */
  lifetime?: number;
}

/**
 * Issues an authorization code inside the caller's transaction (access/getAuthorizationCode,
 * response_type=code of the *_native calls, password-recovery links).
 */
export async function createAuthorizationCode(tx: Tx, grant: NewAuthorizationCode): Promise<string> {
  const code = newSecretToken();
  const now = Date.now();
  await sweepExpiredCodes(tx, 'authorization_codes', grant.app.id, now);
  await tx
    .insertInto('authorization_codes')
    .values({
      app_id: grant.app.id,
      code_digest: digest(code),
      client_id: grant.client.clientId,
      ...subjectColumns(grant.subject),
      redirect_uri: grant.redirectUri ?? null,
      transaction_state: grant.transactionState === undefined ? null : JSON.stringify(grant.transactionState),
      expires_at: now + (grant.lifetime ?? DEFAULT_CODE_LIFETIME) * 1000,
      used_at: null,
      family: null,
      created_at: now,
    })
    .execute();
  return code;
}

export type CodeExchange = IssuedTokens & { transaction_state?: unknown };

type Exchange = { ok: CodeExchange } | { fail: RegistrationError };

const invalidCode = () => new RegistrationError(200, 'code is not valid: unknown, already used or issued to another client', { argumentName: 'code' });

/**
 * oauth/token `grant_type=authorization_code`: the code must be the client's, unspent, alive
 * (415 otherwise) and presented with the redirect_uri it was issued for (420). A code presented
 * again revokes the tokens its first exchange produced.
 */
export async function exchangeAuthorizationCode(runtime: Runtime, app: { id: number }, client: { clientId: string }, code: string, redirectUri: string): Promise<CodeExchange> {
  const codeDigest = digest(code);
  // Failures are answered after the transaction commits: throwing inside it would undo what it spent or revoked.
  const outcome = await runtime.store.write<Exchange>(async (tx) => {
    const now = Date.now();
    const spent = await tx
      .updateTable('authorization_codes')
      .set({ used_at: now })
      .where('code_digest', '=', codeDigest)
      .where('app_id', '=', app.id)
      .where('client_id', '=', client.clientId)
      .where('used_at', 'is', null)
      .returning(['id', 'entity_id', 'entity_uuid', 'type_name', 'redirect_uri', 'transaction_state', 'expires_at', rowLifetimeSetting('authorization_codes')])
      .executeTakeFirst();
    if (!spent) {
      const known = await tx.selectFrom('authorization_codes').select(['family', 'entity_id']).where('code_digest', '=', codeDigest).where('app_id', '=', app.id).where('client_id', '=', client.clientId).executeTakeFirst();
      if (known?.family) await revokeFamily(tx, app.id, Number(known.entity_id), known.family);
      return { fail: invalidCode() };
    }
    if (Number(spent.expires_at) <= now) return { fail: new RegistrationError(415, 'the authorization code has expired', { argumentName: 'code' }) };
    if (spent.redirect_uri !== null && spent.redirect_uri !== redirectUri) return { fail: new RegistrationError(420, 'redirect_uri does not match the one the code was issued for', { argumentName: 'redirect_uri' }) };
    const issued = await issueTokens(runtime, tx, { app, client, subject: subjectOfRow(spent), lifetime: lifetimeOf(spent.lifetime_setting) });
    await tx.updateTable('authorization_codes').set({ family: issued.family ?? null }).where('id', '=', spent.id).execute();
    const answer: CodeExchange = { ...issued };
    if (spent.transaction_state !== null) answer.transaction_state = JSON.parse(spent.transaction_state) as unknown;
    return { ok: answer };
  });
  if ('fail' in outcome) throw outcome.fail;
  return outcome.ok;
}

/**
 * The transaction_state of the authorization code whose exchange began a token family (the
 * family's grant), or undefined when the family did not come from a code. Lets a call trust a
 * token only for what its code was issued for (update_profile_native: password recovery).
 */
export async function codeStateOfFamily(db: Db | Tx, appId: number, entityId: number, family: string): Promise<{ transactionState: unknown } | undefined> {
  const row = await db
    .selectFrom('authorization_codes')
    .select('transaction_state')
    .where('app_id', '=', appId)
    .where('entity_id', '=', entityId)
    .where('family', '=', family)
    .executeTakeFirst();
  if (!row) return undefined;
  return { transactionState: row.transaction_state === null ? undefined : (JSON.parse(row.transaction_state) as unknown) };
}

export interface NewVerificationCode {
  app: { id: number };
  subject: TokenSubject;
  /** A dateTime attribute of the record's type (checked by the caller). */
  attributeName: string;
  /** Seconds (default a day). */
  lifetime?: number;
}

/** Issues a verification code inside the caller's transaction (getVerificationCode, verify_email_native). */
export async function createVerificationCode(tx: Tx, grant: NewVerificationCode): Promise<string> {
  const code = newSecretToken();
  const now = Date.now();
  await sweepExpiredCodes(tx, 'verification_codes', grant.app.id, now);
  await tx
    .insertInto('verification_codes')
    .values({
      app_id: grant.app.id,
      code_digest: digest(code),
      ...subjectColumns(grant.subject),
      attribute_name: grant.attributeName,
      expires_at: now + (grant.lifetime ?? DEFAULT_VERIFICATION_LIFETIME) * 1000,
      used_at: null,
      created_at: now,
    })
    .execute();
  return code;
}

export interface SpentVerificationCode {
  appId: number;
  subject: TokenSubject;
  attributeName: string;
}

type Spend<T> = { ok: T } | { fail: RegistrationError };

/**
 * Spends a verification code (of the application `appId` when the caller named one): 200 when
 * unknown or used, 416 when expired.
 */
export async function spendVerificationCode(runtime: Runtime, code: string, appId: number | undefined): Promise<SpentVerificationCode> {
  const codeDigest = digest(code);
  const outcome = await runtime.store.write<Spend<SpentVerificationCode>>(async (tx) => {
    const now = Date.now();
    let update = tx.updateTable('verification_codes').set({ used_at: now }).where('code_digest', '=', codeDigest).where('used_at', 'is', null);
    if (appId !== undefined) update = update.where('app_id', '=', appId);
    const spent = await update.returning(['app_id', 'entity_id', 'entity_uuid', 'type_name', 'attribute_name', 'expires_at']).executeTakeFirst();
    if (!spent) return { fail: new RegistrationError(200, 'verification_code is not valid: unknown or already used', { argumentName: 'verification_code' }) };
    if (Number(spent.expires_at) <= now) return { fail: new RegistrationError(416, 'the verification code has expired', { argumentName: 'verification_code' }) };
    return { ok: { appId: Number(spent.app_id), subject: subjectOfRow(spent), attributeName: spent.attribute_name } };
  });
  if ('fail' in outcome) throw outcome.fail;
  return outcome.ok;
}

export interface NewCreationToken {
  app: { id: number };
  client: { clientId: string };
  typeName: string;
  /** Seconds (default an hour). */
  lifetime?: number;
}

export async function createCreationToken(tx: Tx, grant: NewCreationToken): Promise<string> {
  const token = newSecretToken();
  const now = Date.now();
  await sweepExpiredCodes(tx, 'creation_tokens', grant.app.id, now);
  await tx
    .insertInto('creation_tokens')
    .values({
      app_id: grant.app.id,
      token_digest: digest(token),
      client_id: grant.client.clientId,
      type_name: grant.typeName,
      expires_at: now + (grant.lifetime ?? DEFAULT_CREATION_LIFETIME) * 1000,
      used_at: null,
      created_at: now,
    })
    .execute();
  return token;
}

export interface SpentCreationToken {
  appId: number;
  clientId: string;
  typeName: string;
}

/**
 * Spends a creation token: it lets its holder make exactly one entity.create call, spent by
 * that attempt whatever its outcome (ours). Unknown or used → 402, expired → 417.
 */
export async function spendCreationToken(runtime: Runtime, token: string): Promise<SpentCreationToken> {
  const tokenDigest = digest(token);
  const outcome = await runtime.store.write<Spend<SpentCreationToken>>(async (tx) => {
    const now = Date.now();
    const spent = await tx
      .updateTable('creation_tokens')
      .set({ used_at: now })
      .where('token_digest', '=', tokenDigest)
      .where('used_at', 'is', null)
      .returning(['app_id', 'client_id', 'type_name', 'expires_at'])
      .executeTakeFirst();
    if (!spent) return { fail: new RegistrationError(402, 'creation_token is not valid: unknown or already used') };
    if (Number(spent.expires_at) <= now) return { fail: new RegistrationError(417, 'the creation token has expired', { argumentName: 'creation_token' }) };
    return { ok: { appId: Number(spent.app_id), clientId: spent.client_id, typeName: spent.type_name } };
  });
  if ('fail' in outcome) throw outcome.fail;
  return outcome.ok;
}
