import type { Generated } from 'kysely';

export interface SchemaTables {
  /** An application's entity types (records-contract.md); the current schema of each. */
  entity_types: {
    id: Generated<number>;
    app_id: number;
    name: string;
    /** JSON text: the attr_defs without the reserved attributes (they are implied). */
    schema_json: string;
    created_at: number;
    /**
     * Epoch ms of the last change to the schema or its properties; strictly increasing per
     * type, so that (id, updated_at) identifies one state and caches can key on it.
     */
    updated_at: number;
  };
  /** Every schema an entity type has had, for versions/entityType. */
  entity_type_versions: {
    id: Generated<number>;
    app_id: number;
    type_id: number;
    schema_json: string;
    /** Epoch MICROseconds (like records' created/last_updated) from which this schema held. */
    valid_from: number;
  };
  /** entityType.addProperty / addRule: `unique` properties and data rules. */
  entity_type_properties: {
    id: Generated<number>;
    app_id: number;
    type_id: number;
    uuid: string;
    /** 'unique' | 'rule'. */
    kind: string;
    /** JSON text: list of dotted attribute paths. */
    attributes: string;
    /** JSON text of the rule definition; null for `unique`. */
    definition: string | null;
    description: string | null;
    created_at: number;
  };
  /** entityType.setAccessSchema: per client, one read and one write list of attribute paths. */
  entity_type_access: {
    id: Generated<number>;
    app_id: number;
    type_id: number;
    /** The client's public client_id. */
    client_id: string;
    /** 'read' | 'write'. */
    access_type: string;
    /** JSON text: list of dotted attribute paths. */
    attributes: string;
    updated_at: number;
  };
}
