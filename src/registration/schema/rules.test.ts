import { describe, expect, it } from 'vitest';
import { RegistrationError } from '../../http/errors.js';
import type { AttrDef } from './attr-def.js';
import { makeEntityType, type EntityTypeProperty } from './entity-types.js';
import { applyRules, checkRuleFits, compileRule, evaluateRule } from './rules.js';

const today = new Date(Date.UTC(2024, 5, 15));
const run = (definition: unknown, value: unknown, previous?: unknown) => evaluateRule(compileRule(definition), value, { previous, existed: previous !== undefined, today });

const attrDefs: AttrDef[] = [
  { name: 'givenName', type: 'string' },
  { name: 'nick', type: 'string' },
  { name: 'birthday', type: 'date' },
  { name: 'age', type: 'integer' },
  { name: 'address', type: 'object', attr_defs: [{ name: 'city', type: 'string' }] },
  { name: 'profiles', type: 'plural', attr_defs: [{ name: 'domain', type: 'string' }, { name: 'note', type: 'string' }] },
];

function typeWith(rules: Array<{ attributes: string[]; definition: unknown; description?: string }>) {
  const properties: EntityTypeProperty[] = rules.map((r, i) => ({ uuid: `u${i}`, kind: 'rule', attributes: r.attributes, definition: r.definition, description: r.description ?? null, createdAt: 0 }));
  return makeEntityType({ id: 1, appId: 1, name: 'user', attrDefs, properties, createdAt: 0, updatedAt: 0 });
}

function refusal(fn: () => unknown): RegistrationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RegistrationError) return err;
    throw err;
  }
  throw new Error('expected a RegistrationError');
}

describe('rule definitions', () => {
  it('reads Janrain\'s forms: names, {rule: argument}, and/or/not, several keys as all of them', () => {
    expect(compileRule('ignore-update')).toEqual({ kind: 'ignore-update' });
    expect(compileRule({ truncate: 100 })).toEqual({ kind: 'truncate', arg: 100 });
    expect(compileRule({ and: [{ 'match-all': '[a-zA-Z]*' }, { 'max-length': 25 }] }).kind).toBe('and');
    expect(compileRule({ truncate: 5, 'to-lower': null })).toMatchObject({ kind: 'and', children: [{ kind: 'truncate' }, { kind: 'to-lower' }] });
    expect(compileRule({ not: { match: 'x' } }).kind).toBe('not');
  });

  it('refuses what cannot work with 200 naming definition', () => {
    for (const bad of ['sparkle', { truncate: -1 }, { truncate: 'ten' }, { match: '([' }, { and: [] }, { 'less-than': 'x' }, {}, 42, { default: { a: 1 } }]) {
      const err = refusal(() => compileRule(bad));
      expect(err.code, JSON.stringify(bad)).toBe(200);
      expect(err.options.argumentName).toBe('definition');
    }
  });

  it('checks that a rule fits the attribute type', () => {
    expect(() => checkRuleFits(compileRule({ truncate: 3 }), { name: 'age', type: 'integer' }, 'age')).toThrow(/does not apply/);
    expect(() => checkRuleFits(compileRule({ 'less-than': 3 }), { name: 'age', type: 'integer' }, 'age')).not.toThrow();
    expect(() => checkRuleFits(compileRule({ 'min-age': 18 }), { name: 'birthday', type: 'date' }, 'birthday')).not.toThrow();
    expect(() => checkRuleFits(compileRule('required'), { name: 'o', type: 'object', attr_defs: [] }, 'o')).toThrow(/object/);
  });
});

describe('rule evaluation', () => {
  it('transforms: truncate, case, default, ignore-update once a value is set', () => {
    expect(run({ truncate: 3 }, 'abcdef')).toEqual({ value: 'abc', ok: true });
    expect(run({ truncate: 3 }, 'ab')).toEqual({ value: 'ab', ok: true });
    expect(run('to-lower', 'AbC').value).toBe('abc');
    expect(run('to-upper', 'AbC').value).toBe('ABC');
    expect(run({ default: 'none' }, null).value).toBe('none');
    expect(run({ default: 'none' }, 'x').value).toBe('x');
    expect(run('ignore-update', 'new', 'old').value).toBe('old');
    expect(run('ignore-update', 'new', null).value).toBe('new');
    expect(run('ignore-update', 'first').value).toBe('first');
  });

  it('validations pass a missing value, except required', () => {
    expect(run({ 'match-all': '[a-z]+' }, 'abc').ok).toBe(true);
    expect(run({ 'match-all': '[a-z]+' }, 'abc1').ok).toBe(false);
    expect(run({ match: '[0-9]' }, 'abc1').ok).toBe(true);
    expect(run({ match: '[0-9]' }, null).ok).toBe(true);
    expect(run('required', null).ok).toBe(false);
    expect(run('required', '').ok).toBe(false);
    expect(run({ 'min-length': 2 }, 'a').ok).toBe(false);
    expect(run({ 'max-length': 2 }, 'abc').ok).toBe(false);
    expect(run({ 'less-than': 10 }, 9).ok).toBe(true);
    expect(run({ 'greater-than': 10 }, 9).ok).toBe(false);
    expect(run({ 'min-age': 18 }, '2006-06-15').ok).toBe(true);
    expect(run({ 'min-age': 18 }, '2006-06-16').ok).toBe(false);
    expect(run({ 'min-age': 18 }, 'not a date').ok).toBe(false);
  });

  it('applies transforms before validations, and combines with or / not', () => {
    expect(run({ and: [{ 'max-length': 3 }, { truncate: 3 }] }, 'abcdef')).toEqual({ value: 'abc', ok: true });
    expect(run({ or: [{ 'match-all': '[0-9]+' }, { 'match-all': '[a-z]+' }] }, 'abc').ok).toBe(true);
    expect(run({ or: [{ 'match-all': '[0-9]+' }, { 'match-all': '[a-z]+' }] }, 'ab1!').ok).toBe(false);
    expect(run({ not: { match: 'admin' } }, 'superadmin').ok).toBe(false);
  });
});

describe('applyRules', () => {
  it('returns the data to store: truncated, defaulted, with ignore-update keeping stored values', () => {
    const type = typeWith([
      { attributes: ['givenName'], definition: { truncate: 5 } },
      { attributes: ['/birthday'], definition: 'ignore-update' },
      { attributes: ['address.city'], definition: { default: 'Nowhere' } },
    ]);
    const created = applyRules(type, { givenName: 'Alexandra', birthday: '2000-01-01' }, undefined, today);
    expect(created).toEqual({ givenName: 'Alexa', birthday: '2000-01-01', address: { city: 'Nowhere' } });
    const updated = applyRules(type, { givenName: 'Bo', birthday: '1999-09-09', address: { city: 'Oslo' } }, created, today);
    expect(updated).toEqual({ givenName: 'Bo', birthday: '2000-01-01', address: { city: 'Oslo' } });
  });

  it('refuses a failing value with 360 naming the attribute and the rule', () => {
    const type = typeWith([{ attributes: ['nick'], definition: { 'match-all': '[a-z]+' }, description: 'lower-case letters only' }]);
    const err = refusal(() => applyRules(type, { nick: 'Bad Nick' }, undefined, today));
    expect(err.code).toBe(360);
    expect(err.error).toBe('constraint_violation');
    expect(err.description).toContain('nick');
    expect(err.description).toContain('lower-case letters only');
    expect(applyRules(type, { givenName: 'no nick at all' }, undefined, today)).toEqual({ givenName: 'no nick at all' });
  });

  it('applies to every plural element, matching earlier elements by id', () => {
    const type = typeWith([
      { attributes: ['profiles.domain'], definition: 'to-lower' },
      { attributes: ['profiles.note'], definition: 'ignore-update' },
    ]);
    const previous = { profiles: [{ id: 1, domain: 'a.com', note: 'kept' }] };
    const next = { profiles: [{ id: 1, domain: 'A.COM', note: 'changed' }, { id: 2, domain: 'B.com', note: 'new' }] };
    expect(applyRules(type, next, previous, today)).toEqual({ profiles: [{ id: 1, domain: 'a.com', note: 'kept' }, { id: 2, domain: 'b.com', note: 'new' }] });
    expect(next.profiles[0].domain).toBe('A.COM');
  });

  it('leaves data alone when the type has no rules', () => {
    const data = { givenName: 'x' };
    expect(applyRules(typeWith([]), data)).toBe(data);
  });
});
