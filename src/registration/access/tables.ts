import type { Generated } from 'kysely';

/**
 * Access grants of Registration (NOTES.md §4). Every token and code is stored as the sha256
 * digest of what was handed out and looked up by it; `client_id` is the public client_id of
 * the API client the grant belongs to (FK, so a deleted client's grants go with it). Records
 * are named by their global `id` plus `uuid` and type name, copied at issue time, since the
 * records module owns the records themselves.
 */
interface Subject {
  entity_id: number;
  entity_uuid: string;
  type_name: string;
}

export interface AccessTables {
  /**
   * Access and refresh tokens in one table, so that issuing a pair is one statement and a
   * family or a record's access goes with one delete.
   */
  oauth_tokens: Subject & {
    id: Generated<number>;
    app_id: number;
    kind: 'access' | 'refresh';
    /** Finds the row (crypto/time-ordered-tokens.ts); null for tokens issued before it existed. */
    selector: string | null;
    token_digest: string;
    client_id: string;
    /**
     * Refresh tokens: every token descending from one grant shares it, and reuse of a spent
     * one revokes them all. Access tokens issued with them carry it too and go with them.
     */
    family: string | null;
    /** Access tokens of mobile apps: their refresh_secret (sealed: oauth/refresh_access_token checks HMACs keyed by it). */
    refresh_secret_sealed: string | null;
    /** Access tokens: when they stop working (epoch ms). Refresh tokens live until used or revoked. */
    expires_at: number | null;
    /** Refresh tokens: when they were exchanged (epoch ms); a spent token is kept to recognise reuse. */
    used_at: number | null;
    /** When a later grant of the application may delete the row (epoch ms); null for a live refresh token. */
    sweep_at: number | null;
    created_at: number;
  };
  authorization_codes: Subject & {
    id: Generated<number>;
    app_id: number;
    code_digest: string;
    client_id: string;
    /** The redirect_uri the code was issued for; the exchange must name the same one. */
    redirect_uri: string | null;
    /** JSON text handed back by oauth/token (password recovery, getAuthorizationCode). */
    transaction_state: string | null;
    expires_at: number;
    used_at: number | null;
    /** The token family the exchange started: revoked if the code is presented again. */
    family: string | null;
    created_at: number;
  };
  verification_codes: Subject & {
    id: Generated<number>;
    app_id: number;
    code_digest: string;
    /** The dateTime attribute useVerificationCode sets to now. */
    attribute_name: string;
    expires_at: number;
    used_at: number | null;
    created_at: number;
  };
  creation_tokens: {
    id: Generated<number>;
    app_id: number;
    token_digest: string;
    client_id: string;
    /** The entity type the holder may create one record of. */
    type_name: string;
    expires_at: number;
    used_at: number | null;
    created_at: number;
  };
}
