import { RegistrationError } from '../../http/errors.js';
import type { Dialect } from '../../store/store.js';
import type { EntityType } from '../schema/entity-types.js';
import { indexSpecs } from '../schema/indexes.js';
import { walkAttrDefs } from '../schema/paths.js';

/**
 * `unique` attributes outside plurals are enforced by the per-type unique expression indexes the
 * schema module keeps on `entities`; when the database refuses a write for one of them, the
 * caller gets 361 unique_violation naming the attribute (found from the index the driver names).
 */
export function uniqueViolation(err: unknown, type: EntityType, dialect: Dialect, argumentName?: string): RegistrationError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== '23505' && code !== 'SQLITE_CONSTRAINT_UNIQUE') return undefined;
  const index = indexName(err);
  const spec = indexSpecs(type, dialect).find((s) => s.name === index);
  const attribute = spec ? spec.attributes.map((a) => a.name).join(', ') : attributeOfIndex(type, index);
  const what = attribute ?? 'a unique attribute';
  return new RegistrationError(361, `another record already has this value of ${what}`, { argumentName, extra: attribute ? { attribute_name: attribute } : undefined });
}

/** PostgreSQL names the constraint; SQLite says `UNIQUE constraint failed: index 'name'` (or `table.column`). */
function indexName(err: unknown): string {
  const constraint = (err as { constraint?: unknown }).constraint;
  if (typeof constraint === 'string') return constraint;
  const message = err instanceof Error ? err.message : '';
  const m = /index '([^']+)'/.exec(message) ?? /failed: (\S+)/.exec(message);
  return m ? m[1] : '';
}

/** When the index is not one of the type's current ones (a schema change raced): the unique attribute whose name it carries. */
function attributeOfIndex(type: EntityType, index: string): string | undefined {
  const candidates: string[] = [];
  walkAttrDefs(type.attrDefs, (def, segments, plurals) => {
    if (plurals.length === 0 && def.constraints?.includes('unique')) candidates.push(segments.join('.'));
  });
  for (const property of type.properties) if (property.kind === 'unique') candidates.push(property.attributes.join(', '));
  if (candidates.length === 1) return candidates[0];
  const normal = index.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  let best: string | undefined;
  for (const candidate of candidates) {
    const key = candidate.toLowerCase().replace(/[^a-z0-9]+/g, '_');
    if (normal.includes(key) && (!best || key.length > best.length)) best = candidate;
  }
  return best;
}
