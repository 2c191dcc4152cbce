import { compact, epochSeconds, obj, str } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { idTokenAndUserInfo, requireId, standardClaims } from './oidc-claims.js';

const PROFILE = 'http://www.linkedin.com/profile?viewProfile=';

/**
 * LinkedIn (Sign In with LinkedIn using OpenID Connect). Identifier in Janrain's shape
 * `http://www.linkedin.com/profile?viewProfile=<member id>`. LinkedIn's web flow documents no
 * PKCE for confidential clients: it is sent only if discovery advertises it.
 */
export const linkedin: UpstreamSpec = {
  protocol: { kind: 'oidc', issuer: 'https://www.linkedin.com/oauth', scopes: ['openid', 'profile', 'email'], pkce: false },
  adapter: {
    fetch: idTokenAndUserInfo,
    profile(doc) {
      const sub = requireId(doc.sub, 'sub');
      const locale = obj(doc.locale);
      return {
        identifier: `${PROFILE}${sub}`,
        ...standardClaims(doc),
        languagesSpoken: str(locale.language) ? [str(locale.language)] : undefined,
      };
    },
    credentials: (tokens) => compact({ type: 'OAuth', oauthToken: tokens.accessToken, expires: epochSeconds(tokens.expiresAt) }),
    identifies: (identifier) => identifier.startsWith(PROFILE),
  },
};
