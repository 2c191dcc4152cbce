import type { Sealer } from '../crypto/sealer.js';
import type { Db, Store } from '../store/store.js';

export interface BackplaneServer {
  server: string;
  bus: string;
  version: string;
  username: string;
  password: string;
}

/** The application's Backplane servers with their credentials opened. */
export async function getBackplaneServers(db: Db, sealer: Sealer, appId: number): Promise<BackplaneServer[]> {
  const rows = await db
    .selectFrom('social_backplane_servers')
    .select(['server', 'bus', 'version', 'username', 'password_sealed'])
    .where('app_id', '=', appId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ server: r.server, bus: r.bus, version: r.version, username: r.username, password: sealer.open(r.password_sealed) }));
}

/** Adds a server/bus pair, or replaces the version and credentials of an existing one. */
export async function putBackplaneServer(store: Store, sealer: Sealer, appId: number, entry: BackplaneServer): Promise<void> {
  const password_sealed = sealer.seal(entry.password);
  await store.write((tx) =>
    tx
      .insertInto('social_backplane_servers')
      .values({ app_id: appId, server: entry.server, bus: entry.bus, version: entry.version, username: entry.username, password_sealed, created_at: Date.now() })
      .onConflict((oc) => oc.columns(['app_id', 'server', 'bus']).doUpdateSet({ version: entry.version, username: entry.username, password_sealed }))
      .execute(),
  );
}

/** Removes a server/bus pair; false when the application had no such pair. */
export async function removeBackplaneServer(store: Store, appId: number, server: string, bus: string): Promise<boolean> {
  const result = await store.write((tx) =>
    tx.deleteFrom('social_backplane_servers').where('app_id', '=', appId).where('server', '=', server).where('bus', '=', bus).executeTakeFirst(),
  );
  return Number(result.numDeletedRows) > 0;
}
