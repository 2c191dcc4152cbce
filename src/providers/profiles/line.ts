import { email } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { hashIdentifier, oauth2Credentials } from './generic.js';
import { idTokenAndUserInfo, requireId, standardClaims } from './oidc-claims.js';

const ISSUER = 'https://access.line.me';

/**
 * LINE Login v2.1 (OpenID Connect). The email is in the ID token only and LINE says nothing
 * about its verification, so it is never a verifiedEmail. Identifier `https://access.line.me#<sub>` (ours).
 */
export const line: UpstreamSpec = {
  protocol: { kind: 'oidc', issuer: ISSUER, scopes: ['openid', 'profile', 'email'], pkce: true },
  adapter: {
    fetch: idTokenAndUserInfo,
    profile(doc) {
      const sub = requireId(doc.sub, 'sub');
      const claims = standardClaims(doc);
      return { identifier: hashIdentifier(ISSUER, sub), ...claims, email: email(doc.email), verifiedEmail: undefined };
    },
    credentials: (tokens, doc) => oauth2Credentials(tokens, typeof doc.sub === 'string' ? doc.sub : undefined),
    identifies: (identifier) => identifier.startsWith(`${ISSUER}#`),
  },
};
