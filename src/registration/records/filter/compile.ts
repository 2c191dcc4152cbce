import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from '../../../store/store.js';
import { formatStoredDateTime, parseDate, parseDateTime, toEpochMicros } from '../datetime.js';
import { attributeSql, checkedPath, isCaseInsensitive, isComparable, isNumeric, valueSql, type AttributeInfo, type AttributeResolver } from './attribute.js';
import { filterError, unknownAttribute } from './errors.js';
import { parseFilter, type Condition, type Literal } from './parser.js';

export interface FilterContext {
  dialect: Dialect;
  /** Attribute paths of the entity type being searched; undefined for a path it does not have. */
  resolve: AttributeResolver;
  /**
   * What goes into the SQL for each compared value, in the order filterValues lists them
   * (default: the value, as a bound parameter). A query prepared for a filter's shape binds
   * stand-ins once and runs with each filter's filterValues.
   */
  bind?: (value: FilterValue) => unknown;
}

/** A compared value as bound, coerced to the attribute's stored type. */
export type FilterValue = string | number | boolean;

/**
 * Translates conditions into one SQL boolean over an `entities` row (unqualified columns
 * `id`, `uuid`, `created`, `last_updated`, `data`). Every value is a bound parameter; attribute
 * paths come only from the resolver and are inlined as literals so that expression indexes match.
 *
 * Semantics (ours, documented in docs/storage.md by the records module):
 * - A comparison matches only attributes that have a value: `email != 'x'` does not match a
 *   record without an email. `not` negates the whole condition in two-valued logic, so
 *   `not (email = 'x')` does match it.
 * - A plural member path is true when ANY element matches: `profiles.domain != 'x'` means some
 *   element's domain differs, `not (profiles.domain = 'x')` means no element has it.
 *   `profiles.domain is null`: some element lacks a domain.
 * - `plural is null`: no elements; `object is null` / `json is null`: absent or null.
 * - Case-insensitive string attributes compare as lower(attr) op lower(value), in SQL on both
 *   sides so that the database's own lower() decides (SQLite's is ASCII-only) and the
 *   expression index on lower(attr) serves equality.
 * - Values are coerced to the attribute's type: numbers for integer/decimal/id, booleans,
 *   dates to YYYY-MM-DD, dateTimes to the stored UTC form, created/lastUpdated to epoch µs.
 */
export function compileFilter(condition: Condition, context: FilterContext): RawBuilder<boolean> {
  return compile(condition, context) as RawBuilder<boolean>;
}

/** parseFilter + compileFilter. */
export function filterSql(filter: string, context: FilterContext): RawBuilder<boolean> {
  return compileFilter(parseFilter(filter), context);
}

/**
 * The values compileFilter binds for a condition, in its order, after the same checks and in the
 * same order: it throws exactly what compileFilter would.
 */
export function filterValues(condition: Condition, context: FilterContext, out: FilterValue[] = []): FilterValue[] {
  switch (condition.kind) {
    case 'and':
    case 'or':
      for (const operand of condition.operands) filterValues(operand, context, out);
      break;
    case 'not':
      filterValues(condition.operand, context, out);
      break;
    case 'isNull':
      resolve(condition.attribute, condition.position, context);
      break;
    case 'compare':
      out.push(comparedValue(condition, resolve(condition.attribute, condition.position, context), context.dialect));
      break;
  }
  return out;
}

/**
 * Text that two conditions share exactly when compileFilter makes the same SQL of them (over one
 * entity type and dialect) but for the values: everything but the values and positions.
 * Attribute paths are names and dots (lexer.ts), so the punctuation cannot be ambiguous.
 */
export function filterShape(condition: Condition): string {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return `${condition.kind}(${condition.operands.map(filterShape).join(',')})`;
    case 'not':
      return `not(${filterShape(condition.operand)})`;
    case 'isNull':
      return `${condition.attribute} is${condition.negated ? ' not' : ''} null`;
    case 'compare':
      return `${condition.attribute} ${condition.operator} ?`;
  }
}

function compile(condition: Condition, context: FilterContext): RawBuilder<unknown> {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return sql`(${sql.join(
        condition.operands.map((operand) => compile(operand, context)),
        sql.raw(` ${condition.kind} `),
      )})`;
    case 'not':
      // A comparison on a missing value is SQL NULL; `not` must turn it into true, not NULL.
      return sql`(not coalesce(${compile(condition.operand, context)}, false))`;
    case 'isNull':
      return nullTest(condition, resolve(condition.attribute, condition.position, context), context.dialect);
    case 'compare':
      return comparison(condition, resolve(condition.attribute, condition.position, context), context);
  }
}

function resolve(path: string, position: number, context: FilterContext): AttributeInfo {
  const attr = context.resolve(path);
  if (!attr) throw unknownAttribute(path, position);
  return attr;
}

function nullTest(condition: Extract<Condition, { kind: 'isNull' }>, attr: AttributeInfo, dialect: Dialect): RawBuilder<unknown> {
  const is = sql.raw(condition.negated ? 'is not null' : 'is null');
  if (attr.type === 'plural') {
    // The plural itself: null means it has no elements.
    const any = sql`exists (select 1 from ${elements(dialect, attr.path)})`;
    return condition.negated ? any : sql`(not ${any})`;
  }
  if (attr.plural) return anyElement(dialect, attr, (value) => sql`${value} ${is}`);
  if (attr.column) return sql`${sql.ref(attr.column)} ${is}`;
  // Nulls are tested on the raw extraction, so that no cast or lower() stands in the way.
  return sql`${valueSql(dialect, { ...attr, type: 'json', caseSensitive: true }, sql.ref('data'))} ${is}`;
}

function comparison(condition: Extract<Condition, { kind: 'compare' }>, attr: AttributeInfo, context: FilterContext): RawBuilder<unknown> {
  const { dialect } = context;
  const operator = condition.operator;
  const coerced = comparedValue(condition, attr, dialect);
  const value = context.bind ? context.bind(coerced) : coerced;
  const bound = isCaseInsensitive(attr) ? sql`lower(cast(${value} as text))` : sql`${value}`;
  const op = sql.raw(operator === '!=' ? '<>' : operator);
  if (attr.plural) return anyElement(dialect, attr, (element) => sql`${element} ${op} ${bound}`);
  return sql`${attributeSql(dialect, attr)} ${op} ${bound}`;
}

/** EXISTS over the elements of the attribute's plural; `test` receives the member's expression inside one element. */
function anyElement(dialect: Dialect, attr: AttributeInfo, test: (value: RawBuilder<unknown>) => RawBuilder<unknown>): RawBuilder<unknown> {
  const member = valueSql(dialect, attr, sql`e.value`);
  return sql`exists (select 1 from ${elements(dialect, attr.plural!)} and ${test(member)})`;
}

/**
 * `<set of elements e> where <e is an element>`: the FROM and the start of the WHERE of an
 * EXISTS over a plural array. A plural stored as null, or as anything but an array, has no
 * elements (PostgreSQL would raise on it; SQLite would walk it).
 */
function elements(dialect: Dialect, path: readonly string[]): RawBuilder<unknown> {
  checkedPath(path, path.join('.'));
  if (dialect === 'sqlite') {
    return sql`json_each("data", ${sql.raw(`'$.${path.join('.')}'`)}) as e where e.type = 'object'`;
  }
  const array = sql.raw(`("data" #> '{${path.join(',')}}')`);
  return sql`jsonb_array_elements(case jsonb_typeof(${array}) when 'array' then ${array} else '[]'::jsonb end) as e(value) where jsonb_typeof(e.value) = 'object'`;
}

/** The value a comparison binds, after checking that the attribute takes the comparison at all. */
function comparedValue(condition: Extract<Condition, { kind: 'compare' }>, attr: AttributeInfo, dialect: Dialect): FilterValue {
  if (!isComparable(attr)) {
    throw filterError(`attribute '${attr.name}' (${attr.type}) at position ${condition.position} cannot be compared with a value; only 'is null' and 'is not null' apply to it`);
  }
  if (attr.type === 'boolean' && condition.operator !== '=' && condition.operator !== '!=') {
    throw filterError(`boolean attribute '${attr.name}' at position ${condition.position} can only be compared with = or !=`);
  }
  return coerce(condition, attr, dialect);
}

/** The literal as a value of the attribute's stored type, or 200 naming the attribute. */
function coerce(condition: Extract<Condition, { kind: 'compare' }>, attr: AttributeInfo, dialect: Dialect): string | number | boolean {
  const literal = condition.value;
  const text = literalText(literal);
  if (attr.column === 'created' || attr.column === 'last_updated') {
    const instant = literal.type === 'string' ? parseDateTime(literal.value) : undefined;
    if (!instant) throw wrongValue(condition, attr, 'a date or time');
    try {
      return toEpochMicros(instant);
    } catch {
      throw wrongValue(condition, attr, 'a date between the years 1700 and 2200');
    }
  }
  switch (attr.type) {
    case 'integer':
    case 'decimal':
    case 'id': {
      if (literal.type === 'boolean' || !NUMBER.test(text.trim())) throw wrongValue(condition, attr, 'a number');
      const number = Number(text.trim());
      if (!Number.isFinite(number)) throw wrongValue(condition, attr, 'a number');
      // The id column is a bigint: PostgreSQL refuses a fraction or a value past its range for it.
      if (attr.column === 'id' && !Number.isSafeInteger(number)) throw wrongValue(condition, attr, 'a record id');
      return number;
    }
    case 'boolean': {
      const lower = text.trim().toLowerCase();
      if (literal.type === 'number' || (lower !== 'true' && lower !== 'false')) throw wrongValue(condition, attr, 'true or false');
      const value = lower === 'true';
      // better-sqlite3 binds no booleans; SQLite's JSON true/false read back as 1/0.
      return dialect === 'sqlite' ? (value ? 1 : 0) : value;
    }
    case 'date': {
      const date = literal.type === 'string' ? parseDate(literal.value) : undefined;
      if (date === undefined) throw wrongValue(condition, attr, 'a date (YYYY-MM-DD)');
      return date;
    }
    case 'dateTime': {
      const instant = literal.type === 'string' ? parseDateTime(literal.value) : undefined;
      if (!instant) throw wrongValue(condition, attr, 'a date and time');
      return formatStoredDateTime(instant);
    }
    default:
      return text;
  }
}

function wrongValue(condition: Extract<Condition, { kind: 'compare' }>, attr: AttributeInfo, what: string): ReturnType<typeof filterError> {
  return filterError(`value ${describeLiteral(condition.value)} at position ${condition.valuePosition} is not ${what} for attribute '${attr.name}'`);
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function literalText(literal: Literal): string {
  return literal.type === 'string' ? literal.value : literal.type === 'number' ? literal.text : String(literal.value);
}

function describeLiteral(literal: Literal): string {
  if (literal.type !== 'string') return literalText(literal);
  return `'${literal.value.length > 40 ? `${literal.value.slice(0, 40)}…` : literal.value}'`;
}
