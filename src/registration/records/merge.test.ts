import { describe, expect, it } from 'vitest';
import type { AttrDef } from '../schema/attr-def.js';
import type { JsonObject } from './json.js';
import { checkConstraints, checkLocallyUnique, locate, mergeFields, newElements, newMergeContext, NEW_ELEMENT, prune } from './merge.js';
import { parseAttributePath, type PathStep } from './paths.js';
import { fullSelection, presentRecord, selectAttributes } from './present.js';

const defs: AttrDef[] = [
  { name: 'name', type: 'string', length: 5, constraints: ['required'] },
  { name: 'nick', type: 'string', constraints: ['alphabetic'] },
  { name: 'when', type: 'dateTime' },
  { name: 'secret', type: 'password' },
  { name: 'address', type: 'object', attr_defs: [{ name: 'city', type: 'string' }, { name: 'zip', type: 'string' }] },
  {
    name: 'items',
    type: 'plural',
    attr_defs: [
      { name: 'label', type: 'string', constraints: ['locally-unique'] },
      { name: 'sub', type: 'plural', attr_defs: [{ name: 'x', type: 'integer' }] },
    ],
  },
];

const ctx = () => newMergeContext('attributes');
const steps = (text: string) => parseAttributePath(defs, text) as PathStep[];

describe('mergeFields', () => {
  it('stores records sparse: nulls, empty objects and empty plurals are absent', () => {
    const out = mergeFields(defs, undefined, { name: 'a', nick: null, address: { city: null }, items: [] }, 'replace', '', ctx());
    expect(out).toEqual({ name: 'a' });
  });

  it('update merges objects and elements by id, appends elements without one', () => {
    const current: JsonObject = { name: 'a', address: { city: 'Oslo', zip: '1' }, items: [{ id: 7, label: 'p' }] };
    const out = mergeFields(defs, current, { address: { zip: '2' }, items: [{ id: 7, sub: [{ x: 1 }] }, { label: 'q' }] }, 'update', '', ctx());
    expect(out).toEqual({ name: 'a', address: { city: 'Oslo', zip: '2' }, items: [{ id: 7, label: 'p', sub: [{ id: NEW_ELEMENT, x: 1 }] }, { id: NEW_ELEMENT, label: 'q' }] });
    expect(newElements(defs, out)).toHaveLength(2);
  });

  it('replace keeps listed elements by id and hands the others over as dropped', () => {
    const current: JsonObject = { name: 'a', items: [{ id: 7, label: 'p', sub: [{ id: 9, x: 1 }] }, { id: 8, label: 'q' }] };
    const merge = ctx();
    const out = mergeFields(defs, current, { name: 'b', items: [{ id: 7 }] }, 'replace', '', merge);
    expect(out).toEqual({ name: 'b', items: [{ id: 7 }] });
    expect(merge.dropped).toEqual([
      { plural: 'items.sub', element: { id: 9, x: 1 } },
      { plural: 'items', element: { id: 8, label: 'q' } },
    ]);
  });
});

describe('locate and prune', () => {
  it('reaches attributes, objects and elements, and removes objects a write left empty', () => {
    const data: JsonObject = { address: { city: 'Oslo' }, items: [{ id: 3, label: 'p' }] };
    locate(data, steps('/address/city'), 'attribute_name').set(undefined);
    prune(data, steps('/address/city'));
    expect(data).toEqual({ items: [{ id: 3, label: 'p' }] });
    expect(locate(data, steps('/items#3'), 'attribute_name').get()).toEqual({ id: 3, label: 'p' });
    locate(data, steps('/items#3'), 'attribute_name').set(undefined);
    expect(data).toEqual({});
    expect(() => locate(data, steps('/items#4/label'), 'attribute_name')).toThrow(expect.objectContaining({ code: 310 }));
  });
});

describe('constraints', () => {
  it('checks everything on a whole record, only what a patch names otherwise', () => {
    expect(() => checkConstraints(defs, { nick: 'ok' }, undefined, '', ctx())).toThrow(expect.objectContaining({ code: 362 }));
    expect(() => checkConstraints(defs, { nick: 'ok' }, { nick: 'ok' }, '', ctx())).not.toThrow();
    expect(() => checkConstraints(defs, { name: 'toolong' }, { name: 'toolong' }, '', ctx())).toThrow(expect.objectContaining({ code: 363 }));
    expect(() => checkConstraints(defs, { name: 'a', nick: 'a1' }, undefined, '', ctx())).toThrow(expect.objectContaining({ code: 360 }));
  });

  it('holds locally-unique within each plural, case-insensitively', () => {
    expect(() => checkLocallyUnique(defs, { items: [{ id: 1, label: 'A' }, { id: 2, label: 'a' }] }, '', ctx())).toThrow(expect.objectContaining({ code: 361 }));
    expect(() => checkLocallyUnique(defs, { items: [{ id: 1, label: 'A' }, { id: 2, label: 'B' }] }, '', ctx())).not.toThrow();
  });
});

describe('presentation', () => {
  const row = { id: 1, uuid: 'u', created: 1_461_171_738_649_505, last_updated: 1_461_171_738_649_505, data: { name: 'a', when: '2001-01-01 17:33:39.000000 +0000', secret: { type: 'password-argon2id', value: 'h' }, items: [{ id: 4, label: 'p' }] } };

  it('shows every attribute, never a password, timestamps to the microsecond', () => {
    expect(presentRecord(row, fullSelection(defs))).toEqual({
      id: 1,
      uuid: 'u',
      created: '2016-04-20 17:02:18.649505 +0000',
      lastUpdated: '2016-04-20 17:02:18.649505 +0000',
      name: 'a',
      nick: null,
      when: '2001-01-01 17:33:39 +0000',
      address: { city: null, zip: null },
      items: [{ id: 4, label: 'p', sub: [] }],
    });
  });

  it('limits to the attributes asked for', () => {
    expect(presentRecord(row, selectAttributes(defs, ['items.label', 'uuid', 'secret']))).toEqual({ uuid: 'u', items: [{ id: 4, label: 'p' }] });
    expect(() => selectAttributes(defs, ['address.street'])).toThrow(expect.objectContaining({ code: 223 }));
  });
});
