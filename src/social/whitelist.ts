import { prepared } from '../store/prepared.js';
import type { Db, Store } from '../store/store.js';
import { parsePattern, patternMatches, urlTarget } from './domain-patterns.js';

const patternsOfApp = prepared((db, appId: number) => db.selectFrom('social_domain_patterns').select('pattern').where('app_id', '=', appId).orderBy('id'));

/** The application's whitelist in the order the patterns were added. */
export async function getDomainPatterns(db: Db, appId: number): Promise<string[]> {
  const rows = await patternsOfApp(db, appId);
  return rows.map((r) => r.pattern);
}

/** Replaces the whitelist. `patterns` are normalized and free of duplicates. */
export async function setDomainPatterns(store: Store, appId: number, patterns: readonly string[]): Promise<void> {
  await store.write(async (tx) => {
    await tx.deleteFrom('social_domain_patterns').where('app_id', '=', appId).execute();
    if (patterns.length) await tx.insertInto('social_domain_patterns').values(patterns.map((pattern) => ({ app_id: appId, pattern }))).execute();
  });
}

/** Appends patterns that are not there yet; adding one twice changes nothing. */
export async function addDomainPatterns(store: Store, appId: number, patterns: readonly string[]): Promise<void> {
  if (!patterns.length) return;
  await store.write((tx) =>
    tx
      .insertInto('social_domain_patterns')
      .values(patterns.map((pattern) => ({ app_id: appId, pattern })))
      .onConflict((oc) => oc.columns(['app_id', 'pattern']).doNothing())
      .execute(),
  );
}

/**
 * Whether a browser may be sent to `url` on behalf of the application (token_url and other
 * redirect targets): an http(s) URL whose host matches one of its whitelist patterns.
 */
export async function isWhitelisted(db: Db, appId: number, url: string): Promise<boolean> {
  const target = urlTarget(url);
  if (!target) return false;
  const patterns = await getDomainPatterns(db, appId);
  return patterns.some((text) => {
    const pattern = parsePattern(text);
    return pattern !== undefined && patternMatches(pattern, target);
  });
}
