import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ParameterError, RegistrationError } from '../../http/errors.js';
import { boolParam, intParam, jsonParam, type Params } from '../../http/params.js';
import { registrationRoute, type Call } from '../../http/wire.js';
import type { Runtime } from '../../runtime.js';
import { requireOwnerClient } from '../owner-auth.js';
import type { AccessType } from '../schema/access-schemas.js';
import { getEntityType, type EntityType } from '../schema/entity-types.js';
import { checkReadableAttribute, outsideAccessSchema, readableSelection, readablePath, selectReadable, type AttributeAccess } from './access.js';
import { bulkCreate, MAX_BULK_RECORDS } from './bulk-create.js';
import { CallAccess } from './call-access.js';
import { parseDateTime, toEpochMicros } from './datetime.js';
import { isObject, type Json, type JsonObject } from './json.js';
import { isPasswordDef, verifyPassword } from './passwords.js';
import { parseAttributePath, schemaPath, targetOf, type PathStep } from './paths.js';
import { presentElement, presentRecord, presentValue, type RecordRow } from './present.js';
import { countRecords, DEFAULT_RESULTS, filterCondition, findRecords, keyCondition, MAX_RESULTS, type AttributeCheck } from './reads.js';
import { deleteMatching, findRecord, purgeType, recordAt, type Selector } from './record-store.js';
import { adoptOrphan, checkDeletesWhole, checkGuard, createRecord, deletePath, recordNotFound, removeRecord, valueAt, writeRecord, type Guard, type WriteOptions } from './writes.js';

/** The Registration records calls (NOTES.md §5): entity, entity.*, versions/entity. */

const typeNameSchema = z.object({ type_name: z.string().min(1).max(64) });
const jsonValue = jsonParam(z.unknown());
const attributeList = jsonParam(z.array(z.string().min(1).max(1000)).max(2000));

// Parameter shapes, built once: a zod schema costs more to build than to use.
const ID = z.object({ id: intParam(1) });
const UUID = z.object({ uuid: z.string().max(64) });
const KEY = z.object({ key_attribute: z.string().min(1).max(1000), key_value: z.string().min(1).max(10_000) });
const VALUE = z.object({ value: jsonValue }).transform((p) => ({ attributes: p.value }));
const ATTRIBUTES = z.object({ attributes: jsonValue });
const INCLUDE_RECORD = z.object({ include_record: boolParam.optional() });
const ATTRIBUTE_LIST = z.object({ attributes: attributeList.optional() });
const PASSWORD_CHECK = z.object({ password_attribute: z.string().min(1).max(1000).optional(), password_value: z.string().max(4096).optional() });
const BULK_CREATE = z.object({ all_attributes: jsonParam(z.array(z.unknown()).min(1).max(MAX_BULK_RECORDS)), commit_each: boolParam.optional() });
const BULK_DELETE = z.object({ filter: z.string().min(1), commit: boolParam });
const COMMIT = z.object({ commit: boolParam });
const ADOPT = z.object({ attribute_name: z.string().min(1).max(1000), child_id: intParam(1) });
const COUNT = z.object({ filter: z.string().optional() });
const FIND = z.object({
  filter: z.string().optional(),
  attributes: attributeList.optional(),
  sort_on: jsonValue.optional(),
  max_results: intParam(1, MAX_RESULTS).optional(),
  first_result: intParam(1).optional(),
  show_total_count: boolParam.optional(),
});

interface Scope {
  runtime: Runtime;
  type: EntityType;
  /** The caller's access schemas and the `metadata` feature. */
  access: CallAccess;
  /** The client_id of the client whose permissions apply: the webhook events of its changes name it. */
  actor: string;
}

/**
 * authorize() for the route (the client's features, access tokens confined to their record),
 * then the entity type; `kind` says whether the call reads or writes records, which decides
 * the access schema authorize() brings along.
 */
async function scope(runtime: Runtime, { params, request }: Call, kind: AccessType): Promise<Scope> {
  const auth = await requireOwnerClient(runtime, request, params);
  const { type_name } = params.parse(typeNameSchema);
  const type = await getEntityType(runtime.store.db, auth.app.id, type_name);
  return { runtime, type, access: new CallAccess(runtime, auth, type, kind), actor: auth.client.clientId };
}

/** How a write call of the scope's client goes (its write access schema, `metadata`). */
async function writeOptions(s: Scope): Promise<WriteOptions> {
  return { access: await s.access.write(), keepLastUpdated: s.access.keepLastUpdated, actor: s.actor };
}

/** Filter and sort_on may use only attributes the client may read. */
function readableCheck(type: EntityType, read: AttributeAccess | undefined): AttributeCheck | undefined {
  return read && ((attribute, argumentName) => checkReadableAttribute(read, type, attribute, argumentName));
}

/** Exactly one of uuid, id, key_attribute (+ key_value): two are 201, none 100 (NOTES.md §5). */
async function selectorOf(params: Params, s: Scope, options: { idOnly?: boolean } = {}): Promise<Selector> {
  const { runtime, type } = s;
  const given = (['uuid', 'id', 'key_attribute'] as const).filter((name) => (params.get(name) ?? '') !== '');
  if (options.idOnly && given.includes('key_attribute')) throw new ParameterError('invalid', 'key_attribute', 'this call takes id or uuid');
  if (given.length > 1) throw new ParameterError('duplicate', given[1], `give only one of uuid, id${options.idOnly ? '' : ' and key_attribute'}`);
  if (given.length === 0) throw new ParameterError('missing', options.idOnly ? 'id' : 'uuid');
  if (given[0] === 'id') return { id: params.parse(ID).id };
  if (given[0] === 'uuid') return { uuid: params.parse(UUID).uuid };
  const { key_attribute, key_value } = params.parse(KEY);
  const selector = keyCondition(runtime.store.dialect, type, key_attribute, key_value);
  checkReadableAttribute(await s.access.read(), type, key_attribute, 'key_attribute');
  return selector;
}

function instantParam(params: Params, name: string): number | undefined {
  const text = params.get(name);
  if (text === undefined || text.trim() === '') return undefined;
  const instant = parseDateTime(text);
  if (!instant) throw new RegistrationError(342, `${name} is not a date and time like 2016-04-20 17:02:18.649505 +0000`, { argumentName: name });
  try {
    return toEpochMicros(instant);
  } catch {
    throw new RegistrationError(342, `${name} is out of range`, { argumentName: name });
  }
}

function guardOf(params: Params): Guard | undefined {
  const created = instantParam(params, 'created');
  const lastUpdated = instantParam(params, 'last_updated');
  return created === undefined && lastUpdated === undefined ? undefined : { created, lastUpdated };
}

/** attribute_name, parsed against the schema; undefined when absent. */
function pathOf(params: Params, type: EntityType): ReturnType<typeof parseAttributePath> | undefined {
  const text = params.get('attribute_name');
  if (text === undefined || text.trim() === '') return undefined;
  return parseAttributePath(type.attrDefs, text);
}

function writablePath(params: Params, type: EntityType): PathStep[] | undefined {
  const path = pathOf(params, type);
  if (path && 'reserved' in path) throw new RegistrationError(200, `${path.reserved} is maintained by the store and cannot be written`, { argumentName: 'attribute_name' });
  return path;
}

/** The new values of update / replace: `value` or `attributes` (NOTES.md §5 accepts both). */
function newValues(params: Params): { value: unknown; argumentName: string } {
  const given = (['value', 'attributes'] as const).filter((name) => params.get(name) !== undefined);
  if (given.length === 0) throw new ParameterError('missing', 'attributes');
  if (given.length === 2 && params.get('value') !== params.get('attributes')) throw new ParameterError('duplicate', 'attributes', 'give the new values in value or attributes, not both');
  const name = given[0];
  return { value: params.parse(name === 'value' ? VALUE : ATTRIBUTES).attributes, argumentName: name };
}

function includeRecord(params: Params): boolean {
  return params.parse(INCLUDE_RECORD).include_record ?? false;
}

/** A record as the scope's client may read it. */
async function whole(s: Scope, row: RecordRow) {
  return presentRecord(row, readableSelection(s.type.attrDefs, await s.access.read()));
}

export function registerRecordRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { store } = runtime;

  registrationRoute(app, '/entity', async (call) => {
    const s = await scope(runtime, call, 'read');
    const { params } = call;
    const read = await s.access.read();
    const selector = await selectorOf(params, s);
    const guard = guardOf(params);
    const path = pathOf(params, s.type);
    const { attributes } = params.parse(ATTRIBUTE_LIST);
    const selection = attributes ? selectReadable(s.type.attrDefs, attributes, read) : readableSelection(s.type.attrDefs, read);
    const password = params.parse(PASSWORD_CHECK);
    const record = await findRecord(store.db, s.type, selector);
    if (!record) throw recordNotFound();
    checkGuard(record, guard);
    if (password.password_attribute !== undefined || password.password_value !== undefined) {
      if (password.password_attribute === undefined) throw new ParameterError('missing', 'password_attribute');
      if (password.password_value === undefined) throw new ParameterError('missing', 'password_value');
      const steps = parseAttributePath(s.type.attrDefs, password.password_attribute, 'password_attribute');
      if ('reserved' in steps || !isPasswordDef(steps[steps.length - 1].def)) throw new RegistrationError(200, `${password.password_attribute} is not a password attribute`, { argumentName: 'password_attribute' });
      // Checking a password is reading it, one guess at a time.
      if (read && !read.covers(schemaPath(steps))) throw outsideAccessSchema('read', schemaPath(steps), 'password_attribute');
      if (!(await verifyPassword(valueAt(record.data, steps), password.password_value))) throw new RegistrationError(350, 'password_value does not match', { argumentName: 'password_value' });
    }
    if (!path) return { result: presentRecord(record, selection) };
    if ('reserved' in path) return { result: presentRecord(record, { reserved: [path.reserved], defs: [] })[path.reserved] };
    return { result: presentPath(record, readablePath(s.type.attrDefs, params.get('attribute_name')!, path, read)) };
  });

  registrationRoute(app, '/entity.create', async (call) => {
    const s = await scope(runtime, call, 'write');
    const { attributes } = call.params.parse(ATTRIBUTES);
    const include = includeRecord(call.params);
    const record = await createRecord(runtime, s.type, attributes, await writeOptions(s));
    return { id: record.id, uuid: record.uuid, ...(include ? { result: await whole(s, record) } : {}) };
  });

  registrationRoute(app, '/entity.bulkCreate', async (call) => {
    const s = await scope(runtime, call, 'write');
    const { all_attributes, commit_each } = call.params.parse(BULK_CREATE);
    const { results, uuid_results } = await bulkCreate(runtime, s.type, all_attributes, commit_each ?? false, { access: await s.access.write(), actor: s.actor });
    return { uuid_results, results };
  });

  for (const mode of ['update', 'replace'] as const) {
    registrationRoute(app, `/entity.${mode}`, async (call) => {
      const s = await scope(runtime, call, 'write');
      const selector = await selectorOf(call.params, s);
      const steps = writablePath(call.params, s.type);
      const { value, argumentName } = newValues(call.params);
      const include = includeRecord(call.params);
      const record = await writeRecord(runtime, s.type, { selector, mode, steps, value, argumentName, guard: guardOf(call.params), ...(await writeOptions(s)) });
      return include ? { result: await whole(s, record) } : {};
    });
  }

  registrationRoute(app, '/entity.delete', async (call) => {
    const s = await scope(runtime, call, 'write');
    const selector = await selectorOf(call.params, s);
    const steps = writablePath(call.params, s.type);
    const guard = guardOf(call.params);
    const options = await writeOptions(s);
    if (steps) await deletePath(runtime, s.type, selector, steps, guard, options);
    else await removeRecord(runtime, s.type, selector, guard, options);
    return {};
  });

  registrationRoute(app, '/entity.bulkDelete', async (call) => {
    const s = await scope(runtime, call, 'write');
    const { filter, commit } = call.params.parse(BULK_DELETE);
    const write = await s.access.write();
    if (write) checkDeletesWhole(write, s.type);
    const check = readableCheck(s.type, await s.access.read());
    const where = filterCondition(store.dialect, s.type, filter, check);
    // Without commit=true nothing is deleted: the answer says how many records would be.
    if (!commit) return { total_count: await countRecords(store.db, store.dialect, s.type, filter) };
    const deleted = await store.write((tx) => deleteMatching(tx, store.dialect, s.type, where, s.actor));
    return { total_count: deleted };
  });

  registrationRoute(app, '/entity.purge', async (call) => {
    const s = await scope(runtime, call, 'write');
    const { commit } = call.params.parse(COMMIT);
    if (!commit) throw new RegistrationError(200, 'entity.purge deletes every record of the type for good: send commit=true', { argumentName: 'commit' });
    const deleted = await store.write((tx) => purgeType(tx, store.dialect, s.type, s.actor));
    return { total_count: deleted };
  });

  registrationRoute(app, '/entity.adopt', async (call) => {
    const s = await scope(runtime, call, 'write');
    const selector = await selectorOf(call.params, s);
    const { attribute_name, child_id } = call.params.parse(ADOPT);
    const steps = parseAttributePath(s.type.attrDefs, attribute_name);
    if ('reserved' in steps) throw new RegistrationError(200, 'attribute_name must name a plural, like /profiles', { argumentName: 'attribute_name' });
    const record = await adoptOrphan(runtime, s.type, selector, steps, child_id, await writeOptions(s));
    return includeRecord(call.params) ? { result: await whole(s, record) } : {};
  });

  registrationRoute(app, '/entity.count', async (call) => {
    const s = await scope(runtime, call, 'read');
    const { filter } = call.params.parse(COUNT);
    return { total_count: await countRecords(store.db, store.dialect, s.type, filter, readableCheck(s.type, await s.access.read())) };
  });

  registrationRoute(app, '/entity.find', async (call) => {
    const s = await scope(runtime, call, 'read');
    const q = call.params.parse(FIND);
    const read = await s.access.read();
    const selection = q.attributes ? selectReadable(s.type.attrDefs, q.attributes, read) : readableSelection(s.type.attrDefs, read);
    const { results, totalCount } = await findRecords(
      store.db,
      store.dialect,
      s.type,
      { filter: q.filter, sortOn: q.sort_on, maxResults: q.max_results ?? DEFAULT_RESULTS, firstResult: q.first_result ?? 1, showTotalCount: q.show_total_count ?? false },
      selection,
      readableCheck(s.type, read),
    );
    return { result_count: results.length, results, ...(totalCount !== undefined ? { total_count: totalCount } : {}) };
  });

  registrationRoute(app, '/versions/entity', async (call) => {
    const s = await scope(runtime, call, 'read');
    const selector = (await selectorOf(call.params, s, { idOnly: true })) as { id: number } | { uuid: string };
    const at = instantParam(call.params, 'timestamp');
    if (at === undefined) throw new ParameterError('missing', 'timestamp');
    const record = await recordAt(store.db, s.type, selector, at);
    if (!record) throw new RegistrationError(310, 'the record did not exist at that time', { argumentName: 'timestamp' });
    return { result: await whole(s, record) };
  });
}

/** `entity` with attribute_name: the value at that path, shown as reads show it. */
function presentPath(record: RecordRow, steps: PathStep[]): Json {
  const last = steps[steps.length - 1];
  if (isPasswordDef(last.def)) throw new RegistrationError(200, 'password attributes are never returned', { argumentName: 'attribute_name' });
  const value = valueAt(record.data, steps);
  const target = targetOf(steps);
  if (target.kind === 'fields') {
    if (!isObject(value)) throw new RegistrationError(310, `${last.name}#${last.element} does not exist`, { argumentName: 'attribute_name' });
    return presentElement(last.def, value as JsonObject);
  }
  return presentValue(target.def, value);
}
