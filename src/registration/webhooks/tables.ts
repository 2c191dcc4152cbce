import type { Generated } from 'kysely';

/**
 * Webhooks: subscriptions, the outbox of record events (one row per change and subscription,
 * written in the transaction of the change) with its delivery state, every delivery attempt,
 * the signing key of each application and a per-application version of its subscriptions
 * (processes sharing PostgreSQL invalidate their cached subscriptions by it).
 */

export type EventKind = 'ADD' | 'UPDATE' | 'DELETE';
export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'dead';

export interface WebhookTables {
  webhook_subscriptions: {
    id: Generated<number>;
    app_id: number;
    /** The application's public appId (captureApplicationId of its events). */
    capture_app_id: string;
    uuid: string;
    callback: string;
    entity_type: string;
    /** JSON array of EventKind. */
    event_types: string;
    /** JSON array of dotted attribute paths filtering UPDATE events; [] = any attribute. */
    attributes: string;
    enabled: number;
    created_at: number;
    updated_at: number;
  };
  webhook_versions: {
    app_id: number;
    version: number;
  };
  webhook_events: {
    id: Generated<number>;
    app_id: number;
    subscription_id: number;
    /** The Security Event Token's jti: one per event, kept across retries. */
    jti: string;
    /** The change's id, shared by the events one change produced for several subscriptions. */
    change_id: string;
    kind: EventKind;
    entity_type: string;
    entity_id: number;
    entity_uuid: string;
    /** JSON array of changed attribute paths (UPDATE), else null. */
    attributes: string | null;
    /** The API client whose call made the change, when one did. */
    client_id: string | null;
    /** When the change happened (epoch ms): the SET's toe. */
    occurred_at: number;
    status: DeliveryStatus;
    attempts: number;
    next_attempt_at: number;
    /** The worker delivering it, and until when its claim holds (status delivering). */
    lease_owner: string | null;
    lease_expires: number | null;
    last_status_code: number | null;
    last_error: string | null;
    /** When it was delivered or given up on. */
    finished_at: number | null;
  };
  webhook_attempts: {
    id: Generated<number>;
    app_id: number;
    event_id: number;
    attempted_at: number;
    duration_ms: number;
    status_code: number | null;
    error: string | null;
  };
  webhook_keys: {
    app_id: number;
    kid: string;
    alg: string;
    /** The private JWK, sealed. */
    private_jwk_sealed: string;
    /** The public JWK as JSON text. */
    public_jwk: string;
    created_at: number;
  };
}
