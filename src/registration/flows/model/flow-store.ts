import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { cachedRowsChanged, FreshCache } from '../../../store/fresh-cache.js';
import type { Db, Dialect, Store, Tx } from '../../../store/store.js';
import { findEntityType } from '../../schema/entity-types.js';
import { checkDefinition, FlowDefinitionError, type FlowDefinition } from './definition.js';
import { checkAgainstSchema } from './schema-fit.js';

/**
 * Flows and their versions. A version is an immutable snapshot of the whole definition; every
 * change writes a new version and moves the flow's HEAD to it, so a client pinned to a version
 * (default_flow_version) keeps the behaviour it was built against.
 */

type Reader = Db | Tx;

export interface FlowVersionRow {
  /** flow_versions.id */
  rowId: number;
  flowId: number;
  name: string;
  version: string;
  note: string;
  createdAt: number;
  /** The version HEAD names now. */
  head: string;
}

/** A name the caller gave that does not exist (flow, version, field, form, locale, translation). */
export class FlowNotFound extends Error {
  constructor(readonly what: string) {
    super(`${what} not found`);
    this.name = 'FlowNotFound';
  }
}

/** A flow that must be new already exists. */
export class FlowExists extends Error {
  constructor(readonly flowName: string) {
    super(`a flow named ${flowName} already exists`);
    this.name = 'FlowExists';
  }
}

/** `HEAD` and `latest` name the newest version (widget_data, config API; not the oauth calls). */
export function isHead(version: string): boolean {
  return version === 'HEAD' || version.toLowerCase() === 'latest';
}

export async function listFlows(db: Reader, appId: number): Promise<Array<{ name: string; version: string; updatedAt: number }>> {
  const rows = await db.selectFrom('flows').select(['name', 'head_version', 'updated_at']).where('app_id', '=', appId).where('head_version', 'is not', null).orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, version: r.head_version!, updatedAt: r.updated_at }));
}

/** One version of a flow (`HEAD`/`latest`: the newest), or undefined. */
export async function findFlowVersion(db: Reader, appId: number, name: string, version: string): Promise<FlowVersionRow | undefined> {
  const row = await db
    .selectFrom('flow_versions as v')
    .innerJoin('flows as f', 'f.id', 'v.flow_id')
    .select(['v.id as rowId', 'v.flow_id as flowId', 'f.name as name', 'v.version as version', 'v.note as note', 'v.created_at as createdAt', 'f.head_version as head'])
    .where('f.app_id', '=', appId)
    .where('v.app_id', '=', appId)
    .where('f.name', '=', name)
    .$call((q) => (isHead(version) ? q.whereRef('v.version', '=', 'f.head_version') : q.where('v.version', '=', version)))
    .executeTakeFirst();
  return row && { ...row, head: row.head ?? row.version };
}

// The oauth/*_native calls name a flow version on every call. A version never changes; only
// deleting its flow ends it (a new version moves HEAD, which these lookups do not use).
const namedVersions = new FreshCache<FlowVersionRow>();

/**
 * findFlowVersion of a version named by its number (not HEAD), kept up to a second
 * (store/fresh-cache.ts): `head` may be that old. A flow deleted through this process is gone
 * at once, through another within that second.
 */
export async function findNamedVersion(db: Reader, appId: number, name: string, version: string): Promise<FlowVersionRow | undefined> {
  const key = `${appId}\u0000${name}\u0000${version}`;
  const kept = namedVersions.get(db, key);
  if (kept) return kept;
  const ticket = namedVersions.ticket(db);
  const row = await findFlowVersion(db, appId, name, version);
  if (row) namedVersions.set(db, key, row, ticket);
  return row;
}

export async function listFlowVersions(db: Reader, appId: number, name: string): Promise<Array<{ version: string; note: string; createdAt: number }> | undefined> {
  const flow = await db.selectFrom('flows').select(['id']).where('app_id', '=', appId).where('name', '=', name).where('head_version', 'is not', null).executeTakeFirst();
  if (!flow) return undefined;
  const rows = await db.selectFrom('flow_versions').select(['version', 'note', 'created_at']).where('app_id', '=', appId).where('flow_id', '=', flow.id).orderBy('id', 'desc').execute();
  return rows.map((r) => ({ version: r.version, note: r.note, createdAt: r.created_at }));
}

// Versions never change, so their parsed definitions are kept. The key holds the version's
// random uuid besides its row id: one process may serve several databases (the tests do).
const definitions = new Map<string, FlowDefinition>();
const DEFINITION_CACHE_LIMIT = 500;

/** The definition a version holds (deeply frozen: callers share it). */
export async function loadDefinition(db: Reader, appId: number, row: Pick<FlowVersionRow, 'rowId' | 'version'>): Promise<FlowDefinition> {
  const key = `${appId}:${row.rowId}:${row.version}`;
  const hit = definitions.get(key);
  if (hit) return hit;
  const stored = await db.selectFrom('flow_versions').select(['definition']).where('app_id', '=', appId).where('id', '=', row.rowId).executeTakeFirstOrThrow();
  const definition = deepFreeze(JSON.parse(stored.definition) as FlowDefinition);
  if (definitions.size >= DEFINITION_CACHE_LIMIT) definitions.delete(definitions.keys().next().value as string);
  definitions.set(key, definition);
  return definition;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Largest definition stored (as JSON text); every version keeps a whole copy. */
export const MAX_DEFINITION_LENGTH = 4 * 1024 * 1024;

export type CreateMode = 'existing' | 'new' | 'either';

export interface SavedVersion {
  name: string;
  version: string;
  definition: FlowDefinition;
}

/**
 * Writes a new version of a flow: `change` gets a private copy of the current definition
 * (undefined for a flow being created) and returns the next one, which must hold together and
 * fit its entity type's schema. Concurrent changes of one flow apply one after the other.
 */
export async function changeFlow(
  store: Store,
  appId: number,
  name: string,
  mode: CreateMode,
  note: string,
  change: (current: FlowDefinition | undefined) => FlowDefinition,
): Promise<SavedVersion> {
  const saved = await store.write(async (tx) => {
    const now = Date.now();
    if (mode !== 'existing') {
      await tx
        .insertInto('flows')
        .values({ app_id: appId, name, head_version: null, created_at: now, updated_at: now })
        .onConflict((oc) => oc.columns(['app_id', 'name']).doNothing())
        .execute();
    }
    const flow = await lockFlow(tx, store.dialect, appId, name);
    if (!flow) throw new FlowNotFound(`flow ${name}`);
    if (mode === 'new' && flow.head_version !== null) throw new FlowExists(name);
    let current: FlowDefinition | undefined;
    if (flow.head_version !== null) {
      const head = await findFlowVersion(tx, appId, name, flow.head_version);
      if (head) current = await loadDefinition(tx, appId, head);
    }
    const next = change(current === undefined ? undefined : (structuredClone(current) as FlowDefinition));
    checkDefinition(next);
    await checkSchema(tx, appId, next);
    const text = JSON.stringify(next);
    if (text.length > MAX_DEFINITION_LENGTH) throw new FlowDefinitionError([`the flow would take ${text.length} characters as JSON; at most ${MAX_DEFINITION_LENGTH}`]);
    const version = randomUUID();
    await tx.insertInto('flow_versions').values({ app_id: appId, flow_id: flow.id, version, definition: text, note: note.slice(0, 500), created_at: now }).execute();
    await tx.updateTable('flows').set({ head_version: version, updated_at: now }).where('app_id', '=', appId).where('id', '=', flow.id).execute();
    return { name, version, definition: next };
  });
  cachedRowsChanged(store.db);
  return saved;
}

async function lockFlow(tx: Tx, dialect: Dialect, appId: number, name: string): Promise<{ id: number; head_version: string | null } | undefined> {
  if (dialect === 'postgres') {
    const locked = await sql<{ id: number; head_version: string | null }>`select id, head_version from flows where app_id = ${appId} and name = ${name} for update`.execute(tx);
    return locked.rows[0];
  }
  return tx.selectFrom('flows').select(['id', 'head_version']).where('app_id', '=', appId).where('name', '=', name).executeTakeFirst();
}

/** The schema attributes a definition names exist in its entity type, with fitting types. */
export async function checkSchema(db: Reader, appId: number, def: FlowDefinition): Promise<void> {
  const type = await findEntityType(db, appId, def.entityType);
  if (!type) throw new FlowDefinitionError([`entityType: the application has no entity type ${def.entityType}`]);
  checkAgainstSchema(def, type);
}

/** Deletes a flow with all its versions; false when there was none. */
export async function deleteFlow(store: Store, appId: number, name: string): Promise<boolean> {
  const deleted = await store.write(async (tx) => {
    const gone = await tx.deleteFrom('flows').where('app_id', '=', appId).where('name', '=', name).executeTakeFirst();
    return Number(gone.numDeletedRows) > 0;
  });
  if (deleted) cachedRowsChanged(store.db);
  return deleted;
}

/**
 * Inserts a flow's first version inside an existing transaction (provisioning). Returns the
 * version, or undefined when the application already has a flow of that name.
 */
export async function insertFlow(tx: Tx, appId: number, name: string, def: FlowDefinition, note: string): Promise<string | undefined> {
  const now = Date.now();
  const inserted = await tx
    .insertInto('flows')
    .values({ app_id: appId, name, head_version: null, created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['app_id', 'name']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return undefined;
  const version = randomUUID();
  await tx.insertInto('flow_versions').values({ app_id: appId, flow_id: inserted.id, version, definition: JSON.stringify(def), note, created_at: now }).execute();
  await tx.updateTable('flows').set({ head_version: version }).where('id', '=', inserted.id).execute();
  return version;
}
