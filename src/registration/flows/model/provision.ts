import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Tx } from '../../../store/store.js';
import { parseFlowDefinition, type FlowDefinition } from './definition.js';
import { checkSchema, insertFlow } from './flow-store.js';

export const STANDARD_FLOW_NAME = 'standard';

let standard: FlowDefinition | undefined;

/** The standard flow every application starts with (standard-flow.json beside this file). */
export function standardFlowDefinition(): FlowDefinition {
  standard ??= parseFlowDefinition(JSON.parse(readFileSync(new URL('./standard-flow.json', import.meta.url), 'utf8'))).definition;
  return structuredClone(standard);
}

/**
 * Gives a new application the standard flow. Uses only `tx`: it runs inside app/create's
 * transaction. The default_flow_name / default_flow_version settings stay unset, as every
 * other setting of a new application: sites set them (settings/set_default) or send flow and
 * flow_version.
 */
export async function provisionStandardFlow(tx: Tx, appRowId: number): Promise<void> {
  const definition = standardFlowDefinition();
  await checkSchema(tx, appRowId, definition);
  await insertFlow(tx, appRowId, STANDARD_FLOW_NAME, definition, 'provisioned with the application');
}

/**
 * The migration that gives applications created before flows existed their standard flow. Their
 * `user` type may have been changed since, so the schema is not checked here: the config API
 * reports any mismatch on the first change of the flow.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function provisionStandardFlowForExistingApps(db: Kysely<any>): Promise<void> {
  const apps = (await db.selectFrom('apps').select('id').execute()) as Array<{ id: number }>;
  const definition = standardFlowDefinition();
  for (const app of apps) {
    // Migrations run inside kysely's migrator (a transaction where the dialect has one); the
    // query builders used here are the same on both.
    await insertFlow(db as unknown as Tx, Number(app.id), STANDARD_FLOW_NAME, definition, 'provisioned by migration 0461');
  }
}
