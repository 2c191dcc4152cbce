import type { Generated } from 'kysely';

export interface PartnerTables {
  /** Installation-wide values (the partner key's digest). */
  installation: { name: string; value: string };
  /** The tenants. `id` is internal; `app_id` and `realm` are what the outside world sees. */
  apps: {
    id: Generated<number>;
    app_id: string;
    realm: string;
    name: string;
    domain: string;
    api_key_digest: string;
    api_key_sealed: string;
    created_at: number;
  };
}
