import { containsRemoved, filterError } from './errors.js';
import { Lexer, type Token } from './lexer.js';

/**
 * The entity.find / entity.count filter language (NOTES.md §5), read by recursive descent in
 * Janrain's precedence, tightest first: postfix `is null` / `is not null`; prefix `not` / `!`;
 * `>` `>=` `<` `<=`; `=` `!=`; `and`; `or`. The syntax tree is then checked into conditions
 * (attribute, operator, value), the only shape the compiler accepts.
 *
 * Decisions of ours, beyond Janrain's text:
 * - `not a = 1` reads as `not (a = 1)`: by the precedence table it would be `(not a) = 1`,
 *   which means nothing, so the negation moves out to the comparison it can only have meant.
 * - a value may stand on the left (`5 < age` is `age > 5`); `= null` / `!= null` are
 *   `is null` / `is not null`; comparisons do not chain (`a = 1 = 2` is an error).
 * - strings take single or double quotes, escape with a backslash (`\'`, `\\`) or by
 *   doubling the quote; any other backslash sequence is an error rather than a guess.
 */

export type CompareOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Literal =
  | { type: 'string'; value: string }
  | { type: 'number'; text: string }
  | { type: 'boolean'; value: boolean };

export type Condition =
  | { kind: 'and' | 'or'; operands: Condition[] }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; attribute: string; operator: CompareOperator; value: Literal; position: number; valuePosition: number }
  | { kind: 'isNull'; attribute: string; negated: boolean; position: number };

/** The syntax tree, before it is checked into conditions. */
type Expr =
  | { kind: 'and' | 'or'; operands: Expr[]; position: number }
  | { kind: 'not'; operand: Expr; position: number }
  | { kind: 'compare'; operator: CompareOperator; left: Expr; right: Expr; position: number }
  | { kind: 'isNull'; operand: Expr; negated: boolean; position: number }
  | { kind: 'path'; path: string; position: number }
  | { kind: 'literal'; value: Literal | null; position: number };

/** Parentheses and prefix negations nest at most this deep, so a hostile filter cannot exhaust the stack. */
export const MAX_DEPTH = 64;

/** Reads a filter into conditions, or throws RegistrationError 200 (485 for `contains`) with argument_name `filter`. */
export function parseFilter(filter: string): Condition {
  if (filter.trim() === '') throw filterError('filter is empty');
  const parser = new Parser(new Lexer(filter));
  const expr = parser.parseOr();
  const rest = parser.peek();
  if (rest.kind !== 'end') throw filterError(`unexpected ${describe(rest)} at position ${rest.position}${rest.kind === 'close' ? ' (no matching opening parenthesis)' : ''}`);
  return toCondition(expr);
}

class Parser {
  private depth = 0;

  constructor(private readonly lexer: Lexer) {}

  peek(): Token {
    return this.lexer.peek();
  }

  private next(): Token {
    return this.lexer.next();
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'keyword' && token.keyword === keyword;
  }

  private enter(position: number): void {
    if (++this.depth > MAX_DEPTH) throw filterError(`filter nests deeper than ${MAX_DEPTH} levels at position ${position}`);
  }

  parseOr(): Expr {
    return this.parseList('or', () => this.parseAnd());
  }

  private parseAnd(): Expr {
    return this.parseList('and', () => this.parseEquality());
  }

  private parseList(keyword: 'and' | 'or', operand: () => Expr): Expr {
    const first = operand();
    if (!this.isKeyword(this.peek(), keyword)) return first;
    const operands = [first];
    while (this.isKeyword(this.peek(), keyword)) {
      this.next();
      operands.push(operand());
    }
    return { kind: keyword, operands, position: first.position };
  }

  private parseEquality(): Expr {
    return this.parseComparison(['=', '!='], () => this.parseRelational());
  }

  private parseRelational(): Expr {
    return this.parseComparison(['<', '<=', '>', '>='], () => this.parseUnary());
  }

  private parseComparison(operators: CompareOperator[], operand: () => Expr): Expr {
    const left = operand();
    const token = this.peek();
    if (token.kind !== 'operator' || !operators.includes(token.operator as CompareOperator)) return left;
    this.next();
    const right = operand();
    const after = this.peek();
    if (after.kind === 'operator' && after.operator !== '!' && operators.includes(after.operator as CompareOperator)) {
      throw filterError(`comparisons cannot be chained: '${after.operator}' at position ${after.position}; combine conditions with and/or`);
    }
    return { kind: 'compare', operator: token.operator as CompareOperator, left, right, position: token.position };
  }

  private parseUnary(): Expr {
    const token = this.peek();
    if (this.isKeyword(token, 'not') || (token.kind === 'operator' && token.operator === '!')) {
      this.next();
      this.enter(token.position);
      const operand = this.parseUnary();
      this.depth--;
      return { kind: 'not', operand, position: token.position };
    }
    return this.parsePostfix();
  }

  private parsePostfix(): Expr {
    const operand = this.parsePrimary();
    let token = this.peek();
    if (this.isKeyword(token, 'contains')) throw containsRemoved(token.position);
    if (!this.isKeyword(token, 'is')) return operand;
    this.next();
    let negated = false;
    token = this.next();
    if (this.isKeyword(token, 'not')) {
      negated = true;
      token = this.next();
    }
    if (!this.isKeyword(token, 'null')) throw filterError(`expected 'null' after 'is${negated ? ' not' : ''}' at position ${token.position}, found ${describe(token)}`);
    const after = this.peek();
    if (this.isKeyword(after, 'is')) throw filterError(`unexpected 'is' at position ${after.position}: a null test applies to an attribute`);
    if (this.isKeyword(after, 'contains')) throw containsRemoved(after.position);
    return { kind: 'isNull', operand, negated, position: operand.position };
  }

  private parsePrimary(): Expr {
    const token = this.next();
    switch (token.kind) {
      case 'open': {
        this.enter(token.position);
        const inner = this.parseOr();
        this.depth--;
        const close = this.next();
        if (close.kind !== 'close') throw filterError(`expected ')' to close the '(' at position ${token.position}, found ${describe(close)} at position ${close.position}`);
        return inner;
      }
      case 'path':
        return { kind: 'path', path: token.text, position: token.position };
      case 'string':
        return { kind: 'literal', value: { type: 'string', value: token.value }, position: token.position };
      case 'number':
        return { kind: 'literal', value: { type: 'number', text: token.text }, position: token.position };
      case 'keyword':
        if (token.keyword === 'true' || token.keyword === 'false') return { kind: 'literal', value: { type: 'boolean', value: token.keyword === 'true' }, position: token.position };
        if (token.keyword === 'null') return { kind: 'literal', value: null, position: token.position };
        if (token.keyword === 'contains') throw containsRemoved(token.position);
        break;
      default:
        break;
    }
    throw filterError(`expected an attribute or a value at position ${token.position}, found ${describe(token)}`);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of filter';
    case 'open':
      return "'('";
    case 'close':
      return "')'";
    case 'operator':
      return `'${token.operator}'`;
    case 'keyword':
      return `'${token.text}'`;
    case 'path':
      return `attribute '${token.text}'`;
    case 'number':
      return `number ${token.text}`;
    case 'string':
      return `string ${JSON.stringify(token.value.length > 40 ? `${token.value.slice(0, 40)}…` : token.value)}`;
  }
}

const FLIPPED: Record<CompareOperator, CompareOperator> = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function toCondition(expr: Expr): Condition {
  switch (expr.kind) {
    case 'and':
    case 'or': {
      const operands: Condition[] = [];
      for (const operand of expr.operands) {
        const condition = toCondition(operand);
        if (condition.kind === expr.kind) operands.push(...condition.operands);
        else operands.push(condition);
      }
      return { kind: expr.kind, operands };
    }
    case 'not':
      return { kind: 'not', operand: toCondition(expr.operand) };
    case 'isNull':
      if (expr.operand.kind !== 'path') throw filterError(`'is ${expr.negated ? 'not ' : ''}null' at position ${expr.position} applies to an attribute, not to ${what(expr.operand)}`);
      return { kind: 'isNull', attribute: expr.operand.path, negated: expr.negated, position: expr.operand.position };
    case 'compare':
      return compareCondition(expr);
    case 'path':
      throw filterError(`attribute '${expr.path}' at position ${expr.position} needs a comparison, e.g. ${expr.path} = 'value' or ${expr.path} is not null`);
    case 'literal':
      throw filterError(`a value at position ${expr.position} is not a condition; compare an attribute with it`);
  }
}

/** Negations wrapped around one side of a comparison (`not a = 1`) move out to the whole comparison. */
function stripNots(expr: Expr): { nots: number; inner: Expr } {
  let nots = 0;
  while (expr.kind === 'not') {
    nots++;
    expr = expr.operand;
  }
  return { nots, inner: expr };
}

function compareCondition(expr: Extract<Expr, { kind: 'compare' }>): Condition {
  const left = stripNots(expr.left);
  const right = stripNots(expr.right);
  let operator = expr.operator;
  let path: Extract<Expr, { kind: 'path' }>;
  let literal: Extract<Expr, { kind: 'literal' }>;
  let nots: number;
  if (left.inner.kind === 'path' && right.inner.kind === 'literal' && right.nots === 0) {
    [path, literal, nots] = [left.inner, right.inner, left.nots];
  } else if (left.inner.kind === 'literal' && right.inner.kind === 'path' && left.nots === 0 && right.nots === 0) {
    [path, literal, nots, operator] = [right.inner, left.inner, 0, FLIPPED[operator]];
  } else if (left.inner.kind === 'path' && right.inner.kind === 'path') {
    throw filterError(`'${operator}' at position ${expr.position} compares two attributes (${left.inner.path}, ${right.inner.path}); compare an attribute with a value`);
  } else if (left.inner.kind === 'literal' && right.inner.kind === 'literal') {
    throw filterError(`'${operator}' at position ${expr.position} compares two values; compare an attribute with a value`);
  } else {
    const side = left.inner.kind === 'path' || left.inner.kind === 'literal' ? right : left;
    throw filterError(`'${operator}' at position ${expr.position} cannot compare ${side.nots > 0 && side.inner.kind !== 'path' ? 'a negated value' : what(side.inner)}; combine conditions with and/or`);
  }
  let condition: Condition;
  if (literal.value === null) {
    if (operator !== '=' && operator !== '!=') throw filterError(`null at position ${literal.position} can only be compared with = or != (or use is null / is not null)`);
    condition = { kind: 'isNull', attribute: path.path, negated: operator === '!=', position: path.position };
  } else {
    condition = { kind: 'compare', attribute: path.path, operator, value: literal.value, position: path.position, valuePosition: literal.position };
  }
  for (let i = 0; i < nots; i++) condition = { kind: 'not', operand: condition };
  return condition;
}

function what(expr: Expr): string {
  switch (expr.kind) {
    case 'path':
      return `attribute '${expr.path}'`;
    case 'literal':
      return 'a value';
    default:
      return `a condition (position ${expr.position})`;
  }
}

/** Renders conditions with every grouping explicit, for logs and tests. */
export function formatCondition(condition: Condition): string {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return `(${condition.operands.map(formatCondition).join(` ${condition.kind} `)})`;
    case 'not':
      return `not ${formatCondition(condition.operand)}`;
    case 'isNull':
      return `${condition.attribute} is ${condition.negated ? 'not ' : ''}null`;
    case 'compare': {
      const { value } = condition;
      const text = value.type === 'string' ? `'${value.value.replace(/[\\']/g, '\\$&')}'` : value.type === 'number' ? value.text : String(value.value);
      return `${condition.attribute} ${condition.operator} ${text}`;
    }
  }
}
