import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { KoaContextLike, Provider } from 'oidc-provider';
import { demoAdapterClass } from './memory-adapter.js';
import { findPersona, personaClaims } from './personas.js';

let providerClass: Promise<typeof Provider> | undefined;

/**
 * oidc-provider, imported when first needed. It warns at import time on Node.js 20, which
 * Openrain supports and on which it works; that one line would otherwise reach the stderr of
 * every command (`openrain migrate`…), so it is left out.
 */
export function loadOidcProvider(): Promise<typeof Provider> {
  providerClass ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
    };
    try {
      return (await import('oidc-provider')).default;
    } finally {
      console.warn = warn;
    }
  })();
  return providerClass;
}

export interface DemoClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  client_name: string;
}

/**
 * The demo OpenID Connect provider: an oidc-provider instance with discovery, PKCE required,
 * ID tokens, UserInfo and refresh tokens, whose "login" is choosing a persona. Consent is
 * implied (the demo application is its only kind of client).
 */
export async function createDemoProvider(issuer: string, findClient: (clientId: string) => Promise<DemoClient | undefined>): Promise<Provider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
  const Adapter = demoAdapterClass(async (id) => {
    const client = await findClient(id);
    return client && { ...client, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' };
  });

  const ProviderClass = await loadOidcProvider();
  const provider = new ProviderClass(issuer, {
    adapter: Adapter,
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    findAccount: async (_ctx: unknown, id: string) => {
      const persona = findPersona(id);
      return persona && { accountId: persona.id, claims: async () => personaClaims(persona, issuer) };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture', 'locale', 'zoneinfo', 'birthdate', 'gender'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, userinfo: { enabled: true } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${new URL(issuer).pathname.replace(/\/+$/, '')}/interaction/${interaction.uid}` },
    // Refresh tokens for get_user_data without asking for offline_access and a consent prompt.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    // The persona choice is the whole interaction: the grant covers what was asked.
    loadExistingGrant: async (ctx: KoaContextLike) => {
      const { oidc } = ctx;
      const accountId = oidc.session?.accountId;
      if (!oidc.client || !accountId) return undefined;
      const existing = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(oidc.client.clientId);
      if (existing) {
        const grant = await oidc.provider.Grant.find(existing);
        if (grant) {
          grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
          await grant.save();
          return grant;
        }
      }
      const grant = new oidc.provider.Grant({ accountId, clientId: oidc.client.clientId });
      grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
      await grant.save();
      return grant;
    },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 14 * 24 * 3600, Interaction: 600, Session: 8 * 3600, Grant: 14 * 24 * 3600 },
    renderError: async (ctx: { type: string; body: string }, out: { error?: string; error_description?: string }) => {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `The demo identity provider could not continue: ${out.error ?? 'error'}${out.error_description ? ` (${out.error_description})` : ''}`;
    },
  });
  // Behind a TLS-terminating proxy the issuer is https while this process sees http.
  provider.proxy = true;
  return provider;
}
