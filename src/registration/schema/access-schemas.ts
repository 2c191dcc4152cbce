import { z } from 'zod';
import { FreshCache } from '../../store/fresh-cache.js';
import { prepared } from '../../store/prepared.js';
import type { Db, Tx } from '../../store/store.js';
import { requireClientOfApp } from '../clients/clients.js';
import type { AttrDef } from './attr-def.js';
import { withReserved } from './definitions.js';
import { getEntityType, lockEntityType, type EntityType } from './entity-types.js';
import { locate, type SchemaWriter } from './type-changes.js';

export type AccessType = 'read' | 'write';

const storedPaths = z.array(z.string());

/**
 * The attribute paths a client may read or write in records of a type (entityType.setAccessSchema),
 * or undefined when none was set and the client's features alone decide. The reserved attributes
 * are always part of a client's view and are not listed.
 */
export async function accessSchemaFor(db: Db | Tx, appId: number, typeName: string, clientId: string, accessType: AccessType): Promise<string[] | undefined> {
  const type = await getEntityType(db, appId, typeName);
  const key = `${type.id}\u0000${clientId}\u0000${accessType}`;
  const cached = recentAccessSchemas.get(db, key);
  // Copies: callers own what they are given; the cached list stays as read.
  if (cached) return cached.paths && [...cached.paths];
  const ticket = recentAccessSchemas.ticket(db);
  const [row] = await accessSchemaRow(db, appId, type.id, clientId, accessType);
  const paths = row ? Object.freeze(storedPaths.parse(JSON.parse(row.attributes))) : undefined;
  recentAccessSchemas.set(db, key, { paths }, ticket);
  return paths && [...paths];
}

const accessSchemaRow = prepared((db, appId: number, typeId: number, clientId: string, accessType: AccessType) =>
  db.selectFrom('entity_type_access').select('attributes').where('app_id', '=', appId).where('type_id', '=', typeId).where('client_id', '=', clientId).where('access_type', '=', accessType),
);

// Every call of a client other than an owner reads its access schema (see fresh-cache.ts for
// how long an entry is trusted; schema changes drop it at once). "None set" is kept too.
const recentAccessSchemas = new FreshCache<{ paths: readonly string[] | undefined }>();

/**
 * Replaces a client's read or write access schema. The client must be one of the application's
 * (200 naming for_client_id); every path must name an attribute of the type (223 otherwise);
 * reserved ones are implied and dropped. Answers whether the client had
 * none of this access type before.
 */
export async function setAccessSchema(w: SchemaWriter, appId: number, typeName: string, clientId: string, accessType: AccessType, attributes: string[]): Promise<{ type: EntityType; paths: string[]; created: boolean }> {
  const type = await lockEntityType(w.tx, w.dialect, appId, typeName);
  await requireClientOfApp(w.tx, appId, clientId, 'for_client_id');
  const paths = [
    ...new Set(
      attributes
        .map((a) => locate(type, a, 'attributes'))
        .filter((l) => !(l.reserved && l.segments.length === 1))
        .map((l) => l.segments.join('.')),
    ),
  ];
  const now = Date.now();
  const existing = await w.tx
    .selectFrom('entity_type_access')
    .select('id')
    .where('app_id', '=', appId)
    .where('type_id', '=', type.id)
    .where('client_id', '=', clientId)
    .where('access_type', '=', accessType)
    .executeTakeFirst();
  if (existing) await w.tx.updateTable('entity_type_access').set({ attributes: JSON.stringify(paths), updated_at: now }).where('id', '=', existing.id).execute();
  else await w.tx.insertInto('entity_type_access').values({ app_id: appId, type_id: type.id, client_id: clientId, access_type: accessType, attributes: JSON.stringify(paths), updated_at: now }).execute();
  return { type, paths, created: !existing };
}

/**
 * The part of a schema an access schema lets through, as entityType.getAccessSchema shows it:
 * the reserved attributes, every listed attribute with all its children, and the containers
 * leading to listed children (holding only those).
 */
export function restrictSchema(attrDefs: readonly AttrDef[], paths: readonly string[]): AttrDef[] {
  const split = paths.map((p) => p.split('.'));
  return withReserved(restrict(attrDefs, split));
}

function restrict(defs: readonly AttrDef[], paths: string[][]): AttrDef[] {
  const out: AttrDef[] = [];
  for (const def of defs) {
    const mine = paths.filter((p) => p[0] === def.name);
    if (mine.length === 0) continue;
    if (mine.some((p) => p.length === 1) || !def.attr_defs) {
      out.push(def);
      continue;
    }
    out.push({ ...def, attr_defs: restrict(def.attr_defs, mine.map((p) => p.slice(1))) });
  }
  return out;
}
