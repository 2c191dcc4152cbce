import type { Generated } from 'kysely';

export interface ClientTables {
  /** Registration API clients of an application (NOTES.md §3, §7). */
  api_clients: {
    id: Generated<number>;
    /** The owning application's internal `apps.id`. */
    app_id: number;
    /** Janrain-shaped: 32 lowercase alphanumerics, unique across the installation. */
    client_id: string;
    /** sha256 of the secret; the only form the secret is verified against. */
    secret_digest: string;
    /**
     * The secret sealed with the installation's Sealer, for the two things that need it in
     * clear: `clients/list` answers it and signed requests (NOTES.md §3.3) are HMACs keyed by it.
     * Null when created without a sealer.
     */
    secret_sealed: string | null;
    /**
     * The secret `clients/reset_secret` replaced, which keeps working until
     * `previous_secret_expires_at` (epoch ms) so that deployed code can change over.
     */
    previous_secret_digest: string | null;
    previous_secret_sealed: string | null;
    previous_secret_expires_at: number | null;
    description: string;
    /** JSON text: list of ClientFeature. */
    features: string;
    /** JSON text: list of CIDRs the client may call from. */
    whitelist: string;
    created_at: number;
  };
}
