import { describe, expect, it } from 'vitest';
import { RegistrationError } from '../../../http/errors.js';
import { MAX_FILTER_LENGTH } from './lexer.js';
import { formatCondition, MAX_DEPTH, parseFilter, type Condition } from './parser.js';

const read = (filter: string) => formatCondition(parseFilter(filter));

function failure(filter: string): RegistrationError {
  try {
    parseFilter(filter);
  } catch (error) {
    expect(error).toBeInstanceOf(RegistrationError);
    return error as RegistrationError;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be rejected`);
}

describe('parseFilter: precedence and grouping', () => {
  it.each([
    ['id>0', 'id > 0'],
    ['id > 0', 'id > 0'],
    ["email='a'and id>1", "(email = 'a' and id > 1)"],
    ['a = 1 or b = 2 and c = 3', '(a = 1 or (b = 2 and c = 3))'],
    ['a = 1 and b = 2 or c = 3', '((a = 1 and b = 2) or c = 3)'],
    ['(a = 1 or b = 2) and c = 3', '((a = 1 or b = 2) and c = 3)'],
    ['a = 1 and (b = 2 or c = 3)', '(a = 1 and (b = 2 or c = 3))'],
    ['a = 1 and b = 2 and c = 3', '(a = 1 and b = 2 and c = 3)'],
    ['a = 1 or (b = 2 or c = 3)', '(a = 1 or b = 2 or c = 3)'],
    ['(((a = 1)))', 'a = 1'],
    ['(a=1)and(b=2)', '(a = 1 and b = 2)'],
    ['a=1 or(b=2)', '(a = 1 or b = 2)'],
    ['a = 1 AND b = 2 Or c = 3', '((a = 1 and b = 2) or c = 3)'],
    ['not a = 1', 'not a = 1'],
    ['NOT (a = 1 and b = 2)', 'not (a = 1 and b = 2)'],
    ['not a = 1 and b = 2', '(not a = 1 and b = 2)'],
    ['!a = 1', 'not a = 1'],
    ['! (a = 1)', 'not a = 1'],
    ['not not a = 1', 'not not a = 1'],
    ['Not(a > 1)', 'not a > 1'],
    ['a = 1 or not b = 2 and c = 3', '(a = 1 or (not b = 2 and c = 3))'],
    ['a != 1', 'a != 1'],
    ['a<1', 'a < 1'],
    ['a<=1', 'a <= 1'],
    ['a>=1', 'a >= 1'],
    ['a \t=\n 1', 'a = 1'],
  ])('%s → %s', (filter, expected) => {
    expect(read(filter)).toBe(expected);
  });
});

describe('parseFilter: null tests', () => {
  it.each([
    ['birthday is null', 'birthday is null'],
    ['birthday is not null', 'birthday is not null'],
    ['birthday IS NOT NULL', 'birthday is not null'],
    ['birthday Is Not Null', 'birthday is not null'],
    ['not birthday is null', 'not birthday is null'],
    ['!birthday is not null', 'not birthday is not null'],
    ['a is null and b is not null or c is null', '((a is null and b is not null) or c is null)'],
    ['(birthday) is null', 'birthday is null'],
    ['birthday = null', 'birthday is null'],
    ['birthday != NULL', 'birthday is not null'],
    ['null = birthday', 'birthday is null'],
  ])('%s → %s', (filter, expected) => {
    expect(read(filter)).toBe(expected);
  });
});

describe('parseFilter: literals and paths', () => {
  const compare = (filter: string) => parseFilter(filter) as Extract<Condition, { kind: 'compare' }>;

  it('reads single-quoted strings with \\\' and \\\\ escapes', () => {
    expect(compare("a = 'it\\'s'").value).toEqual({ type: 'string', value: "it's" });
    expect(compare("a = 'back\\\\slash'").value).toEqual({ type: 'string', value: 'back\\slash' });
    expect(compare("a = 'end\\\\'").value).toEqual({ type: 'string', value: 'end\\' });
    expect(compare("a = 'O''Brien'").value).toEqual({ type: 'string', value: "O'Brien" });
    expect(compare("a = ''").value).toEqual({ type: 'string', value: '' });
    expect(compare("a = ''''").value).toEqual({ type: 'string', value: "'" });
    expect(compare('a = "double \\" quoted"').value).toEqual({ type: 'string', value: 'double " quoted' });
    expect(compare("a = 'Zoë 日本 🙂'").value).toEqual({ type: 'string', value: 'Zoë 日本 🙂' });
    expect(compare("a = ' spaced  and or not ( ) = '").value).toEqual({ type: 'string', value: ' spaced  and or not ( ) = ' });
  });

  it('keeps a quoted SQL injection attempt as one harmless string', () => {
    const condition = compare("email = 'x'' or 1=1 --'");
    expect(condition).toMatchObject({ attribute: 'email', operator: '=', value: { type: 'string', value: "x' or 1=1 --" } });
  });

  it('reads numbers bare or quoted, signed and decimal', () => {
    expect(compare('age > 25').value).toEqual({ type: 'number', text: '25' });
    expect(compare('age > -5').value).toEqual({ type: 'number', text: '-5' });
    expect(compare('age>-5').value).toEqual({ type: 'number', text: '-5' });
    expect(compare('score >= 2.5').value).toEqual({ type: 'number', text: '2.5' });
    expect(compare("age <= '7'").value).toEqual({ type: 'string', value: '7' });
  });

  it('reads booleans in any case', () => {
    expect(compare('optIn = true').value).toEqual({ type: 'boolean', value: true });
    expect(compare('optIn = FALSE').value).toEqual({ type: 'boolean', value: false });
  });

  it('reads dates as quoted strings', () => {
    expect(read("gender='male' and birthday>'2012-06-13 18:02:56.012122 +0000'")).toBe("(gender = 'male' and birthday > '2012-06-13 18:02:56.012122 +0000')");
  });

  it('reads dotted and plural paths, and puts values on the right', () => {
    expect(compare("primaryAddress.city = 'Paris'")).toMatchObject({ attribute: 'primaryAddress.city', position: 1, valuePosition: 23 });
    expect(compare("profiles.domain='x'").attribute).toBe('profiles.domain');
    expect(compare('a.b_c.D9 = 1').attribute).toBe('a.b_c.D9');
    expect(read('5 < age')).toBe('age > 5');
    expect(read('5 >= age')).toBe('age <= 5');
    expect(read("'x' = email")).toBe("email = 'x'");
    expect(read("'x' != email")).toBe("email != 'x'");
  });

  it('takes keyword-looking names inside paths as names', () => {
    expect(read('a.not = 1 and or_x = 2 and andy = 3 and nullable is null')).toBe('(a.not = 1 and or_x = 2 and andy = 3 and nullable is null)');
  });
});

describe('parseFilter: contains is 485', () => {
  it.each(["email contains 'x'", "email CONTAINS 'x'", "a = 1 and b contains 'y'", "contains(email, 'x')", "(a = 1 or email contains 'x')", "a is null contains 'x'"])('%s', (filter) => {
    const error = failure(filter);
    expect(error.code).toBe(485);
    expect(error.options.argumentName).toBe('filter');
  });
});

describe('parseFilter: syntax errors are 200 naming the problem and where', () => {
  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['a =', /expected an attribute or a value at position 4, found end of filter/],
    ['= 1', /position 1, found '='/],
    ['a 1', /unexpected number 1 at position 3/],
    ['a = 1 b = 2', /unexpected attribute 'b' at position 7/],
    ['(a = 1', /expected '\)' to close the '\(' at position 1/],
    ['a = 1)', /unexpected '\)' at position 6 \(no matching opening parenthesis\)/],
    ['()', /position 2, found '\)'/],
    ["a = 'x", /unterminated string starting at position 5/],
    ["a = 'x\\'", /unterminated string starting at position 5/],
    ["a = 'x\\", /unterminated string/],
    ["a = 'line\\n'", /unknown escape '\\n' at position 10/],
    ['a == 1', /unknown operator '==' at position 3; use '='/],
    ['a <> 1', /unknown operator '<>' at position 3; use '!='/],
    ['a = 1 = 2', /comparisons cannot be chained: '=' at position 7/],
    ['a < 1 < 2', /comparisons cannot be chained/],
    ['a = 1 != 2', /comparisons cannot be chained/],
    ['a', /attribute 'a' at position 1 needs a comparison/],
    ['emailVerified', /needs a comparison/],
    ["'x'", /value at position 1 is not a condition/],
    ['true', /not a condition/],
    ['a = b', /compares two attributes \(a, b\)/],
    ['1 = 2', /compares two values/],
    ['a is', /expected 'null' after 'is' at position 5, found end of filter/],
    ['a is not', /expected 'null' after 'is not'/],
    ['a is 1', /expected 'null' after 'is' at position 6, found number 1/],
    ['a is null is null', /unexpected 'is' at position 11/],
    ['(a = 1) is null', /applies to an attribute/],
    ["'x' is null", /applies to an attribute, not to a value/],
    ['a > null', /null at position 5 can only be compared with = or !=/],
    ['a = 1 and', /end of filter/],
    ['or a = 1', /position 1, found 'or'/],
    ['a = 1 and or b = 2', /position 11, found 'or'/],
    ['and = 1', /found 'and'/],
    ['a..b = 1', /malformed attribute path at position 1/],
    ['a. = 1', /malformed attribute path/],
    ['.a = 1', /unexpected character "\." at position 1/],
    ['1a = 2', /malformed number at position 1/],
    ['a = 12abc', /malformed number at position 5/],
    ['a = 1.2.3', /malformed number/],
    ['a = 1and b = 2', /malformed number/],
    ['a = @', /unexpected character "@" at position 5/],
    ['a = #', /unexpected character "#"/],
    ['a = 1; drop table entities', /unexpected character ";" at position 6/],
    ['a = 1 --', /unexpected character "-" at position 7/],
    ['not', /end of filter/],
    ['!', /end of filter/],
    ['a = not 1', /cannot compare a negated value/],
    ["not 'x' = a", /cannot compare/],
    ['(a = 1) = 2', /cannot compare a condition/],
    ['a = (b = 1)', /cannot compare a condition/],
    ['a = 1 and not', /end of filter/],
    ['a is null = 1', /cannot compare a condition/],
    ['a = `x`', /unexpected character "`"/],
    ['a ! = 1', /unexpected '!' at position 3/],
  ])('%j', (filter, message) => {
    const error = failure(filter);
    expect(error.code).toBe(200);
    expect(error.error).toBe('invalid_argument');
    expect(error.options.argumentName).toBe('filter');
    expect(error.description).toMatch(message);
  });
});

describe('parseFilter: bounds against hostile input', () => {
  it(`accepts ${MAX_DEPTH} levels of nesting and refuses one more`, () => {
    expect(read(`${'('.repeat(MAX_DEPTH)}a = 1${')'.repeat(MAX_DEPTH)}`)).toBe('a = 1');
    expect(failure(`${'('.repeat(MAX_DEPTH + 1)}a = 1${')'.repeat(MAX_DEPTH + 1)}`).description).toMatch(/nests deeper than 64 levels/);
    expect(failure(`${'not '.repeat(MAX_DEPTH + 1)}a = 1`).description).toMatch(/nests deeper/);
    expect(failure(`${'!('.repeat(5000)}a = 1`).code).toBe(200);
  });

  it('refuses filters that are too long or have too many tokens, without overflowing the stack', () => {
    expect(failure(`a = '${'x'.repeat(MAX_FILTER_LENGTH)}'`).description).toMatch(/longer than 20000 characters/);
    expect(failure(Array.from({ length: 1200 }, (_, i) => `a=${i}`).join(' or ')).description).toMatch(/more than 4000 tokens/);
    expect(failure('('.repeat(MAX_FILTER_LENGTH)).code).toBe(200);
  });

  it('reads long flat and/or lists as one list, not a deep tree', () => {
    const condition = parseFilter(Array.from({ length: 900 }, (_, i) => `a = ${i}`).join(' or '));
    expect(condition.kind).toBe('or');
    expect((condition as { operands: unknown[] }).operands).toHaveLength(900);
  });
});
