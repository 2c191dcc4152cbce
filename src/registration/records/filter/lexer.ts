import { filterError } from './errors.js';

/**
 * Tokens of the entity.find filter language (NOTES.md §5). Positions are 1-based character
 * offsets into the filter, so that every error can point at the problem.
 */
export type Token =
  | { kind: 'path'; text: string; position: number }
  | { kind: 'keyword'; keyword: Keyword; text: string; position: number }
  | { kind: 'string'; value: string; position: number }
  | { kind: 'number'; text: string; position: number }
  | { kind: 'operator'; operator: Operator; position: number }
  | { kind: 'open' | 'close'; position: number }
  | { kind: 'end'; position: number };

export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=' | '!';
export type Keyword = 'and' | 'or' | 'not' | 'is' | 'null' | 'true' | 'false' | 'contains';

const KEYWORDS = new Set<string>(['and', 'or', 'not', 'is', 'null', 'true', 'false', 'contains']);

/** Longest filter we read; a real filter is a few hundred characters, and this bounds parse time and bound parameters. */
export const MAX_FILTER_LENGTH = 20_000;
export const MAX_TOKENS = 4_000;

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
const SPACE = /\s/;

/**
 * Reads tokens on demand, so that the parser reports the first problem in reading order
 * (`contains(` is 485 before the `,` that follows it could be a 200).
 */
export class Lexer {
  private i = 0;
  private count = 0;
  private buffered: Token | undefined;

  constructor(private readonly filter: string) {
    if (filter.length > MAX_FILTER_LENGTH) throw filterError(`filter is longer than ${MAX_FILTER_LENGTH} characters`);
  }

  peek(): Token {
    return (this.buffered ??= this.read());
  }

  next(): Token {
    const token = this.peek();
    this.buffered = undefined;
    return token;
  }

  private read(): Token {
    if (++this.count > MAX_TOKENS) throw filterError(`filter has more than ${MAX_TOKENS} tokens`);
    const filter = this.filter;
    let i = this.i;
    while (i < filter.length && SPACE.test(filter[i])) i++;
    const position = i + 1;
    const token = ((): Token => {
      if (i >= filter.length) return { kind: 'end', position };
      const c = filter[i];
      if (c === '(' || c === ')') {
        i++;
        return { kind: c === '(' ? 'open' : 'close', position };
      }
      if (c === "'" || c === '"') {
        const { value, end } = readString(filter, i);
        i = end;
        return { kind: 'string', value, position };
      }
      if (DIGIT.test(c) || ((c === '-' || c === '.') && DIGIT.test(filter[i + 1] ?? ''))) {
        const match = /^-?(\d+(\.\d+)?|\.\d+)/.exec(filter.slice(i, i + 400))!;
        const end = i + match[0].length;
        if (end < filter.length && (NAME_PART.test(filter[end]) || filter[end] === '.')) {
          throw filterError(`malformed number at position ${position}: ${JSON.stringify(filter.slice(i, end + 1))}`);
        }
        i = end;
        return { kind: 'number', text: match[0], position };
      }
      if (NAME_START.test(c)) {
        let end = i + 1;
        while (end < filter.length && (NAME_PART.test(filter[end]) || (filter[end] === '.' && NAME_START.test(filter[end + 1] ?? '')))) end++;
        if (filter[end] === '.') throw filterError(`malformed attribute path at position ${position}: ${JSON.stringify(filter.slice(i, end + 1))}`);
        const text = filter.slice(i, end);
        const lower = text.toLowerCase();
        i = end;
        return KEYWORDS.has(lower) ? { kind: 'keyword', keyword: lower as Keyword, text, position } : { kind: 'path', text, position };
      }
      const two = filter.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=') {
        i += 2;
        return { kind: 'operator', operator: two, position };
      }
      if (two === '<>' || two === '==') throw filterError(`unknown operator '${two}' at position ${position}; use ${two === '<>' ? "'!='" : "'='"}`);
      if (c === '=' || c === '<' || c === '>' || c === '!') {
        i++;
        return { kind: 'operator', operator: c, position };
      }
      throw filterError(`unexpected character ${JSON.stringify(c)} at position ${position}`);
    })();
    this.i = i;
    return token;
  }
}

/**
 * A quoted string from `start` (its opening quote). Backslash escapes the quote and itself;
 * a doubled quote is also read as one quote, the SQL habit many callers have.
 */
function readString(filter: string, start: number): { value: string; end: number } {
  const quote = filter[start];
  let value = '';
  let i = start + 1;
  while (i < filter.length) {
    const c = filter[i];
    if (c === '\\') {
      const next = filter[i + 1];
      if (next === quote || next === '\\') {
        value += next;
        i += 2;
        continue;
      }
      throw filterError(
        next === undefined
          ? `unterminated string starting at position ${start + 1}`
          : `unknown escape '\\${next}' at position ${i + 1}; only \\${quote} and \\\\ are escapes`,
      );
    }
    if (c === quote) {
      if (filter[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
    i++;
  }
  throw filterError(`unterminated string starting at position ${start + 1}`);
}
