import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Runtime } from '../../runtime.js';
import type { Db } from '../../store/store.js';

/**
 * Each application signs its events with its own key, made on first need (its first webhook)
 * and kept sealed; the public half is served as a JWKS (routes.ts). RS256, as Janrain's
 * Security Event Tokens are, so that receivers written for Janrain verify ours unchanged.
 */

export const SIGNING_ALG = 'RS256';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey | Uint8Array;
}

// Keys never change once made, so a process keeps the ones it has used (per store: tests run several databases).
const keysByStore = new WeakMap<object, Map<number, Promise<SigningKey>>>();

async function makeKey(runtime: Runtime, appId: number): Promise<void> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  await runtime.store.write((tx) =>
    tx
      .insertInto('webhook_keys')
      .values({
        app_id: appId,
        kid,
        alg: SIGNING_ALG,
        private_jwk_sealed: runtime.sealer.seal(JSON.stringify(privateJwk)),
        public_jwk: JSON.stringify({ ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' }),
        created_at: Date.now(),
      })
      // Another process may have made one first: theirs stays, ours is dropped.
      .onConflict((oc) => oc.column('app_id').doNothing())
      .execute(),
  );
}

/** Makes the application's key unless it has one. */
export async function ensureSigningKey(runtime: Runtime, appId: number): Promise<void> {
  const row = await runtime.store.db.selectFrom('webhook_keys').select('app_id').where('app_id', '=', appId).executeTakeFirst();
  if (!row) await makeKey(runtime, appId);
}

async function loadKey(runtime: Runtime, appId: number): Promise<SigningKey> {
  await ensureSigningKey(runtime, appId);
  const row = await runtime.store.db.selectFrom('webhook_keys').select(['kid', 'alg', 'private_jwk_sealed']).where('app_id', '=', appId).executeTakeFirstOrThrow();
  const jwk = JSON.parse(runtime.sealer.open(row.private_jwk_sealed)) as JWK;
  return { kid: row.kid, alg: row.alg, privateKey: await importJWK(jwk, row.alg) };
}

export function signingKeyOf(runtime: Runtime, appId: number): Promise<SigningKey> {
  let keys = keysByStore.get(runtime.store);
  if (!keys) keysByStore.set(runtime.store, (keys = new Map()));
  let key = keys.get(appId);
  if (!key) {
    key = loadKey(runtime, appId);
    keys.set(appId, key);
    key.catch(() => keys.delete(appId));
  }
  return key;
}

/** The application's public keys as a JWK Set (empty until its first webhook). */
export async function jwksOf(db: Db, appId: number): Promise<{ keys: JWK[] }> {
  const rows = await db.selectFrom('webhook_keys').select('public_jwk').where('app_id', '=', appId).execute();
  return { keys: rows.map((r) => JSON.parse(r.public_jwk) as JWK) };
}
