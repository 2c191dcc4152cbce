import type { Generated } from 'kysely';

/** Registration flows (docs/flows.md): a flow per name and application, its immutable versions. */
export interface FlowTables {
  flows: {
    id: Generated<number>;
    /** Internal `apps.id`. */
    app_id: number;
    name: string;
    /** The version HEAD names; null only inside the transaction that creates the flow. */
    head_version: string | null;
    created_at: number;
    updated_at: number;
  };
  flow_versions: {
    id: Generated<number>;
    app_id: number;
    flow_id: number;
    /** The flow_version clients send (a uuid). */
    version: string;
    /** The whole definition as JSON; never changed once written. */
    definition: string;
    /** What changed, in a few words (`field firstName changed`, `imported`). */
    note: string;
    created_at: number;
  };
}
