import { z } from 'zod';
import type { Sealer } from '../crypto/sealer.js';
import type { Db, Store, Tx } from '../store/store.js';

/**
 * The provider identities that signed in to an application, each with the upstream tokens the
 * provider gave (sealed: they are bearer credentials at the provider). They serve the calls
 * that talk to the provider later: `get_user_data`, `get_contacts`, `add_or_update_access_token`.
 */

const upstreamTokensSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string().optional(),
  expiresAt: z.number().optional(),
  scope: z.string().optional(),
  subject: z.string().optional(),
  extra: z.record(z.string(), z.string()).optional(),
});

/** The providers layer's UpstreamTokens, as stored. */
export type StoredUpstreamTokens = z.infer<typeof upstreamTokensSchema>;

export interface StoredIdentity {
  identifier: string;
  provider: string;
  /** Undefined when the provider gave none, or they were removed (`unmap` with `unlink`). */
  tokens?: StoredUpstreamTokens;
}

/** Records (or refreshes) an identity and its upstream tokens inside the caller's transaction. */
export async function saveIdentity(tx: Tx, sealer: Sealer, appRowId: number, identity: { identifier: string; provider: string; tokens?: StoredUpstreamTokens }, now = Date.now()): Promise<void> {
  const sealed = identity.tokens ? sealer.seal(JSON.stringify(identity.tokens)) : null;
  await tx
    .insertInto('social_identities')
    .values({ app_id: appRowId, identifier: identity.identifier, provider: identity.provider, tokens_sealed: sealed, created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['app_id', 'identifier']).doUpdateSet({ provider: identity.provider, tokens_sealed: sealed, updated_at: now }))
    .execute();
}

export async function findIdentity(db: Db, sealer: Sealer, appRowId: number, identifier: string): Promise<StoredIdentity | undefined> {
  const row = await db
    .selectFrom('social_identities')
    .select(['identifier', 'provider', 'tokens_sealed'])
    .where('app_id', '=', appRowId)
    .where('identifier', '=', identifier)
    .executeTakeFirst();
  if (!row) return undefined;
  return { identifier: row.identifier, provider: row.provider, tokens: row.tokens_sealed ? upstreamTokensSchema.parse(JSON.parse(sealer.open(row.tokens_sealed))) : undefined };
}

/** Replaces an identity's upstream tokens (a refresh gave new ones). */
export async function updateIdentityTokens(store: Store, sealer: Sealer, appRowId: number, identifier: string, tokens: StoredUpstreamTokens): Promise<void> {
  const sealed = sealer.seal(JSON.stringify(tokens));
  await store.write((tx) =>
    tx.updateTable('social_identities').set({ tokens_sealed: sealed, updated_at: Date.now() }).where('app_id', '=', appRowId).where('identifier', '=', identifier).execute(),
  );
}

/** Forgets the upstream tokens of some identities: the application no longer acts for them. */
export async function forgetIdentityTokens(store: Store, appRowId: number, identifiers: readonly string[]): Promise<void> {
  if (!identifiers.length) return;
  await store.write((tx) =>
    tx.updateTable('social_identities').set({ tokens_sealed: null, updated_at: Date.now() }).where('app_id', '=', appRowId).where('identifier', 'in', identifiers).execute(),
  );
}
