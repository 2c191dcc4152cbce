import type { Db, Store } from '../store/store.js';
import { DEFAULT_APP_SETTINGS } from './provision.js';

/** The six Social Login settings, as `get_app_settings` answers them. */
export interface AppSettings {
  privacyPolicy: string | null;
  favicon: string | null;
  domainRedirect: string | null;
  postToTokenUrl: boolean;
  oneTimeUseTokens: boolean;
  googleProfileUrl: boolean;
}

export type AppSettingsChange = Partial<AppSettings>;

const COLUMN = {
  privacyPolicy: 'privacy_policy',
  favicon: 'favicon',
  domainRedirect: 'domain_redirect',
  postToTokenUrl: 'post_to_token_url',
  oneTimeUseTokens: 'one_time_use_tokens',
  googleProfileUrl: 'google_profile_url',
} as const;

type Row = {
  privacy_policy: string | null;
  favicon: string | null;
  domain_redirect: string | null;
  post_to_token_url: number;
  one_time_use_tokens: number;
  google_profile_url: number;
};

function fromRow(row: Row): AppSettings {
  return {
    privacyPolicy: row.privacy_policy,
    favicon: row.favicon,
    domainRedirect: row.domain_redirect,
    postToTokenUrl: row.post_to_token_url === 1,
    oneTimeUseTokens: row.one_time_use_tokens === 1,
    googleProfileUrl: row.google_profile_url === 1,
  };
}

/** An application's settings; Janrain's defaults when it has never had any written. */
export async function getAppSettings(db: Db, appId: number): Promise<AppSettings> {
  const row = await db
    .selectFrom('social_settings')
    .select(['privacy_policy', 'favicon', 'domain_redirect', 'post_to_token_url', 'one_time_use_tokens', 'google_profile_url'])
    .where('app_id', '=', appId)
    .executeTakeFirst();
  return fromRow(row ?? DEFAULT_APP_SETTINGS);
}

/** Changes only the settings given; the others keep their values. */
export async function updateAppSettings(store: Store, appId: number, change: AppSettingsChange): Promise<void> {
  const set: Partial<Row> = {};
  for (const [name, value] of Object.entries(change) as [keyof AppSettings, AppSettings[keyof AppSettings]][]) {
    if (value === undefined) continue;
    (set as Record<string, unknown>)[COLUMN[name]] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  }
  if (Object.keys(set).length === 0) return;
  const now = Date.now();
  await store.write((tx) =>
    tx
      .insertInto('social_settings')
      .values({ app_id: appId, ...DEFAULT_APP_SETTINGS, ...set, updated_at: now })
      .onConflict((oc) => oc.column('app_id').doUpdateSet({ ...set, updated_at: now }))
      .execute(),
  );
}
