import { RegistrationError } from '../../../http/errors.js';
import type { Runtime } from '../../../runtime.js';
import { compileFilter, type Condition } from '../../records/filter/index.js';
import { isObject, type Json, type JsonObject } from '../../records/json.js';
import type { RecordRow } from '../../records/present.js';
import { keyCondition } from '../../records/reads.js';
import { findRecord, recordQuery, toRow, type StoredRecordRow } from '../../records/record-store.js';
import { compileWithSlots, runWithSlots, type SlottedQuery } from '../../../store/prepared.js';
import type { EntityType } from '../../schema/entity-types.js';
import { holderOfUniqueValue, pluralUniqueAttributes } from '../../schema/unique-values.js';
import type { UniqueCheck } from '../model/index.js';
import type { NativeCall } from './context.js';

/** The records the sign-in calls look up: by a sign-in name, and by a linked social identity. */

/** Where social identities are kept in a record (Janrain's standard schema). */
export const PROFILES = 'profiles';
export const IDENTIFIER = 'identifier';

/** The record whose `attribute` (email, a username) equals `value`; the lowest id when several do. */
export async function recordByKey(runtime: Runtime, type: EntityType, attribute: string, value: string): Promise<RecordRow | undefined> {
  const info = type.resolve(attribute);
  if (!info) return undefined;
  const { db, dialect } = runtime.store;
  if (info.type !== 'string') return findRecord(db, type, keyCondition(dialect, type, attribute, JSON.stringify(value)));
  const [row] = await runWithSlots(db, keyQuery(runtime, type, attribute), [value]);
  return row && toRow(row);
}

/*
 * Every password sign-in looks its account up by key, and building that filter and query costs
 * more than running it. A text attribute's key filter binds the value as it is given (no
 * coercion), so the query is compiled once per entity type, attribute and database and run
 * with each lookup's value.
 */
const keyQueries = new WeakMap<EntityType, Map<string, SlottedQuery<StoredRecordRow>>>();

function keyQuery(runtime: Runtime, type: EntityType, attribute: string): SlottedQuery<StoredRecordRow> {
  const { db, dialect } = runtime.store;
  let byAttribute = keyQueries.get(type);
  if (!byAttribute) keyQueries.set(type, (byAttribute = new Map()));
  const key = `${dialect}\u0000${attribute}`;
  let query = byAttribute.get(key);
  if (!query) {
    query = compileWithSlots((slot) => recordQuery(type, keyCondition(dialect, type, attribute, '""', () => slot(0))).compile(db));
    byAttribute.set(key, query);
  }
  return query;
}

/** Whether the type keeps linked identities (`profiles.identifier`). */
export function keepsIdentities(type: EntityType): boolean {
  const info = type.resolve(`${PROFILES}.${IDENTIFIER}`);
  return info !== undefined && info.plural !== undefined;
}

/**
 * The record an identity (`profiles.identifier`, unique across the type) is linked to. Unique
 * as in the standard schema, its claimed value names the record at once, among a million
 * records as among ten; a schema that dropped the constraint is searched through the filter.
 */
export async function recordByIdentifier(runtime: Runtime, type: EntityType, identifier: string): Promise<RecordRow | undefined> {
  if (!keepsIdentities(type)) return undefined;
  const claimed = pluralUniqueAttributes(type.attrDefs).find((a) => a.path === `${PROFILES}.${IDENTIFIER}`);
  if (claimed) {
    const id = await holderOfUniqueValue(runtime.store.db, type, claimed, identifier);
    return id === undefined ? undefined : findRecord(runtime.store.db, type, { id });
  }
  const condition: Condition = { kind: 'compare', attribute: `${PROFILES}.${IDENTIFIER}`, operator: '=', value: { type: 'string', value: identifier }, position: 1, valuePosition: 1 };
  const where = compileFilter(condition, { dialect: runtime.store.dialect, resolve: type.resolve });
  return findRecord(runtime.store.db, type, { where, single: false });
}

/** The value at a dotted path of a record's data. */
export function valueAtPath(data: JsonObject, path: string): Json | undefined {
  let here: Json | undefined = data;
  for (const step of path.split('.')) {
    if (!isObject(here)) return undefined;
    here = here[step];
  }
  return here;
}

/** The record's linked identities (elements of `profiles`). */
export function linkedProfiles(record: RecordRow): JsonObject[] {
  const list = record.data[PROFILES];
  return Array.isArray(list) ? list.filter(isObject) : [];
}

/** 361: the social identity is another record's (`profiles.identifier` is unique across the type). */
export function alreadyLinked(argumentName: string): RegistrationError {
  return new RegistrationError(361, 'this social identity is already linked to another account', { argumentName, extra: { attribute_name: `${PROFILES}.${IDENTIFIER}` } });
}

/** readForm's `unique` rule: the value is free when no record has it (but `self`, on a profile update). */
export function uniqueInStore(nc: NativeCall, self?: number): UniqueCheck {
  return async ({ attribute, value }) => {
    const holder = await recordByKey(nc.runtime, nc.type, attribute, value);
    return !holder || holder.id === self;
  };
}
