import { randomUUID } from 'node:crypto';
import { RegistrationError } from '../../http/errors.js';
import type { Runtime } from '../../runtime.js';
import type { Tx } from '../../store/store.js';
import type { AttrDef } from '../schema/attr-def.js';
import { lockEntityType, type EntityType } from '../schema/entity-types.js';
import { applyRules } from '../schema/rules.js';
import { claimUniqueValues } from '../schema/unique-values.js';
import { checkWritable, outsideAccessSchema, replaceWritable, type AttributeAccess } from './access.js';
import { isObject, type Json, type JsonObject } from './json.js';
import {
  checkConstraints,
  checkLocallyUnique,
  locate,
  mergeAttribute,
  mergeFields,
  newElements,
  newMergeContext,
  prune,
  schemaPathOf,
  type MergeContext,
} from './merge.js';
import { hashPasswords } from './passwords.js';
import { isReserved, schemaPath, targetOf, type PathStep, type Target } from './paths.js';
import type { RecordRow } from './present.js';
import { addOrphans, allocateElementIds, deleteRecord, findRecord, insertRecords, nextTimestamp, saveRecord, takeOrphan, type Selector } from './record-store.js';
import { uniqueViolation } from './unique-violation.js';
import { recordOutboxEvents } from '../webhooks/outbox.js';
import { readFields, readTarget, type ReadContext, type WriteMode } from './values.js';

/**
 * The write calls of records: create, update / replace (of the record or of one path), delete
 * (of the record or of one path) and adopt. Each reads and checks its input first, hashes
 * passwords outside any transaction, then in one transaction: reads the record (locked on
 * PostgreSQL), merges, applies the type's rules, checks constraints, keeps the previous state
 * in the history and writes; `unique` is the database's (expression indexes and
 * entity_unique_values), its refusal becoming 361.
 */

/** What the calling client may do to records (docs/registration-permissions.md). */
export interface WriteOptions {
  /** The client's write access schema; undefined when it may write every attribute. */
  access?: AttributeAccess;
  /** A `metadata` client: the change leaves lastUpdated as it was, the history still records it. */
  keepLastUpdated?: boolean;
  /** The acting API client's client_id: the captureClientId of the change's webhook events. */
  actor?: string;
}

/** `created` / `last_updated` a caller expects the record to still have (NOTES.md §5): 330 when it changed. */
export interface Guard {
  created?: number;
  lastUpdated?: number;
}

export function checkGuard(record: RecordRow, guard: Guard | undefined): void {
  if (!guard) return;
  if (guard.created !== undefined && guard.created !== record.created) throw new RegistrationError(330, 'the record was not created at the given created timestamp', { argumentName: 'created' });
  if (guard.lastUpdated !== undefined && guard.lastUpdated !== record.last_updated) throw new RegistrationError(330, 'the record has changed since the given last_updated timestamp', { argumentName: 'last_updated' });
}

export function recordNotFound(argumentName?: string): RegistrationError {
  return new RegistrationError(310, 'record not found', { argumentName });
}

/** Elements the write created get their ids, unique across the installation. */
async function giveElementIds(tx: Tx, runtime: Runtime, defs: readonly AttrDef[], data: JsonObject): Promise<void> {
  const fresh = newElements(defs, data);
  const ids = await allocateElementIds(tx, runtime.store.dialect, fresh.length);
  fresh.forEach((element, i) => (element.id = ids[i]));
}

/** An error of a caller's `alongside` work: not the record's, so never read as 361. */
class AlongsideFailure extends Error {
  constructor(readonly error: unknown) {
    super('work alongside a record change failed');
  }
}

/** Runs a write, turning a unique index's refusal into 361. */
async function writing<T>(runtime: Runtime, type: EntityType, argumentName: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await runtime.store.write(fn);
  } catch (err) {
    if (err instanceof AlongsideFailure) throw err.error;
    throw uniqueViolation(err, type, runtime.store.dialect, argumentName) ?? err;
  }
}

/**
 * Reads a new record's attributes into the sparse stored form (type checks, 223/320/341/342…);
 * plaintext passwords are queued in `read.passwords` for hashing, after which finishNewRecord
 * applies the rules and checks the constraints.
 */
export function prepareNewRecord(type: EntityType, attributes: unknown, read: ReadContext): JsonObject {
  const patch = readFields(type.attrDefs, attributes, '', read, 'record');
  return mergeFields(type.attrDefs, undefined, patch, 'replace', '', newMergeContext(read.argumentName));
}

/** After passwords are hashed: rules and constraints over a new record's whole data. */
export function finishNewRecord(type: EntityType, data: JsonObject, argumentName: string): JsonObject {
  const ruled = applyRules(type, data) as JsonObject;
  const merge = newMergeContext(argumentName);
  checkConstraints(type.attrDefs, ruled, undefined, '', merge);
  checkLocallyUnique(type.attrDefs, ruled, '', merge);
  return ruled;
}

/** entity.create */
export async function createRecord(runtime: Runtime, type: EntityType, attributes: unknown, options: WriteOptions = {}): Promise<RecordRow> {
  const read: ReadContext = { mode: 'create', argumentName: 'attributes', passwords: [] };
  const merged = prepareNewRecord(type, attributes, read);
  if (options.access) checkWritable(options.access, { kind: 'fields', defs: type.attrDefs }, merged, '', 'create', 'attributes');
  await hashPasswords(read.passwords);
  const data = finishNewRecord(type, merged, 'attributes');
  return writing(runtime, type, 'attributes', async (tx) => {
    const locked = await lockEntityType(tx, runtime.store.dialect, type.appId, type.name, 'share');
    await giveElementIds(tx, runtime, locked.attrDefs, data);
    const now = nextTimestamp();
    const uuid = randomUUID();
    const [id] = await insertRecords(tx, runtime.store.dialect, locked, [{ uuid, created: now, last_updated: now, json: JSON.stringify(data) }]);
    await claimUniqueValues(tx, locked, id, data, { fresh: true });
    await recordOutboxEvents(tx, { dialect: runtime.store.dialect, appId: locked.appId, type: locked, kind: 'ADD', records: [{ id, uuid }], actor: options.actor });
    return { id, uuid, created: now, last_updated: now, data };
  });
}

export interface PathWrite extends WriteOptions {
  selector: Selector;
  mode: 'update' | 'replace';
  /** attribute_name, parsed; undefined writes the whole record. */
  steps?: PathStep[];
  /** The raw value (already JSON-parsed). */
  value: unknown;
  argumentName: string;
  guard?: Guard;
  /** More of the caller's work in the change's transaction, after it: both commit or neither (a sign-in's token issue). */
  alongside?: (tx: Tx) => Promise<void>;
}

/** entity.update / entity.replace, of the whole record or of the path `steps` names. */
export async function writeRecord(runtime: Runtime, type: EntityType, write: PathWrite): Promise<RecordRow> {
  const target: Target = write.steps ? targetOf(write.steps) : { kind: 'fields', defs: type.attrDefs };
  const where = write.steps ? write.steps.map((s) => (s.element === undefined ? s.name : `${s.name}#${s.element}`)).join('.') : '';
  const read: ReadContext = { mode: write.mode as WriteMode, argumentName: write.argumentName, passwords: [] };
  const patch = readTarget(target, write.value, where, read);
  const access = write.access;
  const targetPath = write.steps ? schemaPath(write.steps) : '';
  if (access) checkWritable(access, target, patch, targetPath, write.mode, write.argumentName);
  // Under a write access schema, replace replaces only what the client may write.
  const limitedReplace = write.mode === 'replace' && access !== undefined && !(targetPath !== '' && access.covers(targetPath)) ? access : undefined;
  await hashPasswords(read.passwords);
  return changeRecord(runtime, type, write.selector, write.guard, write.argumentName, write, (data, merge, locked) => {
    if (!write.steps) {
      const merged = limitedReplace ? replaceWritable(limitedReplace, locked.attrDefs, data, patch as JsonObject, '', merge) : mergeFields(locked.attrDefs, data, patch as JsonObject, write.mode, '', merge);
      return { data: merged, check: (ruled) => checkConstraints(locked.attrDefs, ruled, write.mode === 'update' ? (patch as JsonObject) : undefined, '', merge) };
    }
    const steps = write.steps;
    const slot = locate(data, steps, write.argumentName);
    const current = slot.get();
    if (target.kind === 'fields') {
      const existing = isObject(current) ? current : undefined;
      const fields = limitedReplace ? replaceWritable(limitedReplace, target.defs, existing, patch as JsonObject, where, merge) : mergeFields(target.defs, existing, patch as JsonObject, write.mode, where, merge);
      slot.set({ id: slot.element!, ...fields });
    } else if (limitedReplace) {
      // checkWritable let through only an object writable in part, given as an object.
      const fields = replaceWritable(limitedReplace, target.def.attr_defs ?? [], isObject(current) ? current : undefined, patch as JsonObject, where, merge);
      slot.set(Object.keys(fields).length > 0 ? fields : undefined);
    } else {
      slot.set(mergeAttribute(target.def, current, patch, write.mode, where, merge));
    }
    prune(data, steps);
    return {
      data,
      check: (ruled) => {
        const value = valueAt(ruled, steps);
        if (target.kind === 'fields') checkConstraints(target.defs, isObject(value) ? value : undefined, write.mode === 'update' ? (patch as JsonObject) : undefined, where, merge);
        else checkConstraints([target.def], { [target.def.name]: value ?? null }, write.mode === 'update' ? { [target.def.name]: patch } : undefined, parentPath(where), merge);
      },
    };
  });
}

/** entity.delete with attribute_name: one attribute, object, plural or plural element goes. */
export async function deletePath(runtime: Runtime, type: EntityType, selector: Selector, steps: PathStep[], guard: Guard | undefined, options: WriteOptions = {}): Promise<RecordRow> {
  const last = steps[steps.length - 1];
  if (options.access && !options.access.covers(schemaPath(steps))) throw outsideAccessSchema('write', schemaPath(steps), 'attribute_name');
  if (last.element === undefined && last.def.constraints?.includes('required')) throw new RegistrationError(362, `${schemaPath(steps)} is required and cannot be deleted`, { argumentName: 'attribute_name' });
  return changeRecord(runtime, type, selector, guard, 'attribute_name', options, (data) => {
    locate(data, steps, 'attribute_name').set(undefined);
    prune(data, steps);
    return { data, check: () => {} };
  });
}

/**
 * entity.adopt: the orphaned plural element `childId` (an element entity.replace dropped from
 * a record of this type) joins the plural `steps` names in the record, keeping its id.
 */
export async function adoptOrphan(runtime: Runtime, type: EntityType, selector: Selector, steps: PathStep[], childId: number, options: WriteOptions = {}): Promise<RecordRow> {
  if (options.access && !options.access.covers(schemaPath(steps))) throw outsideAccessSchema('write', schemaPath(steps), 'attribute_name');
  const target = targetOf(steps);
  if (target.kind !== 'attribute' || target.def.type !== 'plural') throw new RegistrationError(200, 'attribute_name must name a plural, like /profiles', { argumentName: 'attribute_name' });
  const plural = target.def;
  const where = steps.map((s) => (s.element === undefined ? s.name : `${s.name}#${s.element}`)).join('.');
  return changeRecord(runtime, type, selector, undefined, 'attribute_name', options, async (data, merge, locked, tx) => {
    const orphan = await takeOrphan(tx, locked, childId);
    if (!orphan) throw new RegistrationError(310, `no orphaned plural element ${childId}`, { argumentName: 'child_id' });
    if (orphan.plural !== schemaPathOf(where)) throw new RegistrationError(200, `element ${childId} was orphaned from ${orphan.plural}, not ${schemaPathOf(where)}`, { argumentName: 'child_id' });
    const slot = locate(data, steps, 'attribute_name');
    const current = slot.get();
    const element = { id: childId, ...keepKnown(plural.attr_defs ?? [], orphan.data) };
    slot.set([...(Array.isArray(current) ? current : []), element]);
    return {
      data,
      check: (ruled) => {
        const list = valueAt(ruled, steps);
        const adopted = Array.isArray(list) ? list.find((e) => isObject(e) && e.id === childId) : undefined;
        checkConstraints(plural.attr_defs ?? [], isObject(adopted) ? adopted : undefined, undefined, `${where}#${childId}`, merge);
      },
    };
  });
}

/** An orphan's fields that the schema still has (attributes removed since then are gone with their data). */
function keepKnown(defs: readonly AttrDef[], data: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const def of defs) {
    const value = data[def.name];
    if (value === undefined || value === null) continue;
    if (def.type === 'object') {
      if (isObject(value)) out[def.name] = keepKnown(def.attr_defs ?? [], value);
    } else if (def.type === 'plural') {
      if (Array.isArray(value)) out[def.name] = value.filter(isObject).map((e) => ({ id: e.id ?? null, ...keepKnown(def.attr_defs ?? [], e) }));
    } else out[def.name] = value;
  }
  return out;
}

/** entity.delete of a whole record. */
export async function removeRecord(runtime: Runtime, type: EntityType, selector: Selector, guard: Guard | undefined, options: WriteOptions = {}): Promise<void> {
  if (options.access) checkDeletesWhole(options.access, type);
  await runtime.store.write(async (tx) => {
    const locked = await lockEntityType(tx, runtime.store.dialect, type.appId, type.name, 'share');
    const record = await findRecord(tx, locked, selector, runtime.store.dialect);
    if (!record) throw recordNotFound();
    checkGuard(record, guard);
    await deleteRecord(tx, locked, record, nextTimestamp(record.last_updated));
    await recordOutboxEvents(tx, { dialect: runtime.store.dialect, appId: locked.appId, type: locked, kind: 'DELETE', records: [record], actor: options.actor });
  });
}

/**
 * Deleting whole records takes every attribute with it: a client whose write access schema
 * leaves some out may not (ours: Janrain does not say).
 */
export function checkDeletesWhole(access: AttributeAccess, type: EntityType): void {
  const outside = type.attrDefs.find((d) => !isReserved(d.name) && !access.covers(d.name));
  if (outside) throw outsideAccessSchema('write', outside.name, 'type_name');
}

type Change = (
  data: JsonObject,
  merge: MergeContext,
  type: EntityType,
  tx: Tx,
) => { data: JsonObject; check: (ruled: JsonObject) => void } | Promise<{ data: JsonObject; check: (ruled: JsonObject) => void }>;

/** The transaction every change of an existing record shares. */
async function changeRecord(
  runtime: Runtime,
  type: EntityType,
  selector: Selector,
  guard: Guard | undefined,
  argumentName: string,
  options: WriteOptions & Pick<PathWrite, 'alongside'>,
  change: Change,
): Promise<RecordRow> {
  return writing(runtime, type, argumentName, async (tx) => {
    const locked = await lockEntityType(tx, runtime.store.dialect, type.appId, type.name, 'share');
    const record = await findRecord(tx, locked, selector, runtime.store.dialect);
    if (!record) throw recordNotFound();
    checkGuard(record, guard);
    const previousJson = JSON.stringify(record.data);
    const merge = newMergeContext(argumentName);
    const changed = await change(record.data, merge, locked, tx);
    const previous = JSON.parse(previousJson) as JsonObject;
    const ruled = applyRules(locked, changed.data, previous) as JsonObject;
    changed.check(ruled);
    checkLocallyUnique(locked.attrDefs, ruled, '', merge);
    await giveElementIds(tx, runtime, locked.attrDefs, ruled);
    const at = nextTimestamp(record.last_updated);
    const lastUpdated = options.keepLastUpdated ? record.last_updated : at;
    await saveRecord(tx, locked, record, previousJson, ruled, at, lastUpdated);
    await addOrphans(tx, locked, record.id, merge.dropped, at);
    await claimUniqueValues(tx, locked, record.id, ruled, { previous });
    await recordOutboxEvents(tx, { dialect: runtime.store.dialect, appId: locked.appId, type: locked, kind: 'UPDATE', records: [record], before: previousJson, after: ruled, actor: options.actor });
    try {
      await options.alongside?.(tx);
    } catch (err) {
      throw new AlongsideFailure(err);
    }
    return { id: record.id, uuid: record.uuid, created: record.created, last_updated: lastUpdated, data: ruled };
  });
}

/** The value at the end of `steps` in `data`, without changing anything. */
export function valueAt(data: JsonObject, steps: PathStep[]): Json | undefined {
  let current: Json | undefined = data;
  for (const step of steps) {
    if (!isObject(current)) return undefined;
    const value: Json | undefined = current[step.name];
    if (step.element === undefined) current = value;
    else current = Array.isArray(value) ? value.find((e) => isObject(e) && e.id === step.element) : undefined;
  }
  return current;
}

function parentPath(path: string): string {
  const at = path.lastIndexOf('.');
  return at < 0 ? '' : path.slice(0, at);
}
