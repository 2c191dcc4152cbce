import { socialErrors } from '../http/errors.js';
import type { Db, Store, Tx } from '../store/store.js';

/**
 * Account mappings (`map`, `unmap`, `mappings`, `all_mappings`): a site stores, per social
 * identifier, the primary key of its own user record; `auth_info` then reports it. An
 * identifier belongs to at most one primary key of an application; a primary key has many.
 */

/** The primary key an identifier is mapped to, if any. */
export async function primaryKeyOf(db: Db | Tx, appRowId: number, identifier: string): Promise<string | undefined> {
  const row = await db.selectFrom('social_mappings').select('primary_key').where('app_id', '=', appRowId).where('identifier', '=', identifier).executeTakeFirst();
  return row?.primary_key;
}

/**
 * Maps an identifier to a primary key. With `overwrite` an existing mapping of the identifier
 * moves to the new key; without it, an identifier already mapped to another key is "Mapping
 * exists" (code 5). Mapping an identifier to the key it already has changes nothing.
 */
export async function mapIdentifier(store: Store, appRowId: number, identifier: string, primaryKey: string, options: { overwrite: boolean }): Promise<void> {
  const now = Date.now();
  await store.write(async (tx) => {
    const insert = tx.insertInto('social_mappings').values({ app_id: appRowId, identifier, primary_key: primaryKey, created_at: now });
    if (options.overwrite) {
      await insert.onConflict((oc) => oc.columns(['app_id', 'identifier']).doUpdateSet({ primary_key: primaryKey })).execute();
      return;
    }
    const inserted = await insert.onConflict((oc) => oc.columns(['app_id', 'identifier']).doNothing()).returning('id').executeTakeFirst();
    if (inserted) return;
    const existing = await primaryKeyOf(tx, appRowId, identifier);
    if (existing !== primaryKey) throw socialErrors.mappingExists();
  });
}

/**
 * Removes mappings of a primary key: one identifier, or all of them. Returns the identifiers
 * that were mapped; an identifier that was not mapped to that key is "Data not found".
 */
export async function unmapIdentifiers(store: Store, appRowId: number, primaryKey: string, which: { all: true } | { identifier: string }): Promise<string[]> {
  const removed = await store.write(async (tx) => {
    let query = tx.deleteFrom('social_mappings').where('app_id', '=', appRowId).where('primary_key', '=', primaryKey);
    if ('identifier' in which) query = query.where('identifier', '=', which.identifier);
    return query.returning('identifier').execute();
  });
  if ('identifier' in which && removed.length === 0) throw socialErrors.dataNotFound(`${which.identifier} is not mapped to that primaryKey`);
  return removed.map((r) => r.identifier);
}

/** The identifiers mapped to a primary key, in the order they were mapped. */
export async function identifiersOf(db: Db, appRowId: number, primaryKey: string): Promise<string[]> {
  const rows = await db.selectFrom('social_mappings').select('identifier').where('app_id', '=', appRowId).where('primary_key', '=', primaryKey).orderBy('id').execute();
  return rows.map((r) => r.identifier);
}

/** Every mapping of the application: primary key → identifiers. */
export async function allMappings(db: Db, appRowId: number): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom('social_mappings').select(['primary_key', 'identifier']).where('app_id', '=', appRowId).orderBy('id').execute();
  const out = new Map<string, string[]>();
  for (const row of rows) {
    const list = out.get(row.primary_key);
    if (list) list.push(row.identifier);
    else out.set(row.primary_key, [row.identifier]);
  }
  return out;
}
