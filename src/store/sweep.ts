import type { Db } from './store.js';

/** Tables of one-time grants whose dead rows later grants of the same application delete. */
export type SweptTable = 'social_tokens' | 'oauth_tokens' | 'authorization_codes' | 'verification_codes' | 'creation_tokens';

/**
 * Deletes at most `batch` of an application's rows of `table` whose `due` time (epoch ms) is at
 * or before `cutoff`. Grants run it as they issue, a few rows at a time, so that dead rows go
 * without a timer that each of many processes would run, and no grant pays for a backlog.
 */
export function sweepDue(db: Db, table: SweptTable, due: 'expires_at' | 'sweep_at', appId: number, cutoff: number, batch: number) {
  return db.deleteFrom(table).where('id', 'in', db.selectFrom(table).select('id').where('app_id', '=', appId).where(due, '<=', cutoff).limit(batch));
}
