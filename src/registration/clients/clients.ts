import { sql, type Selectable } from 'kysely';
import { z } from 'zod';
import type { Sealer } from '../../crypto/sealer.js';
import { digest, randomLowerAlnum } from '../../crypto/secrets.js';
import { RegistrationError } from '../../http/errors.js';
import type { Db, Dialect, Tx } from '../../store/store.js';
import { DEFAULT_CLIENT_WHITELIST } from './ip-whitelist.js';
import type { ClientTables } from './tables.js';

export { DEFAULT_CLIENT_WHITELIST } from './ip-whitelist.js';

/** NOTES.md §3: what a client may do. */
export const CLIENT_FEATURES = ['owner', 'access_issuer', 'direct_access', 'direct_read_access', 'login_client', 'metadata'] as const;
export type ClientFeature = (typeof CLIENT_FEATURES)[number];
export const clientFeatureSchema = z.enum(CLIENT_FEATURES);

/** Longest grace period `clients/reset_secret` grants the old secret (Janrain: one week). */
export const MAX_SECRET_GRACE_HOURS = 168;

export type ClientRow = Selectable<ClientTables['api_clients']>;

/** A client as the rest of the code sees it: JSON columns parsed. */
export interface ApiClient {
  id: number;
  appId: number;
  clientId: string;
  description: string;
  features: ClientFeature[];
  whitelist: string[];
  createdAt: number;
}

// Built once: every authenticated call reads a client row.
const storedFeatures = z.array(clientFeatureSchema).catch([]);
const storedWhitelist = z.array(z.string()).catch([]);

export function toApiClient(row: ClientRow): ApiClient {
  return {
    id: Number(row.id),
    appId: Number(row.app_id),
    clientId: row.client_id,
    description: row.description,
    features: storedFeatures.parse(JSON.parse(row.features)),
    whitelist: storedWhitelist.parse(JSON.parse(row.whitelist)),
    createdAt: Number(row.created_at),
  };
}

export interface NewClient {
  description: string;
  features: ClientFeature[];
  whitelist?: string[];
}

/**
 * Creates an API client of the application `appRowId` (internal `apps.id`) inside the caller's
 * transaction. The secret is returned once; it is stored as a digest (and sealed when a sealer
 * is given, see `secret_sealed`).
 */
export async function createClient(tx: Tx, appRowId: number, client: NewClient, sealer?: Sealer): Promise<{ client_id: string; client_secret: string }> {
  const clientId = randomLowerAlnum(32);
  const secret = randomLowerAlnum(32);
  await tx
    .insertInto('api_clients')
    .values({
      app_id: appRowId,
      client_id: clientId,
      secret_digest: digest(secret),
      secret_sealed: sealer ? sealer.seal(secret) : null,
      description: client.description,
      features: JSON.stringify([...new Set(client.features)]),
      whitelist: JSON.stringify(client.whitelist ?? DEFAULT_CLIENT_WHITELIST),
      created_at: Date.now(),
    })
    .execute();
  return { client_id: clientId, client_secret: secret };
}

/**
 * Janrain's rule for feature sets: a login client is handed to browsers and devices, so it
 * carries no other feature (200 otherwise).
 */
export function checkFeatureSet(features: readonly ClientFeature[], argumentName = 'features'): void {
  if (features.includes('login_client') && new Set(features).size > 1) {
    throw new RegistrationError(200, 'a client with the login_client feature cannot have other features', { argumentName });
  }
}

/** The client `clientId` of the application, or undefined (any application when appRowId is undefined). */
export async function findClient(db: Db | Tx, appRowId: number | undefined, clientId: string): Promise<ApiClient | undefined> {
  if (clientId.length === 0 || clientId.length > 64) return undefined;
  let query = db.selectFrom('api_clients').selectAll().where('client_id', '=', clientId);
  if (appRowId !== undefined) query = query.where('app_id', '=', appRowId);
  const row = await query.executeTakeFirst();
  return row && toApiClient(row);
}

/** A client of the application named by a `for_client_id`-style parameter: 200 when it is not one. */
export async function requireClientOfApp(db: Db | Tx, appRowId: number, clientId: string, argumentName: string): Promise<ApiClient> {
  const client = await findClient(db, appRowId, clientId);
  if (!client) throw new RegistrationError(200, `${argumentName} is not a client of this application`, { argumentName });
  return client;
}

export interface ListedClient {
  client_id: string;
  client_secret: string | null;
  description: string;
  features: ClientFeature[];
  whitelist: string[];
}

/** clients/list: every client of the application having all of `hasFeatures`, oldest first. */
export async function listClients(db: Db, appRowId: number, hasFeatures: readonly ClientFeature[], sealer: Sealer): Promise<ListedClient[]> {
  const rows = await db.selectFrom('api_clients').selectAll().where('app_id', '=', appRowId).orderBy('id').execute();
  return rows
    .map((row) => ({ row, client: toApiClient(row) }))
    .filter(({ client }) => hasFeatures.every((f) => client.features.includes(f)))
    .map(({ row, client }) => ({
      client_id: client.clientId,
      client_secret: row.secret_sealed ? sealer.open(row.secret_sealed) : null,
      description: client.description,
      features: client.features,
      whitelist: client.whitelist,
    }));
}

/**
 * The application's clients, locked on PostgreSQL until the transaction ends, so that two
 * concurrent changes cannot both remove the last owner.
 */
async function lockClients(tx: Tx, dialect: Dialect, appRowId: number): Promise<ClientRow[]> {
  const lock = dialect === 'postgres' ? sql.raw(' for update') : sql.raw('');
  const result = await sql<ClientRow>`select * from "api_clients" where "app_id" = ${appRowId} order by "id"${lock}`.execute(tx);
  return result.rows.map((r) => ({ ...r, id: Number(r.id), app_id: Number(r.app_id) }));
}

function ownersLeft(rows: ClientRow[], without: string, replacing?: readonly ClientFeature[]): number {
  return rows.filter((r) => {
    const features = r.client_id === without ? (replacing ?? []) : toApiClient(r).features;
    return features.includes('owner');
  }).length;
}

function clientRow(rows: ClientRow[], clientId: string, argumentName: string): ClientRow {
  const row = rows.find((r) => r.client_id === clientId);
  if (!row) throw new RegistrationError(200, `${argumentName} is not a client of this application`, { argumentName });
  return row;
}

const LAST_OWNER = 'an application keeps at least one client with the owner feature';

/** clients/delete. The last owner client stays, so that the application can still be managed. */
export async function deleteClient(tx: Tx, dialect: Dialect, appRowId: number, clientId: string): Promise<void> {
  const rows = await lockClients(tx, dialect, appRowId);
  const row = clientRow(rows, clientId, 'client_id_for_deletion');
  if (toApiClient(row).features.includes('owner') && ownersLeft(rows, clientId) === 0) throw new RegistrationError(200, LAST_OWNER, { argumentName: 'client_id_for_deletion' });
  await tx.deleteFrom('api_clients').where('id', '=', row.id).execute();
}

/** clients/set_features: replaces the whole list. */
export async function setFeatures(tx: Tx, dialect: Dialect, appRowId: number, clientId: string, features: readonly ClientFeature[]): Promise<void> {
  checkFeatureSet(features);
  const rows = await lockClients(tx, dialect, appRowId);
  const row = clientRow(rows, clientId, 'for_client_id');
  if (ownersLeft(rows, clientId, features) === 0) throw new RegistrationError(200, LAST_OWNER, { argumentName: 'features' });
  await tx.updateTable('api_clients').set({ features: JSON.stringify([...new Set(features)]) }).where('id', '=', row.id).execute();
}

async function updateClient(tx: Tx, appRowId: number, clientId: string, changes: Partial<Pick<ClientRow, 'description' | 'whitelist'>>): Promise<void> {
  const result = await tx.updateTable('api_clients').set(changes).where('app_id', '=', appRowId).where('client_id', '=', clientId).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new RegistrationError(200, 'for_client_id is not a client of this application', { argumentName: 'for_client_id' });
}

export function setDescription(tx: Tx, appRowId: number, clientId: string, description: string): Promise<void> {
  return updateClient(tx, appRowId, clientId, { description });
}

/** clients/set_whitelist (CIDRs already validated) and clients/clear_whitelist (undefined: allow all). */
export function setWhitelist(tx: Tx, appRowId: number, clientId: string, cidrs: readonly string[] | undefined): Promise<void> {
  return updateClient(tx, appRowId, clientId, { whitelist: JSON.stringify(cidrs ?? DEFAULT_CLIENT_WHITELIST) });
}

/**
 * clients/reset_secret: a new secret from now on; the current one keeps working for
 * `hoursToLive` hours (0: not at all). A secret still in its grace period from an earlier
 * reset is dropped, so at most two secrets work at any time.
 */
export async function resetSecret(tx: Tx, appRowId: number, clientId: string, hoursToLive: number, sealer: Sealer): Promise<string> {
  const row = await tx.selectFrom('api_clients').selectAll().where('app_id', '=', appRowId).where('client_id', '=', clientId).executeTakeFirst();
  if (!row) throw new RegistrationError(200, 'for_client_id is not a client of this application', { argumentName: 'for_client_id' });
  const secret = randomLowerAlnum(32);
  const grace = hoursToLive > 0;
  await tx
    .updateTable('api_clients')
    .set({
      secret_digest: digest(secret),
      secret_sealed: sealer.seal(secret),
      previous_secret_digest: grace ? row.secret_digest : null,
      previous_secret_sealed: grace ? row.secret_sealed : null,
      previous_secret_expires_at: grace ? Date.now() + hoursToLive * 3_600_000 : null,
    })
    .where('id', '=', row.id)
    .execute();
  return secret;
}
