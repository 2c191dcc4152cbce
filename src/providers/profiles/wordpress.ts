import { email, httpUrl, obj, personName, str, truthy } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { hashIdentifier, oauth2Credentials } from './generic.js';
import { requireId } from './oidc-claims.js';

const NAMESPACE = 'https://wordpress.com';

/**
 * WordPress.com OAuth 2.0 (scope `auth`), profile from REST `/me`. Janrain's WordPress
 * identifiers were OpenID blog URLs a user could change; identifiers are
 * `https://wordpress.com#<user ID>` (ours). `email_verified` is WordPress.com's own flag.
 */
export const wordpress: UpstreamSpec = {
  protocol: {
    kind: 'oauth2',
    issuer: 'https://public-api.wordpress.com',
    authorizationEndpoint: 'https://public-api.wordpress.com/oauth2/authorize',
    tokenEndpoint: 'https://public-api.wordpress.com/oauth2/token',
    scopes: ['auth'],
    pkce: false,
  },
  adapter: {
    fetch: async (ctx) => obj(await ctx.json('https://public-api.wordpress.com/rest/v1.1/me')),
    profile(doc) {
      const id = requireId(doc.ID, 'ID');
      const mail = email(doc.email);
      const name = personName({ formatted: doc.display_name });
      return {
        identifier: hashIdentifier(NAMESPACE, id),
        displayName: name?.formatted ?? str(doc.username),
        preferredUsername: str(doc.username),
        name,
        email: mail,
        verifiedEmail: mail && truthy(doc.email_verified) ? mail : undefined,
        url: httpUrl(doc.primary_blog_url) ?? httpUrl(doc.profile_URL),
        photo: httpUrl(doc.avatar_URL),
      };
    },
    credentials: (tokens, doc) => oauth2Credentials(tokens, str(doc.ID)),
    identifies: (identifier) => identifier.startsWith(`${NAMESPACE}#`),
  },
};
