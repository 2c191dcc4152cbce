import type { Db, Tx } from '../../store/store.js';
import type { Instant } from '../records/datetime.js';
import { nowEpochMicros, toEpochMicros } from '../records/datetime.js';
import type { AttrDef } from './attr-def.js';
import { parseStoredSchema } from './entity-types.js';

/**
 * Records the schema a type has from now on. Every change writes one row, so the history is
 * the list of schemas with the instant each began to hold; versions are strictly increasing
 * per type even when two changes fall in one microsecond.
 */
export async function recordSchemaVersion(tx: Tx, appId: number, typeId: number, attrDefs: readonly AttrDef[]): Promise<void> {
  const last = await tx.selectFrom('entity_type_versions').select('valid_from').where('type_id', '=', typeId).orderBy('valid_from', 'desc').limit(1).executeTakeFirst();
  const validFrom = Math.max(nowEpochMicros(), (last?.valid_from ?? 0) + 1);
  await tx.insertInto('entity_type_versions').values({ app_id: appId, type_id: typeId, schema_json: JSON.stringify(attrDefs), valid_from: validFrom }).execute();
}

/** The schema the type had at an instant; undefined before the type existed. */
export async function schemaAt(db: Db | Tx, appId: number, typeId: number, at: Instant): Promise<AttrDef[] | undefined> {
  // Instants beyond what epoch microseconds hold lie before every version or after all of them.
  let micros: number;
  try {
    micros = toEpochMicros(at);
  } catch {
    if (at.seconds < 0) return undefined;
    micros = Number.MAX_SAFE_INTEGER;
  }
  const row = await db
    .selectFrom('entity_type_versions')
    .select('schema_json')
    .where('app_id', '=', appId)
    .where('type_id', '=', typeId)
    .where('valid_from', '<=', micros)
    .orderBy('valid_from', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? parseStoredSchema(row.schema_json) : undefined;
}
