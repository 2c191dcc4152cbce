import { address, compact, email, epochSeconds, obj, personName, scopeList, str } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { hashIdentifier } from './generic.js';
import { requireId } from './oidc-claims.js';

const NAMESPACE = 'https://www.amazon.com';

/**
 * Login with Amazon (OAuth 2.0 with PKCE), profile from `/user/profile`. Identifier
 * `https://www.amazon.com#<user_id>` (ours). Amazon does not mark emails verified.
 */
export const amazon: UpstreamSpec = {
  protocol: {
    kind: 'oauth2',
    issuer: NAMESPACE,
    authorizationEndpoint: 'https://www.amazon.com/ap/oa',
    tokenEndpoint: 'https://api.amazon.com/auth/o2/token',
    scopes: ['profile'],
    pkce: true,
  },
  adapter: {
    async fetch(ctx) {
      return obj(await ctx.json('https://api.amazon.com/user/profile'));
    },
    profile(doc) {
      const id = requireId(doc.user_id, 'user_id');
      const name = personName({ formatted: doc.name });
      const postalCode = str(doc.postal_code);
      return {
        identifier: hashIdentifier(NAMESPACE, id),
        displayName: name?.formatted,
        name,
        email: email(doc.email),
        address: postalCode ? address({ postalCode }) : undefined,
      };
    },
    credentials: (tokens, doc) => compact({ accessToken: tokens.accessToken, uid: str(doc.user_id), expires: epochSeconds(tokens.expiresAt), refreshToken: tokens.refreshToken, scopes: scopeList(tokens.scope) }),
    identifies: (identifier) => identifier.startsWith(`${NAMESPACE}#`),
  },
};
