import { z } from 'zod';
import type { Db, Dialect, Tx } from '../store/store.js';

/** Admin emails are compared case-insensitively, so they are kept lower-cased. */
export const emailParam = z
  .string()
  .trim()
  .max(254)
  .regex(/^[^\s@<>"'()\\,;:]+@[^\s@<>"'()\\,;:]+\.[^\s@<>"'()\\,;:]+$|^[^\s@<>"'()\\,;:]+@localhost$/i, 'must be an email address')
  .transform((v) => v.toLowerCase());

export interface Admin {
  email: string;
  notify: boolean;
}

/** Adds an admin, or updates `notify` of one that exists. */
export async function addAdmin(tx: Tx, appRowId: number, email: string, notify: boolean): Promise<void> {
  await tx
    .insertInto('app_admins')
    .values({ app_id: appRowId, email, notify: notify ? 1 : 0, created_at: Date.now() })
    .onConflict((oc) => oc.columns(['app_id', 'email']).doUpdateSet({ notify: notify ? 1 : 0 }))
    .execute();
}

/** Adds an admin unless the email already is one (accepting an invite must not change `notify`). */
export async function ensureAdmin(tx: Tx, appRowId: number, email: string): Promise<void> {
  await tx
    .insertInto('app_admins')
    .values({ app_id: appRowId, email, notify: 1, created_at: Date.now() })
    .onConflict((oc) => oc.columns(['app_id', 'email']).doNothing())
    .execute();
}

export async function listAdmins(db: Db | Tx, appRowId: number): Promise<Admin[]> {
  const rows = await db.selectFrom('app_admins').select(['email', 'notify']).where('app_id', '=', appRowId).orderBy('id').execute();
  return rows.map((r) => ({ email: r.email, notify: r.notify === 1 }));
}

/**
 * Removes an admin. Janrain refuses to remove the last admin of an application (deleting the
 * application is `app/delete`'s job), and so do we.
 */
export async function deleteAdmin(tx: Tx, dialect: Dialect, appRowId: number, email: string): Promise<'deleted' | 'not_found' | 'last_admin'> {
  // Two concurrent deletions must not both see a second admin: lock the application row first
  // (SQLite transactions are serialised already).
  if (dialect === 'postgres') await tx.selectFrom('apps').select('id').where('id', '=', appRowId).forUpdate().execute();
  const admins = await tx.selectFrom('app_admins').select(['id', 'email']).where('app_id', '=', appRowId).execute();
  const target = admins.find((a) => a.email === email);
  if (!target) return 'not_found';
  if (admins.length === 1) return 'last_admin';
  await tx.deleteFrom('app_admins').where('app_id', '=', appRowId).where('id', '=', target.id).execute();
  return 'deleted';
}
