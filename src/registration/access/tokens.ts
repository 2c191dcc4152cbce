import { sql, type ExpressionBuilder, type Insertable, type QueryCreator } from 'kysely';
import { digest } from '../../crypto/secrets.js';
import { selectorOf, timeOrderedAlnumToken } from '../../crypto/time-ordered-tokens.js';
import { RegistrationError } from '../../http/errors.js';
import type { Runtime } from '../../runtime.js';
import { prepared } from '../../store/prepared.js';
import type { Database } from '../../store/schema.js';
import type { Db, Tx } from '../../store/store.js';
import { preparedSweep, sweepDue } from '../../store/sweep.js';
import { clientSetting, settingSql } from '../settings/settings.js';
import type { AccessTables } from './tables.js';
import { EXPIRED_ACCESS_KEPT_MS, MAX_LIFETIME_SECONDS, newFamily, SPENT_REFRESH_KEPT_MS, subjectColumns, subjectOfRow, type TokenSubject } from './grants.js';

/** NOTES.md §4: an access token lives an hour unless the client's settings say otherwise. */
export const DEFAULT_ACCESS_TOKEN_LIFETIME = 3600;
/**
 * The client setting (or application default) that changes it, in seconds (ours; Janrain set
 * it on request). A value that is not a whole number of seconds between 60 and 30 days is ignored.
 */
export const ACCESS_TOKEN_LIFETIME_SETTING = 'access_token_lifetime';

export async function accessTokenLifetime(db: Db | Tx, appId: number, clientId: string): Promise<number> {
  return lifetimeOf(await clientSetting(db, appId, clientId, ACCESS_TOKEN_LIFETIME_SETTING));
}

/** The access-token lifetime a setting's value gives. */
export function lifetimeOf(setting: string | null | undefined): number {
  const seconds = setting != null && /^\s*\d+\s*$/.test(setting) ? Number(setting) : NaN;
  return seconds >= 60 && seconds <= MAX_LIFETIME_SECONDS ? seconds : DEFAULT_ACCESS_TOKEN_LIFETIME;
}

/**
 * The lifetime setting of the client of a row of `table`, read in the statement that spends
 * the row. The columns are qualified: inside the settings subqueries a bare `client_id` would
 * name the settings table's own column.
 */
export function rowLifetimeSetting(table: 'oauth_tokens' | 'authorization_codes') {
  return lifetimeSettingOfRow(table).as('lifetime_setting');
}

function lifetimeSettingOfRow(table: 'oauth_tokens' | 'authorization_codes') {
  return settingSql(sql.ref(`${table}.app_id`), sql.ref(`${table}.client_id`), ACCESS_TOKEN_LIFETIME_SETTING);
}

export interface TokenGrant {
  /** The application (internal `apps.id`). */
  app: { id: number };
  /** The API client the tokens belong to (its access schema limits what they reach). */
  client: { clientId: string };
  subject: TokenSubject;
  /** Also issue a refresh token (oauth/token, *_native); getAccessToken does not. Default true. */
  refresh?: boolean;
  /** The family to continue (a refresh); a new one when absent. */
  family?: string;
  /** The app-chosen secret of oauth/refresh_access_token (auth_native & co.'s `refresh_secret`). */
  refreshSecret?: string;
  /** Seconds; default: accessTokenLifetime of the client. */
  lifetime?: number;
}

export interface IssuedTokens {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  /** Internal: the refresh-token family, for codes that must be able to revoke it. */
  family?: string;
}

/**
 * Issues an access token (and a refresh token) for a record inside the caller's transaction:
 * oauth/token's grants, access/getAccessToken, and the flows' *_native calls. Only digests are
 * stored; the refresh secret is sealed because oauth/refresh_access_token needs it as a key.
 */
export async function issueTokens(runtime: Runtime, tx: Tx, grant: TokenGrant): Promise<IssuedTokens> {
  const now = Date.now();
  const lifetime = grant.lifetime ?? (await accessTokenLifetime(tx, grant.app.id, grant.client.clientId));
  const refresh = grant.refresh ?? true;
  const family = grant.family ?? (refresh ? newFamily() : undefined);
  const accessToken = timeOrderedAlnumToken();
  const refreshToken = refresh ? timeOrderedAlnumToken() : undefined;
  const { id, uuid, typeName } = grant.subject;
  const sealed = grant.refreshSecret ? runtime.sealer.seal(grant.refreshSecret) : null;
  const expiresAt = now + lifetime * 1000;
  const sweepAt = expiresAt + EXPIRED_ACCESS_KEPT_MS;
  await sweepDeadTokens(tx, grant.app.id, now);
  if (!refreshToken) {
    await insertAccessToken(tx, grant.app.id, grant.client.clientId, id, uuid, typeName, family ?? null, now, selectorOf(accessToken), digest(accessToken), sealed, expiresAt, sweepAt);
    return { access_token: accessToken, expires_in: lifetime };
  }
  await insertTokenPair(tx, grant.app.id, grant.client.clientId, id, uuid, typeName, family ?? null, now, selectorOf(accessToken), digest(accessToken), sealed, expiresAt, sweepAt, selectorOf(refreshToken), digest(refreshToken));
  return { access_token: accessToken, expires_in: lifetime, refresh_token: refreshToken, family };
}

type TokenRow = Insertable<AccessTables['oauth_tokens']>;

function accessTokenRow(appId: number, clientId: string, entityId: number, entityUuid: string, typeName: string, family: string | null, createdAt: number, selector: string, tokenDigest: string, refreshSecretSealed: string | null, expiresAt: number, sweepAt: number): TokenRow {
  return { app_id: appId, client_id: clientId, ...subjectColumns({ id: entityId, uuid: entityUuid, typeName }), family, created_at: createdAt, kind: 'access', selector, token_digest: tokenDigest, refresh_secret_sealed: refreshSecretSealed, expires_at: expiresAt, used_at: null, sweep_at: sweepAt };
}

// Every token grant inserts one of these two statements: prepared (store/prepared.ts).
const insertAccessToken = prepared((db, appId: number, clientId: string, entityId: number, entityUuid: string, typeName: string, family: string | null, createdAt: number, selector: string, tokenDigest: string, refreshSecretSealed: string | null, expiresAt: number, sweepAt: number) =>
  db.insertInto('oauth_tokens').values(accessTokenRow(appId, clientId, entityId, entityUuid, typeName, family, createdAt, selector, tokenDigest, refreshSecretSealed, expiresAt, sweepAt)),
);

const insertTokenPair = prepared(
  (db, appId: number, clientId: string, entityId: number, entityUuid: string, typeName: string, family: string | null, createdAt: number, accessSelector: string, accessDigest: string, refreshSecretSealed: string | null, expiresAt: number, sweepAt: number, refreshSelector: string, refreshDigest: string) => {
    const access = accessTokenRow(appId, clientId, entityId, entityUuid, typeName, family, createdAt, accessSelector, accessDigest, refreshSecretSealed, expiresAt, sweepAt);
    return db.insertInto('oauth_tokens').values([access, { ...access, kind: 'refresh', selector: refreshSelector, token_digest: refreshDigest, refresh_secret_sealed: null, expires_at: null, sweep_at: null }]);
  },
);

/** Rows a grant sweeps at most: each grant adds two, so a busy application's dead rows keep shrinking. */
const SWEEP_BATCH = 20;

/** A few of the application's tokens past their sweep_at: the table keeps live tokens and recently dead ones. */
const sweepDeadTokens = preparedSweep('oauth_tokens', 'sweep_at', SWEEP_BATCH);

export interface AccessTokenInfo {
  appId: number;
  clientId: string;
  subject: TokenSubject;
  expiresAt: number;
  family: string | null;
  refreshSecretSealed: string | null;
}

/**
 * Which row a presented token is: the one with its selector and digest, or, for a token issued
 * before selectors (migration 0222), the one with its digest and no selector (selector null).
 */
function matching(eb: ExpressionBuilder<Database, 'oauth_tokens'>, selector: string | null, tokenDigest: string) {
  return eb.and([selector === null ? eb('oauth_tokens.selector', 'is', null) : eb('oauth_tokens.selector', '=', selector), eb('oauth_tokens.token_digest', '=', tokenDigest)]);
}

/** Runs a statement about a presented token for its selector, then, if that matched nothing, for a token from before selectors. */
async function firstMatch<R>(token: string, run: (selector: string | null, tokenDigest: string) => Promise<R[]>): Promise<R | undefined> {
  const tokenDigest = digest(token);
  return (await run(selectorOf(token), tokenDigest))[0] ?? (await run(null, tokenDigest))[0];
}

/**
 * A hot statement about a presented token in its two prepared forms (a selector that is null
 * makes different SQL): run as firstMatch does, answering its first row.
 */
function byPresentedToken<A extends unknown[], R>(
  bySelector: (db: Db | Tx, selector: string, tokenDigest: string, ...args: A) => Promise<R[]>,
  fromBefore: (db: Db | Tx, tokenDigest: string, ...args: A) => Promise<R[]>,
): (db: Db | Tx, token: string, ...args: A) => Promise<R | undefined> {
  return (db, token, ...args) => firstMatch(token, (selector, tokenDigest) => (selector === null ? fromBefore(db, tokenDigest, ...args) : bySelector(db, selector, tokenDigest, ...args)));
}

// Read by every call made with a user's access token.
export const selectAccessToken = (db: Db, selector: string | null, tokenDigest: string) => db.selectFrom('oauth_tokens').selectAll().where((eb) => matching(eb, selector, tokenDigest)).where('kind', '=', 'access');
const presentedAccessToken = byPresentedToken(
  prepared((db, selector: string, tokenDigest: string) => selectAccessToken(db, selector, tokenDigest)),
  prepared((db, tokenDigest: string) => selectAccessToken(db, null, tokenDigest)),
);

/** The access token's grant, expired or not; undefined when it does not exist (or was revoked). */
export async function findAccessToken(db: Db | Tx, token: string): Promise<AccessTokenInfo | undefined> {
  if (token.length === 0 || token.length > 256) return undefined;
  const row = await presentedAccessToken(db, token);
  if (!row) return undefined;
  return {
    appId: Number(row.app_id),
    clientId: row.client_id,
    subject: subjectOfRow(row),
    expiresAt: Number(row.expires_at ?? 0),
    family: row.family,
    refreshSecretSealed: row.refresh_secret_sealed,
  };
}

/** Revokes a family (all of one record's): its refresh tokens and the access tokens issued with them. */
export async function revokeFamily(tx: Tx, appId: number, entityId: number, family: string): Promise<void> {
  await tx.deleteFrom('oauth_tokens').where('app_id', '=', appId).where('entity_id', '=', entityId).where('family', '=', family).execute();
}

type Rotation = { ok: IssuedTokens } | { reused: true } | { unknown: true };

/** Spends an unspent refresh token, reading who the next pair is for in the same statement. */
export const spendRefresh = (db: QueryCreator<Database>, usedAt: number, sweepAt: number, selector: string | null, tokenDigest: string, appId: number, clientId: string) =>
  db
    .updateTable('oauth_tokens')
    .set({ used_at: usedAt, sweep_at: sweepAt })
    .where((eb) => matching(eb, selector, tokenDigest))
    .where('kind', '=', 'refresh')
    .where('app_id', '=', appId)
    .where('client_id', '=', clientId)
    .where('used_at', 'is', null)
    .returning(['family', 'entity_id', 'entity_uuid', 'type_name']);
/** The transaction's spend: it also reads the lifetime setting, which the next access token needs. */
const spendWithLifetime = (db: Db, usedAt: number, sweepAt: number, selector: string | null, tokenDigest: string, appId: number, clientId: string) =>
  spendRefresh(db, usedAt, sweepAt, selector, tokenDigest, appId, clientId).returning(rowLifetimeSetting('oauth_tokens'));
const spendRefreshToken = byPresentedToken(
  prepared((db, selector: string, tokenDigest: string, usedAt: number, sweepAt: number, appId: number, clientId: string) => spendWithLifetime(db, usedAt, sweepAt, selector, tokenDigest, appId, clientId)),
  prepared((db, tokenDigest: string, usedAt: number, sweepAt: number, appId: number, clientId: string) => spendWithLifetime(db, usedAt, sweepAt, null, tokenDigest, appId, clientId)),
);

/**
 * oauth/token `grant_type=refresh_token`: spends the refresh token and issues the next pair in
 * its family, in one transaction. The token is spent by a conditional update, so of two
 * concurrent uses exactly one wins; a token presented again after it was spent revokes the
 * whole family (RFC 6819 §5.2.2.3), the concurrent loser included.
 */
export async function rotateRefreshToken(runtime: Runtime, app: { id: number }, client: { clientId: string }, refreshToken: string): Promise<IssuedTokens> {
  if (runtime.store.dialect === 'postgres') {
    const rotated = await rotateInOneStatement(runtime, app.id, client.clientId, refreshToken);
    if (rotated) return rotated;
  }
  // Failures are answered after the transaction commits: throwing inside it would undo the revocation.
  const outcome = await runtime.store.write<Rotation>(async (tx) => {
    const now = Date.now();
    const sweepAt = now + SPENT_REFRESH_KEPT_MS;
    const spent = await spendRefreshToken(tx, refreshToken, now, sweepAt, app.id, client.clientId);
    if (spent) {
      if (runtime.store.dialect === 'postgres') lastLifetimeSetting.see(app.id, client.clientId, spent.lifetime_setting);
      return { ok: await issueTokens(runtime, tx, { app, client, subject: subjectOfRow(spent), family: spent.family ?? undefined, lifetime: lifetimeOf(spent.lifetime_setting) }) };
    }
    const known = await firstMatch(refreshToken, (selector, tokenDigest) =>
      tx.selectFrom('oauth_tokens').select(['family', 'entity_id']).where((eb) => matching(eb, selector, tokenDigest)).where('kind', '=', 'refresh').where('app_id', '=', app.id).where('client_id', '=', client.clientId).execute(),
    );
    if (!known?.family) return { unknown: true };
    await revokeFamily(tx, app.id, Number(known.entity_id), known.family);
    return { reused: true };
  });
  if ('ok' in outcome) return outcome.ok;
  throw new RegistrationError(200, 'refresh_token is not valid: unknown, already used or revoked', { argumentName: 'refresh_token' });
}

/**
 * The access-token lifetime setting of each client as this process last saw it, for the
 * one-statement rotation, which must know the new token's expiry before it runs. A wrong or
 * missing entry costs one fallback to the transaction, never a wrong expiry: the statement checks it.
 */
const lastLifetimeSetting = (() => {
  const seen = new Map<string, string | null>();
  const key = (appId: number, clientId: string) => `${appId} ${clientId}`;
  return {
    get: (appId: number, clientId: string): string | null => seen.get(key(appId, clientId)) ?? null,
    see(appId: number, clientId: string, setting: string | null) {
      if (seen.size >= 10_000) seen.delete(seen.keys().next().value as string);
      seen.set(key(appId, clientId), setting);
    },
  };
})();

type WithSpent = QueryCreator<Database & { spent: { family: string | null; entity_id: number; entity_uuid: string; type_name: string } }>;

/** One token of the next pair, as a row selected from `spent` (the WITH query below). */
function nextToken(db: WithSpent, appId: number, clientId: string, createdAt: number, kind: 'access' | 'refresh', selector: string, tokenDigest: string, expiresAt: number | null, sweepAt: number | null) {
  // Parameters in a select list have no type of their own, so each is cast to its column's.
  const bigint = (value: number | null) => sql<number>`cast(${value} as bigint)`;
  const text = (value: string) => sql<string>`cast(${value} as text)`;
  return db
    .selectFrom('spent')
    .select([
      bigint(appId).as('app_id'),
      text(clientId).as('client_id'),
      'entity_id',
      'entity_uuid',
      'type_name',
      'family',
      bigint(createdAt).as('created_at'),
      sql.lit(kind).as('kind'),
      text(selector).as('selector'),
      text(tokenDigest).as('token_digest'),
      bigint(expiresAt).as('expires_at'),
      bigint(sweepAt).as('sweep_at'),
    ]);
}

// PostgreSQL only: SQLite has no data-modifying WITH.
const rotateStatement = prepared(
  (db, selector: string, tokenDigest: string, appId: number, clientId: string, expectedSetting: string | null, now: number, spentSweepAt: number, accessSelector: string, accessDigest: string, expiresAt: number, accessSweepAt: number, refreshSelector: string, refreshDigest: string) =>
    db
      .with('spent', (qc) =>
        spendRefresh(qc, now, spentSweepAt, selector, tokenDigest, appId, clientId).where(
          sql<boolean>`${lifetimeSettingOfRow('oauth_tokens')} is not distinct from cast(${expectedSetting} as text)`,
        ),
      )
      // One insert, access token first, as the transaction's insert orders them.
      .with('next_pair', (qc) =>
        qc
          .insertInto('oauth_tokens')
          .columns(['app_id', 'client_id', 'entity_id', 'entity_uuid', 'type_name', 'family', 'created_at', 'kind', 'selector', 'token_digest', 'expires_at', 'sweep_at'])
          .expression(nextToken(qc, appId, clientId, now, 'access', accessSelector, accessDigest, expiresAt, accessSweepAt).unionAll(nextToken(qc, appId, clientId, now, 'refresh', refreshSelector, refreshDigest, null, null))),
      )
      .with('swept', (qc) => sweepDue(qc, 'oauth_tokens', 'sweep_at', appId, now, SWEEP_BATCH))
      .selectFrom('spent')
      .select(['family', 'entity_id', 'entity_uuid', 'type_name']),
);

/**
 * A refresh on PostgreSQL in one round trip instead of five (BEGIN, spend, sweep probe, insert
 * pair, COMMIT): spend, the next pair and the sweep are one statement, atomic by itself. Of two
 * concurrent uses the second finds the token spent, as in the transaction. Undefined when it
 * spent nothing (an unknown, spent or pre-selector token, or a lifetime setting that changed):
 * the transaction of rotateRefreshToken then decides, and revokes a reused token's family.
 */
export async function rotateInOneStatement(runtime: Runtime, appId: number, clientId: string, refreshToken: string): Promise<IssuedTokens | undefined> {
  const setting = lastLifetimeSetting.get(appId, clientId);
  const lifetime = lifetimeOf(setting);
  const now = Date.now();
  const expiresAt = now + lifetime * 1000;
  const accessToken = timeOrderedAlnumToken();
  const nextRefresh = timeOrderedAlnumToken();
  const [spent] = await runtime.store.writeStatement((db) =>
    rotateStatement(db, selectorOf(refreshToken), digest(refreshToken), appId, clientId, setting, now, now + SPENT_REFRESH_KEPT_MS, selectorOf(accessToken), digest(accessToken), expiresAt, expiresAt + EXPIRED_ACCESS_KEPT_MS, selectorOf(nextRefresh), digest(nextRefresh)),
  );
  return spent && { access_token: accessToken, expires_in: lifetime, refresh_token: nextRefresh, family: spent.family ?? undefined };
}

/**
 * oauth/refresh_access_token, once its signature checked out: the access token is replaced by
 * a new one of the same family and refresh secret, in one transaction, so that of two
 * concurrent refreshes exactly one succeeds (undefined for the other).
 */
export async function replaceAccessToken(runtime: Runtime, app: { id: number }, client: { clientId: string }, accessToken: string, info: AccessTokenInfo, refreshSecret: string): Promise<IssuedTokens | undefined> {
  return runtime.store.write(async (tx) => {
    const gone = await firstMatch(accessToken, (selector, tokenDigest) =>
      tx.deleteFrom('oauth_tokens').where((eb) => matching(eb, selector, tokenDigest)).where('kind', '=', 'access').where('app_id', '=', app.id).returning('id').execute(),
    );
    if (!gone) return undefined;
    return issueTokens(runtime, tx, { app, client, subject: info.subject, refresh: false, family: info.family ?? undefined, refreshSecret });
  });
}

/**
 * entity.deleteAccess: every access token, refresh token, refresh secret and pending code of
 * the record goes, so whatever was handed out for it stops working at once.
 */
export async function revokeSubjectAccess(tx: Tx, appId: number, entityId: number): Promise<void> {
  await tx.deleteFrom('oauth_tokens').where('app_id', '=', appId).where('entity_id', '=', entityId).execute();
  await tx.deleteFrom('authorization_codes').where('app_id', '=', appId).where('entity_id', '=', entityId).execute();
  await tx.deleteFrom('verification_codes').where('app_id', '=', appId).where('entity_id', '=', entityId).execute();
}
