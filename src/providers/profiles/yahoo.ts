import { compact, epochSeconds } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { idTokenAndUserInfo, requireId, standardClaims } from './oidc-claims.js';

const PROFILE = 'http://profile.yahoo.com/';

/**
 * Yahoo (OpenID Connect). Janrain's Yahoo identifiers were OpenID 2.0 URLs that cannot be
 * derived from today's subject, so identifiers are Yahoo's own profile URL of the account GUID
 * (the `sub`): `http://profile.yahoo.com/<guid>` (ours). PKCE when discovery advertises it. Janrain's OAuth 1.0 session handle,
 * with which a site renewed tokens, is today's refresh token.
 */
export const yahoo: UpstreamSpec = {
  protocol: { kind: 'oidc', issuer: 'https://api.login.yahoo.com', scopes: ['openid', 'profile', 'email'], pkce: false },
  adapter: {
    fetch: idTokenAndUserInfo,
    profile(doc) {
      const sub = requireId(doc.sub, 'sub');
      return { identifier: `${PROFILE}${sub}`, ...standardClaims(doc) };
    },
    credentials: (tokens) => compact({ type: 'OAuth', oauthToken: tokens.accessToken, oauthSessionHandle: tokens.refreshToken, expires: epochSeconds(tokens.expiresAt) }),
    identifies: (identifier) => identifier.startsWith(PROFILE) || identifier.startsWith('https://me.yahoo.com/'),
  },
};
