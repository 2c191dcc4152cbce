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
  /** People who administer an application (`admin/*`); `notify` is 0/1. */
  app_admins: {
    id: Generated<number>;
    app_id: number;
    email: string;
    notify: number;
    created_at: number;
  };
  /**
   * Invitations to administer an application. The code is looked up by digest; the link is
   * sealed because `get_pending_invites` answers it.
   */
  app_invites: {
    id: Generated<number>;
    app_id: number;
    email: string;
    code_digest: string;
    url_sealed: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
  };
  /** Custom host names an application is also served under (`app/add_domain`); unique installation-wide. */
  app_domains: {
    id: Generated<number>;
    app_id: number;
    domain: string;
    created_at: number;
  };
  /** Provider domain-verification codes published on the application's pages (`app/verify_domain`). */
  app_domain_verifications: {
    app_id: number;
    provider: string;
    code: string;
    updated_at: number;
  };
  /** Permissions an application asks a provider for (`app/set_provider_permissions`); JSON list. */
  app_provider_permissions: {
    app_id: number;
    provider: string;
    permissions: string;
    updated_at: number;
  };
  /** Upstream credentials per provider (`app/set_properties`): a sealed JSON object. */
  app_provider_properties: {
    app_id: number;
    provider: string;
    properties_sealed: string;
    updated_at: number;
  };
}
