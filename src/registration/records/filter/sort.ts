import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from '../../../store/store.js';
import { attributeSql, isComparable, type AttributeResolver } from './attribute.js';
import { sortError } from './errors.js';

export const MAX_SORT_KEYS = 16;

export interface SortKey {
  attribute: string;
  descending: boolean;
}

/**
 * Reads sort_on, already JSON-parsed: a list of attribute paths, `-name` for descending. A
 * plain string is taken as a comma-separated list, as other list parameters are (NOTES.md §1).
 */
export function parseSortOn(sortOn: unknown): SortKey[] {
  if (typeof sortOn === 'string') sortOn = sortOn.split(',').filter((entry) => entry.trim() !== '');
  if (!Array.isArray(sortOn)) throw sortError('sort_on must be a JSON list of attribute names, e.g. ["-lastUpdated", "id"]');
  if (sortOn.length > MAX_SORT_KEYS) throw sortError(`sort_on names more than ${MAX_SORT_KEYS} attributes`);
  return sortOn.map((entry) => {
    if (typeof entry !== 'string') throw sortError('sort_on must list attribute names as strings');
    const trimmed = entry.trim();
    const descending = trimmed.startsWith('-');
    const attribute = descending || trimmed.startsWith('+') ? trimmed.slice(1).trim() : trimmed;
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(attribute)) throw sortError(`sort_on: ${JSON.stringify(entry)} is not an attribute name`);
    return { attribute, descending };
  });
}

/**
 * ORDER BY terms for sort keys, always ending with the record id so that pages are stable:
 * `id` ascending unless the keys already order by it. Only reserved and scalar attributes
 * outside plurals sort. Nulls sort as the smallest value on both databases (SQLite's own
 * order; PostgreSQL is told so), which attributeIndexColumnSql's PostgreSQL indexes match.
 */
export function compileSort(keys: readonly SortKey[], context: { dialect: Dialect; resolve: AttributeResolver }): RawBuilder<unknown>[] {
  const terms: RawBuilder<unknown>[] = [];
  let hasId = false;
  for (const key of keys) {
    const attr = context.resolve(key.attribute);
    if (!attr) throw sortError(`sort_on: unknown attribute '${key.attribute}'`);
    if (attr.plural || !isComparable(attr)) throw sortError(`sort_on: cannot sort on '${key.attribute}' (${attr.plural ? 'it lives in a plural' : attr.type})`);
    const direction = key.descending ? 'desc' : 'asc';
    const nulls = context.dialect === 'postgres' && !attr.column ? (key.descending ? ' nulls last' : ' nulls first') : '';
    terms.push(sql`${attributeSql(context.dialect, attr)} ${sql.raw(direction + nulls)}`);
    if (attr.column === 'id') {
      hasId = true;
      break; // ids are unique: later keys could never decide anything
    }
  }
  if (!hasId) terms.push(sql`${sql.ref('id')} asc`);
  return terms;
}
