import type { Generated } from 'kysely';

/**
 * Registration records (see /work/notes/records-contract.md and docs/storage.md). Timestamps
 * of records are epoch MICROseconds, since Janrain shows `created` / `lastUpdated` to the µs.
 */
export interface RecordTables {
  /** One row per record; every non-reserved attribute lives in `data`. */
  entities: {
    /** The record's Janrain `id`: global, never reused. */
    id: Generated<number>;
    /** The entity type (and through it the application) the record belongs to. */
    type_id: number;
    uuid: string;
    created: number;
    last_updated: number;
    /** SQLite: JSON text. PostgreSQL: jsonb, which the driver hands back parsed. */
    data: unknown;
  };
  /**
   * Every state a record left behind: written in the same transaction as the change that
   * superseded it, so `versions/entity` can answer for any instant, deleted records included.
   */
  entity_versions: {
    id: Generated<number>;
    type_id: number;
    entity_id: number;
    uuid: string;
    created: number;
    /** `lastUpdated` of this state: it held from here… */
    last_updated: number;
    /** …until here (µs), when a write replaced it or the record was deleted. */
    superseded: number;
    /** 1 when what superseded this state was the record's deletion. */
    deleted: number;
    /** JSON text of `data` as it was. */
    data: string;
  };
  /**
   * Plural elements that `entity.replace` dropped from a record: they belong to no record
   * until `entity.adopt` takes one into a plural again (of the same record or another of the
   * type). They go when the record they came from is deleted.
   */
  entity_orphans: {
    /** The element's own id, kept through adoption. */
    id: number;
    type_id: number;
    entity_id: number;
    /** Schema path of the plural it left (`profiles`, `profiles.followers`). */
    plural: string;
    /** JSON text of the element, without its id. */
    data: string;
    orphaned_at: number;
  };
  /**
   * Values of `unique` attributes that live inside plural elements (`profiles.identifier`),
   * which no expression index can reach: one row per value, so that the database itself
   * refuses a second record with the same value, whatever writes race.
   */
  entity_unique_values: {
    type_id: number;
    /** Dotted schema path of the attribute. */
    attribute: string;
    /** The value as compared: lower-cased unless the attribute is case-sensitive. */
    value: string;
    entity_id: number;
  };
  /** SQLite's source of plural element ids (PostgreSQL uses the sequence `entity_element_ids`). */
  entity_element_counter: {
    id: number;
    next_id: number;
  };
}
