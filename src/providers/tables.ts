export interface ProviderTables {
  /**
   * Identity providers an application configured itself (`set_provider_config`): a generic
   * OpenID Connect or OAuth 2.0 provider (`oidc:<name>`, `oauth2:<name>`), or the demo provider
   * (`demo`, only ever created by the first-start bootstrap). `config` is JSON without secrets;
   * the client secret is sealed because the sign-in flow must send it upstream.
   */
  app_custom_providers: {
    app_id: number;
    specifier: string;
    config: string;
    client_id: string;
    client_secret_sealed: string;
    created_at: number;
    updated_at: number;
  };
}
