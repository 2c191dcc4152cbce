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

export function tokenize(filter: string): Token[] {
  if (filter.length > MAX_FILTER_LENGTH) throw filterError(`filter is longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens: Token[] = [];
  let i = 0;
  const push = (token: Token) => {
    if (tokens.length >= MAX_TOKENS) throw filterError(`filter has more than ${MAX_TOKENS} tokens`);
    tokens.push(token);
  };
  while (i < filter.length) {
    const c = filter[i];
    const position = i + 1;
    if (SPACE.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      push({ kind: c === '(' ? 'open' : 'close', position });
      i++;
    } else if (c === "'" || c === '"') {
      const { value, end } = readString(filter, i);
      push({ kind: 'string', value, position });
      i = end;
    } else if (DIGIT.test(c) || (c === '-' && DIGIT.test(filter[i + 1] ?? '')) || (c === '.' && DIGIT.test(filter[i + 1] ?? ''))) {
      const match = /^-?(\d+(\.\d+)?|\.\d+)/.exec(filter.slice(i, i + 400))!;
      const end = i + match[0].length;
      if (end < filter.length && (NAME_PART.test(filter[end]) || filter[end] === '.')) {
        throw filterError(`malformed number at position ${position}: ${JSON.stringify(filter.slice(i, end + 1))}`);
      }
      push({ kind: 'number', text: match[0], position });
      i = end;
    } else if (NAME_START.test(c)) {
      let end = i + 1;
      while (end < filter.length && (NAME_PART.test(filter[end]) || (filter[end] === '.' && NAME_START.test(filter[end + 1] ?? '')))) end++;
      if (filter[end] === '.') throw filterError(`malformed attribute path at position ${position}: ${JSON.stringify(filter.slice(i, end + 1))}`);
      const text = filter.slice(i, end);
      const lower = text.toLowerCase();
      push(KEYWORDS.has(lower) ? { kind: 'keyword', keyword: lower as Keyword, text, position } : { kind: 'path', text, position });
      i = end;
    } else {
      const two = filter.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=') {
        push({ kind: 'operator', operator: two, position });
        i += 2;
      } else if (two === '<>' || two === '==') {
        throw filterError(`unknown operator '${two}' at position ${position}; use ${two === '<>' ? "'!='" : "'='"}`);
      } else if (c === '=' || c === '<' || c === '>' || c === '!') {
        push({ kind: 'operator', operator: c, position });
        i++;
      } else {
        throw filterError(`unexpected character ${JSON.stringify(c)} at position ${position}`);
      }
    }
  }
  push({ kind: 'end', position: filter.length + 1 });
  return tokens;
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
