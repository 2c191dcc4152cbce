import type { Selectable } from 'kysely';
import { digest } from '../crypto/secrets.js';
import type { Config } from '../config.js';
import { FreshCache } from '../store/fresh-cache.js';
import { prepared } from '../store/prepared.js';
import type { Db } from '../store/store.js';
import type { PartnerTables } from './tables.js';

export type AppRow = Selectable<PartnerTables['apps']>;

const appByKeyDigest = prepared((db, keyDigest: string) => db.selectFrom('apps').selectAll().where('api_key_digest', '=', keyDigest));
// Every Social Login call looks its application up by apiKey (see fresh-cache.ts for how long an
// entry is trusted). Keyed by the key's digest, so that no key is kept in memory.
const appsByKeyDigest = new FreshCache<AppRow>();

/** The application whose apiKey this is, or undefined. Keys are looked up by digest only. */
export async function findAppByApiKey(db: Db, apiKey: string): Promise<AppRow | undefined> {
  if (!/^[0-9a-f]{40}$/i.test(apiKey)) return undefined;
  const keyDigest = digest(apiKey.toLowerCase());
  const cached = appsByKeyDigest.get(db, keyDigest);
  if (cached) return cached;
  const ticket = appsByKeyDigest.ticket(db);
  const [app] = await appByKeyDigest(db, keyDigest);
  // Frozen: every caller shares the cached row.
  if (app) appsByKeyDigest.set(db, keyDigest, Object.freeze(app), ticket);
  return app;
}

export async function findAppByAppId(db: Db, appId: string): Promise<AppRow | undefined> {
  return db.selectFrom('apps').selectAll().where('app_id', '=', appId).executeTakeFirst();
}

export async function findAppByRealm(db: Db, realm: string): Promise<AppRow | undefined> {
  return db.selectFrom('apps').selectAll().where('realm', '=', realm.toLowerCase()).executeTakeFirst();
}

/** The realm label a Host header names: `<realm>.<public host>` (port ignored), else undefined. */
export function realmFromHost(config: Config, hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const host = hostHeader.toLowerCase().replace(/:\d+$/, '');
  const publicHost = new URL(config.publicUrl).hostname.toLowerCase();
  if (!host.endsWith(`.${publicHost}`)) return undefined;
  const label = host.slice(0, -(publicHost.length + 1));
  return /^[a-z0-9-]+$/.test(label) ? label : undefined;
}

/** The host an application's pages are served on, and its base URL (`http://demo.localhost:8080`). */
export function realmHost(config: Config, realm: string): string {
  return `${realm}.${new URL(config.publicUrl).hostname}`;
}

export function realmUrl(config: Config, realm: string): string {
  const base = new URL(config.publicUrl);
  base.hostname = realmHost(config, realm);
  return base.toString().replace(/\/+$/, '');
}

/**
 * The application a request's Host names: `<realm>.<public host>`, or a custom domain added
 * with `app/add_domain`.
 */
export async function findAppByHost(db: Db, config: Config, hostHeader: string | undefined): Promise<AppRow | undefined> {
  const realm = realmFromHost(config, hostHeader);
  if (realm) return findAppByRealm(db, realm);
  if (!hostHeader) return undefined;
  const host = hostHeader.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  return db
    .selectFrom('app_domains')
    .innerJoin('apps', 'apps.id', 'app_domains.app_id')
    .selectAll('apps')
    .where('app_domains.domain', '=', host)
    .executeTakeFirst();
}
