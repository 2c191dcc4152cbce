import { address, arr, compact, email, epochSeconds, httpUrl, obj, personName, str, type ContactEntry } from '../poco.js';
import type { FetchContext, UpstreamSpec } from '../spec.js';
import { socialErrors } from '../../http/errors.js';
import { hashIdentifier } from './generic.js';
import { requireId } from './oidc-claims.js';

const NAMESPACE = 'https://disqus.com';
const API = 'https://disqus.com/api/3.0';

function apiUrl(ctx: FetchContext, path: string): string {
  return `${API}/${path}${path.includes('?') ? '&' : '?'}api_key=${encodeURIComponent(ctx.client.clientId)}&access_token=${encodeURIComponent(ctx.tokens.accessToken)}`;
}

/**
 * Disqus OAuth 2.0 (comma-separated scopes), profile from `users/details`. Identifier
 * `https://disqus.com#<user id>` (ours). Contacts: the users the user follows.
 */
export const disqus: UpstreamSpec = {
  protocol: {
    kind: 'oauth2',
    issuer: NAMESPACE,
    authorizationEndpoint: 'https://disqus.com/api/oauth/2.0/authorize/',
    tokenEndpoint: 'https://disqus.com/api/oauth/2.0/access_token/',
    scopes: ['read', 'email'],
    scopeSeparator: ',',
    pkce: false,
  },
  adapter: {
    fetch: async (ctx) => obj(obj(await ctx.json(apiUrl(ctx, 'users/details.json'), { auth: 'none' })).response),
    profile(doc) {
      const id = requireId(doc.id, 'id');
      const name = personName({ formatted: doc.name });
      const location = str(doc.location);
      return {
        identifier: hashIdentifier(NAMESPACE, id),
        displayName: name?.formatted ?? str(doc.username),
        preferredUsername: str(doc.username),
        name,
        email: email(doc.email),
        url: httpUrl(doc.profileUrl),
        photo: httpUrl(obj(doc.avatar).permalink),
        address: location ? address({ formatted: location }) : undefined,
      };
    },
    credentials: (tokens, doc) => compact({ type: 'OAuth2', accessToken: tokens.accessToken, uuid: str(doc.id), expires: epochSeconds(tokens.expiresAt), refreshToken: tokens.refreshToken }),
    identifies: (identifier) => identifier.startsWith(`${NAMESPACE}#`),
    async contacts(ctx, contactType) {
      if (contactType && contactType !== 'following') throw socialErrors.unsupported(`Disqus does not support contactType ${contactType}; use following`);
      const doc = obj(await ctx.json(apiUrl(ctx, 'users/listFollowing.json?limit=100'), { auth: 'none' }));
      const entry: ContactEntry[] = arr(doc.response).map((u) => {
        const user = obj(u);
        return compact({
          displayName: str(user.name) ?? str(user.username),
          urls: httpUrl(user.profileUrl) ? [{ type: 'profile', value: httpUrl(user.profileUrl) as string }] : undefined,
          accounts: str(user.id) ? [{ domain: 'disqus.com', userid: str(user.id) as string, username: str(user.username) }] : undefined,
        });
      });
      return { startIndex: 1, itemsPerPage: entry.length, totalResults: entry.length, entry };
    },
  },
};
