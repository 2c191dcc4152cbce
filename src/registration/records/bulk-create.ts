import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { RegistrationError } from '../../http/errors.js';
import type { Runtime } from '../../runtime.js';
import type { Tx } from '../../store/store.js';
import { lockEntityType, type EntityType } from '../schema/entity-types.js';
import { walkAttrDefs } from '../schema/paths.js';
import { claimUniqueValues, pluralUniqueAttributes, valuesAt } from '../schema/unique-values.js';
import { parseDateTime, toEpochMicros } from './datetime.js';
import { checkWritable } from './access.js';
import { isObject, type Json, type JsonObject } from './json.js';
import { comparable, newElements } from './merge.js';
import { hashPasswords } from './passwords.js';
import { allocateElementIds, inType, insertRecords, nextTimestamp, type NewRecord } from './record-store.js';
import { uniqueViolation } from './unique-violation.js';
import { recordOutboxEvents } from '../webhooks/outbox.js';
import type { ReadContext } from './values.js';
import { finishNewRecord, prepareNewRecord, type WriteOptions } from './writes.js';

/**
 * entity.bulkCreate (NOTES.md §5): one entry per input in `results` (ids) and `uuid_results`,
 * or the error object that input earned. Imports keep a given `created` and pre-hashed
 * passwords. Everything per record is prepared in JS first; then by default the whole batch is
 * written in one transaction with one multi-row insert (records the database refuses fall back
 * to one insert each, so that only they fail); `commit_each` writes and commits every record
 * on its own instead.
 */

export const MAX_BULK_RECORDS = 10_000;

export interface BulkResult {
  results: Json[];
  uuid_results: Json[];
}

interface Pending {
  index: number;
  data: JsonObject;
  created?: number;
}

export function errorObject(err: RegistrationError): JsonObject {
  const out: JsonObject = { stat: 'error', code: err.code, error: err.error, error_description: err.description };
  for (const [key, value] of Object.entries(err.options.extra ?? {})) out[key] = value as Json;
  return out;
}

/** `access`: the client's write access schema, which every input must keep to (403 for that input otherwise). */
export async function bulkCreate(runtime: Runtime, type: EntityType, items: unknown[], commitEach: boolean, options: Pick<WriteOptions, 'access' | 'actor'> = {}): Promise<BulkResult> {
  const { access, actor } = options;
  const results: Json[] = new Array(items.length).fill(null);
  const uuids: Json[] = new Array(items.length).fill(null);
  const refuse = (index: number, err: unknown) => {
    if (!(err instanceof RegistrationError)) throw err;
    results[index] = uuids[index] = errorObject(err);
  };

  const read: ReadContext = { mode: 'create', argumentName: 'all_attributes', passwords: [] };
  let pending: Pending[] = [];
  items.forEach((item, index) => {
    try {
      const created = importedCreated(item);
      const data = prepareNewRecord(type, item, read);
      if (access) checkWritable(access, { kind: 'fields', defs: type.attrDefs }, data, '', 'create', 'all_attributes');
      pending.push({ index, data, created });
    } catch (err) {
      refuse(index, err);
    }
  });
  await hashPasswords(read.passwords);
  pending = pending.filter((p) => {
    try {
      p.data = finishNewRecord(type, p.data, 'all_attributes');
      return true;
    } catch (err) {
      refuse(p.index, err);
      return false;
    }
  });
  pending = withoutDuplicates(type, pending, refuse);

  const done = (p: Pending, id: number, uuid: string) => {
    results[p.index] = id;
    uuids[p.index] = uuid;
  };
  if (commitEach) {
    for (const p of pending) {
      try {
        await runtime.store.write(async (tx) => writeBatch(tx, runtime, type, [p], actor, done, refuse));
      } catch (err) {
        refuse(p.index, uniqueViolation(err, type, runtime.store.dialect, 'all_attributes') ?? err);
      }
    }
  } else if (pending.length > 0) {
    await runtime.store.write(async (tx) => writeBatch(tx, runtime, type, pending, actor, done, refuse));
  }
  return { results, uuid_results: uuids };
}

/** An import's `created` (kept as given); undefined when absent. */
function importedCreated(item: unknown): number | undefined {
  if (!isObject(item) || item.created === undefined || item.created === null) return undefined;
  if (typeof item.created !== 'string') throw new RegistrationError(341, 'created must be a date and time string', { argumentName: 'all_attributes' });
  const instant = parseDateTime(item.created);
  if (!instant) throw new RegistrationError(342, `created: ${JSON.stringify(item.created.slice(0, 64))} is not a date and time`, { argumentName: 'all_attributes' });
  try {
    return toEpochMicros(instant);
  } catch {
    throw new RegistrationError(342, 'created is out of range', { argumentName: 'all_attributes' });
  }
}

/**
 * Two inputs of one batch with the same value of a unique attribute: the later one is refused
 * here (361), so that the multi-row insert does not have to fall back for it.
 */
function withoutDuplicates(type: EntityType, pending: Pending[], refuse: (index: number, err: unknown) => void): Pending[] {
  const unique: Array<{ path: string; segments: string[]; def: Parameters<typeof comparable>[0] }> = [];
  walkAttrDefs(type.attrDefs, (def, segments, plurals) => {
    if (plurals.length === 0 && def.constraints?.includes('unique')) unique.push({ path: segments.join('.'), segments, def });
  });
  if (unique.length === 0) return pending;
  const seen = unique.map(() => new Set<string>());
  return pending.filter((p) => {
    const keys: Array<string | undefined> = unique.map((u) => {
      let value: Json | undefined = p.data;
      for (const name of u.segments) value = isObject(value) ? value[name] : undefined;
      return value === undefined || value === null ? undefined : comparable(u.def, value);
    });
    const clash = keys.findIndex((key, i) => key !== undefined && seen[i].has(key));
    if (clash >= 0) {
      refuse(p.index, new RegistrationError(361, `another record of this batch already has this value of ${unique[clash].path}`, { extra: { attribute_name: unique[clash].path } }));
      return false;
    }
    keys.forEach((key, i) => key !== undefined && seen[i].add(key));
    return true;
  });
}

async function writeBatch(
  tx: Tx,
  runtime: Runtime,
  type: EntityType,
  batch: Pending[],
  actor: string | undefined,
  done: (p: Pending, id: number, uuid: string) => void,
  refuse: (index: number, err: unknown) => void,
): Promise<void> {
  const locked = await lockEntityType(tx, runtime.store.dialect, type.appId, type.name, 'share');
  const fresh = batch.flatMap((p) => newElements(locked.attrDefs, p.data));
  const ids = await allocateElementIds(tx, runtime.store.dialect, fresh.length);
  fresh.forEach((element, i) => (element.id = ids[i]));
  const now = nextTimestamp();
  const rows: NewRecord[] = batch.map((p) => ({ uuid: randomUUID(), created: p.created ?? now, last_updated: now, json: JSON.stringify(p.data) }));

  let written: Array<{ p: Pending; id: number; uuid: string }> = [];
  await sql`savepoint bulk_insert`.execute(tx);
  try {
    const inserted = await insertRecords(tx, runtime.store.dialect, locked, rows);
    await sql`release savepoint bulk_insert`.execute(tx);
    written = batch.map((p, i) => ({ p, id: inserted[i], uuid: rows[i].uuid }));
  } catch (err) {
    await sql`rollback to savepoint bulk_insert`.execute(tx);
    await sql`release savepoint bulk_insert`.execute(tx);
    if (!uniqueViolation(err, locked, runtime.store.dialect)) throw err;
    // Some record clashes with one already stored: one insert each, so that only the clashing ones fail.
    for (let i = 0; i < batch.length; i++) {
      await sql`savepoint bulk_row`.execute(tx);
      try {
        const [id] = await insertRecords(tx, runtime.store.dialect, locked, [rows[i]]);
        await sql`release savepoint bulk_row`.execute(tx);
        written.push({ p: batch[i], id, uuid: rows[i].uuid });
      } catch (rowErr) {
        await sql`rollback to savepoint bulk_row`.execute(tx);
        await sql`release savepoint bulk_row`.execute(tx);
        refuse(batch[i].index, uniqueViolation(rowErr, locked, runtime.store.dialect, 'all_attributes') ?? rowErr);
      }
    }
  }

  const pluralUnique = pluralUniqueAttributes(locked.attrDefs);
  if (pluralUnique.length > 0) {
    const kept: typeof written = [];
    for (const w of written) {
      // Most imported records have no value there: skip the claim's statements for them.
      if (!pluralUnique.some((a) => valuesAt(w.p.data, a.segments).some((v) => v !== null))) {
        kept.push(w);
        continue;
      }
      try {
        await claimUniqueValues(tx, locked, w.id, w.p.data, { fresh: true });
        kept.push(w);
      } catch (err) {
        if (!(err instanceof RegistrationError)) throw err;
        // The claim refused without an SQL error, so the transaction goes on without this record.
        await tx.deleteFrom('entities').where(inType(locked)).where('id', '=', w.id).execute();
        refuse(w.p.index, err);
      }
    }
    written = kept;
  }
  await recordOutboxEvents(tx, { dialect: runtime.store.dialect, appId: locked.appId, type: locked, kind: 'ADD', records: written, actor });
  for (const w of written) done(w.p, w.id, w.uuid);
}
