import type { Config } from '../../config.js';
import { oidcAdapter } from '../profiles/generic.js';
import type { UpstreamSpec } from '../spec.js';

/** Where the demo provider is mounted on every Openrain server. */
export const DEMO_PATH = '/demo-idp';

export const demoIssuer = (config: Config) => `${config.publicUrl}${DEMO_PATH}`;

/**
 * The demo provider as an upstream: a plain OpenID Connect provider found by discovery, with
 * PKCE, state, nonce, an ID token and a UserInfo call, exactly as Google is spoken to.
 */
export function demoUpstream(config: Config): UpstreamSpec {
  const issuer = demoIssuer(config);
  return {
    protocol: { kind: 'oidc', issuer, scopes: ['openid', 'profile', 'email'], pkce: true },
    adapter: oidcAdapter(issuer),
  };
}
