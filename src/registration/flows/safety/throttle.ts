import { isIPv4, isIPv6 } from 'node:net';
import { sql } from 'kysely';
import { digest } from '../../../crypto/secrets.js';
import { RegistrationError } from '../../../http/errors.js';
import { prepared } from '../../../store/prepared.js';
import type { Db } from '../../../store/store.js';

/**
 * Throttling of failed password sign-ins (DESIGN.md security rules), per account and per
 * client address, on by default, kept in the database so that every process sharing it
 * counts together. Failures inside a window are counted; from `threshold` failures on, each
 * further failure locks the subject for `baseLockMs × 2^(failures − threshold)`, at most
 * `maxLockMs`. A successful sign-in clears the account's count (not the address's: one
 * account an attacker owns must not reset the count of the address it sprays from).
 *
 * The account subject is whatever the user typed to sign in (lower-cased), whether or not
 * such an account exists: a locked answer then says nothing about existence.
 */

export interface ThrottleRule {
  threshold: number;
  windowMs: number;
  baseLockMs: number;
  maxLockMs: number;
}

export interface ThrottlePolicy {
  account: ThrottleRule;
  ip: ThrottleRule;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  account: { threshold: 5, windowMs: 15 * 60_000, baseLockMs: 30_000, maxLockMs: 15 * 60_000 },
  ip: { threshold: 50, windowMs: 15 * 60_000, baseLockMs: 60_000, maxLockMs: 60 * 60_000 },
};

/** The application whose sign-in this is: its internal `apps.id` (an AppRow will do). */
export interface ThrottleApp {
  id: number;
}

export interface LoginSubject {
  /** The sign-in name as typed (email or username); omitted when the call names none. */
  account?: string;
  /** The client's address (fastify's `request.ip`). */
  ip?: string;
}

export interface ThrottleOptions {
  policy?: ThrottlePolicy;
  /** Epoch ms (tests). */
  now?: number;
}

type Scope = 'account' | 'ip';

function subjects(who: LoginSubject): Array<{ scope: Scope; subject: string }> {
  const out: Array<{ scope: Scope; subject: string }> = [];
  const account = who.account?.trim().toLowerCase();
  if (account) out.push({ scope: 'account', subject: digest(`account:${account}`) });
  const ip = who.ip && addressKey(who.ip);
  if (ip) out.push({ scope: 'ip', subject: digest(`ip:${ip}`) });
  return out;
}

/**
 * The key an address is counted under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64,
 * the block one subscriber usually holds whole.
 */
export function addressKey(ip: string): string | undefined {
  const text = ip.trim().toLowerCase().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1];
  if (isIPv4(text)) return text;
  if (!isIPv6(text)) return undefined;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail only ever sits in the low 64 bits.
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}

export interface LoginAllowed {
  /** The account has failures counted: a successful sign-in must clear them (recordLoginSuccess). */
  accountCounted: boolean;
}

// Every password sign-in reads these (store/prepared.ts): the account and the address, or one of them.
const throttleRowsOfBoth = prepared((db, appId: number, account: string, ip: string) =>
  db
    .selectFrom('login_throttle')
    .select(['scope', 'locked_until'])
    .where('app_id', '=', appId)
    .where((eb) => eb.or([eb.and([eb('scope', '=', 'account'), eb('subject', '=', account)]), eb.and([eb('scope', '=', 'ip'), eb('subject', '=', ip)])])),
);
const throttleRowOf = prepared((db, appId: number, scope: Scope, subject: string) => db.selectFrom('login_throttle').select(['scope', 'locked_until']).where('app_id', '=', appId).where('scope', '=', scope).where('subject', '=', subject));

/**
 * Refuses a sign-in attempt while its account or address is locked: 510 api_limit_error with
 * the seconds to wait in `retry_after` (and the message). Primary-key reads; also says whether
 * the account has failures a success must clear.
 */
export async function checkLoginAllowed(db: Db, app: ThrottleApp, who: LoginSubject, options: ThrottleOptions = {}): Promise<LoginAllowed> {
  const keys = subjects(who);
  if (keys.length === 0) return { accountCounted: false };
  const now = options.now ?? Date.now();
  const rows = keys.length === 2 ? await throttleRowsOfBoth(db, app.id, keys[0].subject, keys[1].subject) : await throttleRowOf(db, app.id, keys[0].scope, keys[0].subject);
  let until = 0;
  for (const row of rows) until = Math.max(until, Number(row.locked_until));
  if (until > now) throw tooManyAttempts(Math.ceil((until - now) / 1000));
  return { accountCounted: rows.some((r) => r.scope === 'account') };
}

export function tooManyAttempts(retryAfterSeconds: number): RegistrationError {
  const seconds = Math.max(1, retryAfterSeconds);
  return new RegistrationError(510, `too many failed sign-in attempts; try again in ${seconds} seconds`, { extra: { retry_after: seconds } });
}

/**
 * Counts one failed password check against the account and the address; answers the lock
 * it caused, if any (seconds), so the caller may answer 510 at once. Call it inside
 * `store.write((tx) => …)` with the transaction.
 */
export async function recordLoginFailure(db: Db, app: ThrottleApp, who: LoginSubject, options: ThrottleOptions = {}): Promise<{ lockedForSeconds?: number }> {
  const policy = options.policy ?? DEFAULT_THROTTLE;
  const now = options.now ?? Date.now();
  let lockedUntil = 0;
  for (const { scope, subject } of subjects(who)) {
    const rule = policy[scope];
    const row = await db
      .insertInto('login_throttle')
      .values({ app_id: app.id, scope, subject, failures: 1, last_failure_at: now, locked_until: 0 })
      .onConflict((oc) =>
        oc.columns(['app_id', 'scope', 'subject']).doUpdateSet({
          // Atomic in the database: concurrent failures from several processes all count.
          failures: sql<number>`case when login_throttle.last_failure_at < ${now - rule.windowMs} then 1 else login_throttle.failures + 1 end`,
          last_failure_at: now,
        }),
      )
      .returning(['failures'])
      .executeTakeFirstOrThrow();
    const failures = Number(row.failures);
    if (failures < rule.threshold) continue;
    const until = now + Math.min(rule.maxLockMs, rule.baseLockMs * 2 ** Math.min(30, failures - rule.threshold));
    await db
      .updateTable('login_throttle')
      .set({ locked_until: until })
      .where('app_id', '=', app.id)
      .where('scope', '=', scope)
      .where('subject', '=', subject)
      .where('locked_until', '<', until)
      .execute();
    lockedUntil = Math.max(lockedUntil, until);
  }
  // Now and then, forget counters nobody has failed against for a day.
  if (Math.random() < 0.01) await sweepLoginThrottle(db, now);
  return lockedUntil ? { lockedForSeconds: Math.ceil((lockedUntil - now) / 1000) } : {};
}

/** Clears the account's failure count after a successful sign-in. */
export async function recordLoginSuccess(db: Db, app: ThrottleApp, who: Pick<LoginSubject, 'account'>): Promise<void> {
  const account = subjects({ account: who.account }).find((s) => s.scope === 'account');
  if (!account) return;
  await db.deleteFrom('login_throttle').where('app_id', '=', app.id).where('scope', '=', 'account').where('subject', '=', account.subject).execute();
}

const STALE_MS = 24 * 60 * 60_000;

export async function sweepLoginThrottle(db: Db, now = Date.now()): Promise<void> {
  await db
    .deleteFrom('login_throttle')
    .where('last_failure_at', '<', now - STALE_MS)
    .where('locked_until', '<', now)
    .execute();
}
