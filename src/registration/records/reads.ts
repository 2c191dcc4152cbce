import { sql, type RawBuilder } from 'kysely';
import { RegistrationError } from '../../http/errors.js';
import { compileWithSlots, runWithSlots, type SlottedQuery } from '../../store/prepared.js';
import type { Db, Dialect } from '../../store/store.js';
import type { EntityType } from '../schema/entity-types.js';
import { compileFilter, compileSort, filterShape, filterValues, parseFilter, parseSortOn, type Condition, type FilterValue, type Literal } from './filter/index.js';
import { conditionAttributes } from './access.js';
import type { JsonObject } from './json.js';
import { presentRecord, type RecordRow, type Selection } from './present.js';
import { inType, toRow } from './record-store.js';

/** entity.find: at most this many records per call (NOTES.md §5), 100 unless told. */
export const MAX_RESULTS = 10_000;
export const DEFAULT_RESULTS = 100;

/**
 * Vets each attribute a filter or sort_on uses (the caller's read access schema), throwing to
 * refuse; `argumentName` is the parameter it came in.
 */
export type AttributeCheck = (attribute: string, argumentName: 'filter' | 'sort_on') => void;

/** The SQL condition of a filter over the type's records; no filter matches every record. */
export function filterCondition(dialect: Dialect, type: EntityType, filter: string | undefined, check?: AttributeCheck): RawBuilder<boolean> {
  return compiledFilter(dialect, type, filter, check).where;
}

function compiledFilter(dialect: Dialect, type: EntityType, filter: string | undefined, check?: AttributeCheck): { where: RawBuilder<boolean>; single: boolean } {
  if (filter === undefined || filter.trim() === '') return { where: sql<boolean>`1 = 1`, single: false };
  const condition = parseFilter(filter);
  if (check) for (const attribute of conditionAttributes(condition)) check(attribute, 'filter');
  return { where: compileFilter(condition, { dialect, resolve: type.resolve }), single: atMostOne(condition, type) };
}

/**
 * Whether a condition can match at most one record: an equality on `id`, `uuid` or a `unique`
 * attribute outside plurals, alone or inside an `and`. Such a lookup needs no ORDER BY or
 * LIMIT, and must not have them on PostgreSQL: the per-type indexes are partial, so the planner
 * has no statistics for their expressions and guesses hundreds of matches; with ORDER BY id
 * LIMIT it then walks the primary key, with LIMIT alone it scans the table expecting an early
 * hit: either way it reads every record for an email lookup.
 */
export function atMostOne(condition: Condition, type: EntityType): boolean {
  if (condition.kind === 'and') return condition.operands.some((operand) => atMostOne(operand, type));
  if (condition.kind !== 'compare' || condition.operator !== '=') return false;
  return isUniqueAttribute(type, condition.attribute);
}

export function isUniqueAttribute(type: EntityType, path: string): boolean {
  const attr = type.resolve(path);
  if (!attr || attr.plural) return false;
  if (attr.column === 'id' || attr.column === 'uuid') return true;
  if (attr.column) return false;
  let defs = type.attrDefs;
  let def;
  for (const name of attr.path) {
    def = defs.find((d) => d.name === name);
    if (!def) return false;
    defs = def.attr_defs ?? [];
  }
  return def?.constraints?.includes('unique') ?? false;
}

/**
 * `key_attribute` + `key_value` (JSON text: `"\"abc\""`) as a condition: the same comparison a
 * filter `key = value` makes, so that the attribute's index serves it. `bind` as compileFilter's.
 */
export function keyCondition(dialect: Dialect, type: EntityType, keyAttribute: string, keyValue: string, bind?: (value: FilterValue) => unknown): { where: RawBuilder<boolean>; single: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(keyValue);
  } catch {
    // Some clients send a bare string; Janrain's own examples always quote it.
    value = keyValue;
  }
  let literal: Literal;
  if (typeof value === 'string') literal = { type: 'string', value };
  else if (typeof value === 'number' && Number.isFinite(value)) literal = { type: 'number', text: String(value) };
  else if (typeof value === 'boolean') literal = { type: 'boolean', value };
  else throw new RegistrationError(200, 'key_value must be a JSON string, number or boolean', { argumentName: 'key_value' });
  const attr = type.resolve(keyAttribute);
  if (!attr) throw new RegistrationError(223, `unknown attribute ${keyAttribute}`, { argumentName: 'key_attribute' });
  if (attr.plural || ['object', 'plural', 'json', 'password'].includes(attr.type)) {
    throw new RegistrationError(200, `key_attribute must be a single value attribute outside plurals, not ${keyAttribute}`, { argumentName: 'key_attribute' });
  }
  const condition: Condition = { kind: 'compare', attribute: keyAttribute, operator: '=', value: literal, position: 1, valuePosition: 1 };
  try {
    return { where: compileFilter(condition, { dialect, resolve: type.resolve, bind }), single: atMostOne(condition, type) };
  } catch (err) {
    if (err instanceof RegistrationError) throw new RegistrationError(err.code, err.description.replace(/ at position \d+/, ''), { argumentName: 'key_value' });
    throw err;
  }
}

export interface FindQuery {
  filter?: string;
  sortOn?: unknown;
  maxResults: number;
  /** 1-based. */
  firstResult: number;
  showTotalCount: boolean;
}

/** A filter read for a query: its condition (none: every record) and the values it binds. */
interface ReadFilter {
  condition: Condition | undefined;
  values: FilterValue[];
}

/** Parses and vets a filter as compileFilter would, without building its SQL. */
function readFilter(dialect: Dialect, type: EntityType, filter: string | undefined, check?: AttributeCheck): ReadFilter {
  if (filter === undefined || filter.trim() === '') return { condition: undefined, values: [] };
  const condition = parseFilter(filter);
  if (check) for (const attribute of conditionAttributes(condition)) check(attribute, 'filter');
  return { condition, values: filterValues(condition, { dialect, resolve: type.resolve }) };
}

export async function findRecords(db: Db, dialect: Dialect, type: EntityType, query: FindQuery, selection: Selection, check?: AttributeCheck): Promise<{ results: JsonObject[]; totalCount?: number }> {
  const filter = readFilter(dialect, type, query.filter, check);
  const single = filter.condition !== undefined && atMostOne(filter.condition, type);
  const sortKeys = query.sortOn === undefined ? [] : parseSortOn(query.sortOn);
  if (check) for (const key of sortKeys) check(key.attribute, 'sort_on');
  const offset = query.firstResult - 1;
  let rows: Array<RecordRow & { data: unknown }> = [];
  // Past the only record there can be: nothing to read, but sort_on is still vetted.
  if (single && offset > 0) compileSort(sortKeys, { dialect, resolve: type.resolve });
  else {
    const sortText = sortKeys.map((key) => `${key.descending ? '-' : ''}${key.attribute}`).join(',');
    const shape = `find ${single ? 'one' : offset > 0 ? 'page' : 'first'} ${sortText}\n${filter.condition ? filterShape(filter.condition) : ''}`;
    const read = readQuery(db, dialect, type, shape, (bind) => {
      const where = filter.condition ? compileFilter(filter.condition, { dialect, resolve: type.resolve, bind }) : sql<boolean>`1 = 1`;
      const order = compileSort(sortKeys, { dialect, resolve: type.resolve });
      // A lookup of one record goes without ORDER BY and LIMIT: see atMostOne.
      const tail = single ? sql`` : sql` order by ${sql.join(order)} limit ${bind(query.maxResults)}${offset > 0 ? sql` offset ${bind(offset)}` : sql``}`;
      return sql`select "id", "uuid", "created", "last_updated", "data" from "entities" where ${inType(type)} and (${where})${tail}`;
    });
    rows = await runWithSlots(db, read as SlottedQuery<RecordRow & { data: unknown }>, single ? filter.values : [...filter.values, query.maxResults, ...(offset > 0 ? [offset] : [])]);
  }
  const results = rows.map((row) => presentRecord(toRow(row), selection));
  if (!query.showTotalCount) return { results };
  return { results, totalCount: await countFiltered(db, dialect, type, filter) };
}

export async function countRecords(db: Db, dialect: Dialect, type: EntityType, filter: string | undefined, check?: AttributeCheck): Promise<number> {
  return countFiltered(db, dialect, type, readFilter(dialect, type, filter, check));
}

async function countFiltered(db: Db, dialect: Dialect, type: EntityType, filter: ReadFilter): Promise<number> {
  const shape = `count\n${filter.condition ? filterShape(filter.condition) : ''}`;
  const read = readQuery(db, dialect, type, shape, (bind) => {
    const where = filter.condition ? compileFilter(filter.condition, { dialect, resolve: type.resolve, bind }) : sql<boolean>`1 = 1`;
    return sql`select count(*) as "n" from "entities" where ${inType(type)} and (${where})`;
  });
  const rows = await runWithSlots(db, read as SlottedQuery<{ n: number }>, filter.values);
  return Number(rows[0]?.n ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Read queries prepared per shape: building and compiling a query with kysely costs several
// times what running a lookup by email does on SQLite. A shape is what decides the SQL text
// (the filter without its values, sort_on, single record or page); the values are bound anew on
// every run, and checked anew (readFilter) before it.

/** Shapes kept per entity type and database kind; a schema change makes a new type, and with it new queries. */
const MAX_SHAPES = 200;
const readQueries = new WeakMap<EntityType, Map<string, SlottedQuery>>();

/**
 * The query of a shape, built the first time: `build` hands each value it binds to `bind`, in
 * the order the run's values come (the filter's, in filterValues order, then its own).
 */
function readQuery(db: Db, dialect: Dialect, type: EntityType, shape: string, build: (bind: (value: unknown) => unknown) => RawBuilder<unknown>): SlottedQuery {
  let queries = readQueries.get(type);
  if (!queries) readQueries.set(type, (queries = new Map()));
  const key = `${dialect} ${shape}`;
  let read = queries.get(key);
  if (!read) {
    read = compileWithSlots((slot) => {
      let bound = 0;
      return build(() => slot(bound++)).compile(db);
    });
    if (queries.size >= MAX_SHAPES) queries.clear();
    queries.set(key, read);
  }
  return read;
}

