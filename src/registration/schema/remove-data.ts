import { sql, type RawBuilder } from 'kysely';
import type { Dialect, Tx } from '../../store/store.js';
import { checkedPath } from '../records/filter/attribute.js';
import type { AttributeLocation } from './paths.js';

/**
 * entityType.removeAttribute removes the attribute's data from every record of the type, in the
 * schema change's transaction: one UPDATE per dialect, touching only records that hold a value.
 * Paths are validated attribute names inlined as literals; the type id is an internal integer.
 */
export async function removeAttributeData(tx: Tx, dialect: Dialect, typeId: number, location: AttributeLocation): Promise<void> {
  const { segments, pluralAncestors } = location;
  checkedPath(segments, segments.join('.'));
  const type = sql.raw(String(typeId));
  if (pluralAncestors.length === 0) {
    const statement =
      dialect === 'sqlite'
        ? sql`update "entities" set "data" = json_remove("data", ${jsonPath(segments)}) where "type_id" = ${type} and json_type("data", ${jsonPath(segments)}) is not null`
        : sql`update "entities" set "data" = "data" #- ${pgPath(segments)} where "type_id" = ${type} and ("data" #> ${pgPath(segments)}) is not null`;
    await statement.execute(tx);
    return;
  }
  if (pluralAncestors.length === 1) {
    const plural = segments.slice(0, pluralAncestors[0] + 1);
    const inner = segments.slice(pluralAncestors[0] + 1);
    // Rebuild the array without the member, keeping element order.
    const statement =
      dialect === 'sqlite'
        ? sql`update "entities" set "data" = json_set("data", ${jsonPath(plural)}, (select json_group_array(json(json_remove(e.value, ${jsonPath(inner)})) order by e.key) from json_each("entities"."data", ${jsonPath(plural)}) as e)) where "type_id" = ${type} and json_type("data", ${jsonPath(plural)}) = 'array'`
        : sql`update "entities" set "data" = jsonb_set("data", ${pgPath(plural)}, (select coalesce(jsonb_agg(e.element #- ${pgPath(inner)} order by e.position), '[]'::jsonb) from jsonb_array_elements("entities"."data" #> ${pgPath(plural)}) with ordinality as e(element, position))) where "type_id" = ${type} and jsonb_typeof("data" #> ${pgPath(plural)}) = 'array'`;
    await statement.execute(tx);
    return;
  }
  await removeNestedPluralData(tx, dialect, typeId, location);
}

function jsonPath(segments: readonly string[]): RawBuilder<unknown> {
  return sql.raw(`'$.${segments.join('.')}'`);
}

function pgPath(segments: readonly string[]): RawBuilder<unknown> {
  return sql.raw(`'{${segments.join(',')}}'`);
}

const PAGE = 500;

/** A member of a plural inside another plural's elements: no single statement reaches it, so records are rewritten in pages. */
async function removeNestedPluralData(tx: Tx, dialect: Dialect, typeId: number, location: AttributeLocation): Promise<void> {
  const type = sql.raw(String(typeId));
  let after = 0;
  for (;;) {
    const page = await sql<{ id: number; data: unknown }>`select "id", "data" from "entities" where "type_id" = ${type} and "id" > ${after} order by "id" limit ${PAGE}`.execute(tx);
    if (page.rows.length === 0) return;
    for (const row of page.rows) {
      const data = typeof row.data === 'string' ? (JSON.parse(row.data) as unknown) : row.data;
      if (!removeAt(data, location.segments, 0)) continue;
      const text = JSON.stringify(data);
      await (dialect === 'postgres'
        ? sql`update "entities" set "data" = cast(${text} as jsonb) where "id" = ${row.id}`
        : sql`update "entities" set "data" = ${text} where "id" = ${row.id}`
      ).execute(tx);
    }
    after = Number(page.rows[page.rows.length - 1].id);
  }
}

/** Deletes the member at `segments` wherever it occurs (arrays fan out); whether anything was removed. */
function removeAt(node: unknown, segments: readonly string[], at: number): boolean {
  if (Array.isArray(node)) return node.map((element) => removeAt(element, segments, at)).some(Boolean);
  if (typeof node !== 'object' || node === null) return false;
  const record = node as Record<string, unknown>;
  const name = segments[at];
  if (!(name in record)) return false;
  if (at === segments.length - 1) {
    delete record[name];
    return true;
  }
  return removeAt(record[name], segments, at + 1);
}
