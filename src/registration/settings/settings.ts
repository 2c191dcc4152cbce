import { sql, type Expression, type RawBuilder } from 'kysely';
import { prepared } from '../../store/prepared.js';
import type { Db, Tx } from '../../store/store.js';

/**
 * Registration settings (NOTES.md §7). A client's value of a key wins over the application's
 * default; a key neither has reads as null. Values are text, as Janrain keeps them.
 */

type Reader = Db | Tx;

/** Keys other modules read; the list is for documentation and the tests, not a restriction. */
export const KNOWN_SETTINGS = {
  default_flow_name: 'flow of oauth/*_native calls that name none',
  default_flow_version: 'version of that flow',
  password_recover_url: 'page the password-recovery code is appended to',
  verify_email_url: 'page the email-verification code is appended to',
  recover_code_lifetime: 'seconds a password-recovery code lives',
  access_token_lifetime: 'seconds an access token lives (ours; default 3600)',
  rpx_server: 'Social Login server the widget uses',
  rpx_realm: 'Social Login realm',
  rpx_app_id: 'Social Login appId',
} as const;

/**
 * The SQL expression of a setting's value for a client (its own, else the default, else null),
 * for queries that read a setting along with something else: token issuing reads one on every
 * call and saves a statement that way. `appId` and `clientId` may be column references.
 */
export function settingSql(appId: Expression<number> | number, clientId: Expression<string> | string, key: string): RawBuilder<string | null> {
  return sql<string | null>`coalesce(
    (select "value" from "settings_clients" where "app_id" = ${appId} and "client_id" = ${clientId} and "key" = ${key}),
    (select "value" from "settings_defaults" where "app_id" = ${appId} and "key" = ${key}))`;
}

// Read by every token issue and oauth/*_native call (store/prepared.ts).
const settingOf = prepared((db, appId: number, clientId: string, key: string) => db.selectNoFrom(settingSql(appId, clientId, key).as('value')));

/** The value of `key` for the client: its own, else the application's default, else null. */
export async function clientSetting(db: Reader, appId: number, clientId: string, key: string): Promise<string | null> {
  const [row] = await settingOf(db, appId, clientId, key);
  return row?.value ?? null;
}

export async function defaultSetting(db: Reader, appId: number, key: string): Promise<string | null> {
  const row = await db.selectFrom('settings_defaults').select('value').where('app_id', '=', appId).where('key', '=', key).executeTakeFirst();
  return row ? row.value : null;
}

async function defaults(db: Reader, appId: number): Promise<Record<string, string>> {
  const rows = await db.selectFrom('settings_defaults').select(['key', 'value']).where('app_id', '=', appId).orderBy('key').execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

async function ownSettings(db: Reader, appId: number, clientId: string): Promise<Record<string, string>> {
  const rows = await db.selectFrom('settings_clients').select(['key', 'value']).where('app_id', '=', appId).where('client_id', '=', clientId).orderBy('key').execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/** settings/items: the defaults overlaid with the client's own values. */
export async function clientItems(db: Reader, appId: number, clientId: string): Promise<Record<string, string>> {
  const merged = { ...(await defaults(db, appId)), ...(await ownSettings(db, appId, clientId)) };
  return Object.fromEntries(Object.keys(merged).sort().map((k) => [k, merged[k]]));
}

/** settings/get_multi: each key as settings/get reads it. */
export async function clientSettings(db: Reader, appId: number, clientId: string, keys: readonly string[]): Promise<Record<string, string | null>> {
  const items = await clientItems(db, appId, clientId);
  return Object.fromEntries(keys.map((k) => [k, Object.hasOwn(items, k) ? items[k] : null]));
}

/** settings/get_all: every client's own values, keyed by client_id, and the defaults. */
export async function allSettings(db: Reader, appId: number): Promise<{ client_settings: Record<string, Record<string, string>>; default_settings: Record<string, string> }> {
  const rows = await db.selectFrom('settings_clients').select(['client_id', 'key', 'value']).where('app_id', '=', appId).orderBy('client_id').orderBy('key').execute();
  const clientSettings: Record<string, Record<string, string>> = {};
  for (const row of rows) (clientSettings[row.client_id] ??= {})[row.key] = row.value;
  return { client_settings: clientSettings, default_settings: await defaults(db, appId) };
}

/** Where a write goes: one client's own values, or the application's defaults. */
export type SettingsScope = { clientId: string } | 'default';

/**
 * Sets `key` (settings/set, set_default): true when it already had a value (now overwritten),
 * false when it was created.
 */
export async function putSetting(tx: Tx, appId: number, scope: SettingsScope, key: string, value: string): Promise<boolean> {
  const now = Date.now();
  if (scope === 'default') {
    const updated = await tx.updateTable('settings_defaults').set({ value, updated_at: now }).where('app_id', '=', appId).where('key', '=', key).executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return true;
    await tx
      .insertInto('settings_defaults')
      .values({ app_id: appId, key, value, updated_at: now })
      .onConflict((oc) => oc.columns(['app_id', 'key']).doUpdateSet({ value, updated_at: now }))
      .execute();
    return false;
  }
  const updated = await tx.updateTable('settings_clients').set({ value, updated_at: now }).where('app_id', '=', appId).where('client_id', '=', scope.clientId).where('key', '=', key).executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) return true;
  await tx
    .insertInto('settings_clients')
    .values({ app_id: appId, client_id: scope.clientId, key, value, updated_at: now })
    .onConflict((oc) => oc.columns(['client_id', 'key']).doUpdateSet({ value, updated_at: now }))
    .execute();
  return false;
}

/** settings/delete, delete_default: whether the key had a value there. */
export async function deleteSetting(tx: Tx, appId: number, scope: SettingsScope, key: string): Promise<boolean> {
  const result =
    scope === 'default'
      ? await tx.deleteFrom('settings_defaults').where('app_id', '=', appId).where('key', '=', key).executeTakeFirst()
      : await tx.deleteFrom('settings_clients').where('app_id', '=', appId).where('client_id', '=', scope.clientId).where('key', '=', key).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
