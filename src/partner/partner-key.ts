import { digest, safeEqual } from '../crypto/secrets.js';
import { socialErrors } from '../http/errors.js';
import type { Db, Tx } from '../store/store.js';

const PARTNER_KEY_DIGEST = 'partner_key_digest';

export async function hasPartnerKey(db: Db | Tx): Promise<boolean> {
  return (await db.selectFrom('installation').select('value').where('name', '=', PARTNER_KEY_DIGEST).executeTakeFirst()) !== undefined;
}

/** Stores (or replaces) the installation's partner key; only its digest is kept. */
export async function setPartnerKey(tx: Tx, partnerKey: string): Promise<void> {
  const value = digest(partnerKey);
  const updated = await tx.updateTable('installation').set({ value }).where('name', '=', PARTNER_KEY_DIGEST).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await tx.insertInto('installation').values({ name: PARTNER_KEY_DIGEST, value }).execute();
}

/** Throws the Partner API's errors: 0 when the key is missing, 3 when it is wrong. */
export async function verifyPartnerKey(db: Db, partnerKey: string | undefined): Promise<void> {
  if (partnerKey === undefined || partnerKey === '') throw socialErrors.missingParameter('partnerKey');
  const row = await db.selectFrom('installation').select('value').where('name', '=', PARTNER_KEY_DIGEST).executeTakeFirst();
  // Compared even without a stored key so that the answer takes the same time either way.
  const ok = safeEqual(digest(partnerKey), row?.value ?? digest(''));
  if (!row || !ok) throw socialErrors.invalidPartnerKey();
}
