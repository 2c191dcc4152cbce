import type { Generated } from 'kysely';

export interface SocialTables {
  /** One row per application: the six settings of `get_app_settings`. Booleans are 0/1. */
  social_settings: {
    app_id: number;
    privacy_policy: string | null;
    favicon: string | null;
    domain_redirect: string | null;
    post_to_token_url: number;
    one_time_use_tokens: number;
    google_profile_url: number;
    updated_at: number;
  };
  /** The domain whitelist; `id` keeps the order the patterns were given in. */
  social_domain_patterns: {
    id: Generated<number>;
    app_id: number;
    pattern: string;
  };
  /**
   * The application's provider lists, one row per list: `signin:web`, `signin:iphone`,
   * `signin:android`, `share`, `email`. `providers` is a JSON array of specifiers.
   */
  social_provider_lists: {
    app_id: number;
    list: string;
    providers: string;
    updated_at: number;
  };
  /** Backplane servers; the password is sealed because `get_backplane_properties` returns it. */
  social_backplane_servers: {
    id: Generated<number>;
    app_id: number;
    server: string;
    bus: string;
    version: string;
    username: string;
    password_sealed: string;
    created_at: number;
  };
  /**
   * One-time sign-in tokens (`auth_info`). Found by the token's selector and proven by its
   * SHA-256 digest (crypto/time-ordered-tokens.ts); the token itself is not stored. The answer (profile, accessCredentials with upstream tokens, merged_poco) is sealed.
   * `one_time` (0/1) is the app's oneTimeUseTokens setting when the token was issued.
   */
  social_tokens: {
    id: Generated<number>;
    app_id: number;
    selector: string;
    token_digest: string;
    identifier: string;
    answer_sealed: string;
    token_url: string;
    one_time: number;
    created_at: number;
    expires_at: number;
  };
  /**
   * The provider identities that signed in to an application, with the upstream tokens
   * (sealed) that `get_user_data`, `get_contacts` and `add_or_update_access_token` use.
   */
  social_identities: {
    id: Generated<number>;
    app_id: number;
    identifier: string;
    provider: string;
    tokens_sealed: string | null;
    created_at: number;
    updated_at: number;
  };
  /** `map`: each identifier of an application belongs to at most one primary key. */
  social_mappings: {
    id: Generated<number>;
    app_id: number;
    identifier: string;
    primary_key: string;
    created_at: number;
  };
}
