import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from '../../../store/store.js';

/**
 * How one attribute path of an entity type is stored (the records contract). The records
 * module builds these from the entity type's schema; the filter and sort compilers and the
 * index DDL all turn them into SQL through attributeSql, so that indexes match queries exactly.
 */
export interface AttributeInfo {
  /** The dotted path as written. */
  name: string;
  /** Reserved attributes live in their own columns. */
  column?: 'id' | 'uuid' | 'created' | 'last_updated';
  /** JSON path inside `data`; for a plural member, the path inside the element. */
  path: string[];
  /** JSON path of the plural array when the attribute lives in plural elements. */
  plural?: string[];
  type: AttributeType;
  caseSensitive: boolean;
}

export type AttributeType =
  | 'boolean'
  | 'date'
  | 'dateTime'
  | 'decimal'
  | 'integer'
  | 'ipAddress'
  | 'json'
  | 'string'
  | 'uuid'
  | 'id'
  | 'password'
  | 'object'
  | 'plural';

export type AttributeResolver = (dottedPath: string) => AttributeInfo | undefined;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMERIC_TYPES = new Set<string>(['integer', 'decimal', 'id']);
const TEXT_TYPES = new Set<string>(['string', 'uuid', 'ipAddress']);

export function isNumeric(attr: AttributeInfo): boolean {
  return NUMERIC_TYPES.has(attr.type);
}

/** Case-insensitive text attributes compare, sort and index as lower(<expr>); reserved columns never do. */
export function isCaseInsensitive(attr: AttributeInfo): boolean {
  return !attr.column && !attr.caseSensitive && TEXT_TYPES.has(attr.type);
}

/** Attributes whose value is a whole structure or a secret: only null tests apply to them. */
export function isComparable(attr: AttributeInfo): boolean {
  return !['json', 'object', 'plural'].includes(attr.type) && !attr.type.startsWith('password');
}

/**
 * The SQL expression for an attribute of one `entities` row, exactly as filters compare it,
 * sort_on orders by it, and expression indexes must be declared on it:
 *   SQLite     json_extract("data", '$.a.b')            [lower(…) when case-insensitive]
 *   PostgreSQL ("data" #>> '{a,b}')[::numeric|::boolean] [lower(…) when case-insensitive]
 * Plural members have no single-row expression (they are matched with EXISTS): this throws for them.
 */
export function attributeSql(dialect: Dialect, attr: AttributeInfo): RawBuilder<unknown> {
  if (attr.plural) throw new Error(`attribute ${attr.name} lives in plural elements and has no row expression`);
  if (attr.column) return sql.ref(attr.column);
  return valueSql(dialect, attr, sql.ref('data'));
}

/**
 * The index column for an attribute: its expression, and on PostgreSQL `nulls first` so that the
 * index serves sort_on in both directions with the null ordering compileSort uses (nulls smallest).
 */
export function attributeIndexColumnSql(dialect: Dialect, attr: AttributeInfo): RawBuilder<unknown> {
  const expr = attributeSql(dialect, attr);
  if (attr.column) return expr;
  // PostgreSQL requires parentheses around an index expression that is not a bare function call.
  return dialect === 'postgres' ? sql`(${expr}) nulls first` : sql`(${expr})`;
}

/** The attribute's value expression over a JSON document: the row's `data`, or a plural element. */
export function valueSql(dialect: Dialect, attr: AttributeInfo, document: RawBuilder<unknown>): RawBuilder<unknown> {
  const path = checkedPath(attr.path, attr.name);
  let expr: RawBuilder<unknown>;
  if (dialect === 'sqlite') {
    expr = sql`json_extract(${document}, ${sql.raw(`'$.${path.join('.')}'`)})`;
  } else {
    const text = sql`(${document} #>> ${sql.raw(`'{${path.join(',')}}'`)})`;
    expr = isNumeric(attr) ? sql`${text}::numeric` : attr.type === 'boolean' ? sql`${text}::boolean` : text;
  }
  return isCaseInsensitive(attr) ? sql`lower(${expr})` : expr;
}

/** Path segments are inlined into SQL (expression indexes need literals), so each must be a plain name. */
export function checkedPath(path: readonly string[], name: string): readonly string[] {
  if (path.length === 0 || !path.every((segment) => NAME.test(segment))) throw new Error(`attribute ${name} has an unsafe JSON path`);
  return path;
}
