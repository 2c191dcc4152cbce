import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { Sealer } from '../../crypto/sealer.js';
import { digest, randomLowerAlnum } from '../../crypto/secrets.js';
import type { Tx } from '../../store/store.js';
import type { ClientTables } from './tables.js';

/** NOTES.md §3: what a client may do. */
export const CLIENT_FEATURES = ['owner', 'access_issuer', 'direct_access', 'direct_read_access', 'login_client', 'metadata'] as const;
export type ClientFeature = (typeof CLIENT_FEATURES)[number];
export const clientFeatureSchema = z.enum(CLIENT_FEATURES);

/** A client may call from anywhere until its whitelist is narrowed. */
export const DEFAULT_CLIENT_WHITELIST = ['0.0.0.0/0', '::/0'];

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

export function toApiClient(row: ClientRow): ApiClient {
  return {
    id: row.id,
    appId: row.app_id,
    clientId: row.client_id,
    description: row.description,
    features: z.array(clientFeatureSchema).catch([]).parse(JSON.parse(row.features)),
    whitelist: z.array(z.string()).catch([]).parse(JSON.parse(row.whitelist)),
    createdAt: row.created_at,
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
