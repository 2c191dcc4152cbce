import type { Store } from '../../../store/store.js';
import { FLOW_NAME, FlowDefinitionError, parseFlowDefinition } from './definition.js';
import { changeFlow } from './flow-store.js';

export interface ImportedFlow {
  name: string;
  version: string;
  /** The flow did not exist before (else the import is its new version). */
  created: boolean;
}

/**
 * Imports a flow document (the standard-flow.json format; docs/flows.md): a new flow, or a new
 * version of the flow of that name. `name` overrides the document's own `name`.
 */
export async function importFlow(store: Store, appId: number, document: unknown, name?: string): Promise<ImportedFlow> {
  const parsed = parseFlowDefinition(document);
  const flowName = name ?? parsed.name;
  if (!flowName) throw new FlowDefinitionError(['name: the document names no flow; give its name']);
  if (!FLOW_NAME.test(flowName)) throw new FlowDefinitionError([`name: flow names are 1-100 letters, digits, _ and - (got ${JSON.stringify(flowName.slice(0, 100))})`]);
  let created = false;
  const saved = await changeFlow(store, appId, flowName, 'either', 'imported', (current) => {
    created = current === undefined;
    return parsed.definition;
  });
  return { name: saved.name, version: saved.version, created };
}
