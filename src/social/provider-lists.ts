import type { Db, Store } from '../store/store.js';

/** The device types `set_auth_providers` distinguishes; `web` when none is given. */
export const DEVICE_TYPES = ['web', 'iphone', 'android'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** The stored provider lists of an application, one row each. */
export const PROVIDER_LISTS = ['signin:web', 'signin:iphone', 'signin:android', 'share', 'email'] as const;
export type ProviderList = (typeof PROVIDER_LISTS)[number];

export const signinList = (device: DeviceType): ProviderList => `signin:${device}`;

export type ProviderLists = Record<ProviderList, string[]>;

/** Every list of the application; a list never written is empty. */
export async function getProviderLists(db: Db, appId: number): Promise<ProviderLists> {
  const rows = await db.selectFrom('social_provider_lists').select(['list', 'providers']).where('app_id', '=', appId).execute();
  const lists = Object.fromEntries(PROVIDER_LISTS.map((l) => [l, [] as string[]])) as ProviderLists;
  for (const row of rows) {
    if ((PROVIDER_LISTS as readonly string[]).includes(row.list)) lists[row.list as ProviderList] = JSON.parse(row.providers) as string[];
  }
  return lists;
}

/** Replaces several lists at once, atomically. */
export async function setProviderLists(store: Store, appId: number, lists: Partial<ProviderLists>): Promise<void> {
  const entries = Object.entries(lists) as [ProviderList, string[]][];
  if (!entries.length) return;
  const now = Date.now();
  await store.write(async (tx) => {
    for (const [list, providers] of entries) {
      const json = JSON.stringify(providers);
      await tx
        .insertInto('social_provider_lists')
        .values({ app_id: appId, list, providers: json, updated_at: now })
        .onConflict((oc) => oc.columns(['app_id', 'list']).doUpdateSet({ providers: json, updated_at: now }))
        .execute();
    }
  });
}
