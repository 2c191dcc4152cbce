import { address, arr, compact, epochSeconds, httpUrl, obj, personName, str, type ContactEntry } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { socialErrors } from '../../http/errors.js';
import { requireId } from './oidc-claims.js';

const USERS = 'https://api.soundcloud.com/users/';

/**
 * SoundCloud OAuth 2.1 (PKCE required), profile from `/me` with the `OAuth` authorization
 * scheme SoundCloud documents. Identifier: the user's API URI `https://api.soundcloud.com/users/<id>`.
 * Contacts: following (default) and followers.
 */
export const soundcloud: UpstreamSpec = {
  protocol: {
    kind: 'oauth2',
    issuer: 'https://soundcloud.com',
    authorizationEndpoint: 'https://secure.soundcloud.com/authorize',
    tokenEndpoint: 'https://secure.soundcloud.com/oauth/token',
    scopes: [],
    pkce: true,
  },
  adapter: {
    fetch: async (ctx) => obj(await ctx.json('https://api.soundcloud.com/me', { auth: 'oauth' })),
    profile(doc) {
      const id = requireId(doc.id, 'id');
      const name = personName({ formatted: doc.full_name, givenName: doc.first_name, familyName: doc.last_name });
      return {
        identifier: `${USERS}${id}`,
        displayName: name?.formatted ?? str(doc.username),
        preferredUsername: str(doc.username) ?? str(doc.permalink),
        name,
        url: httpUrl(doc.permalink_url),
        photo: httpUrl(doc.avatar_url),
        address: address({ locality: str(doc.city), country: str(doc.country) }),
      };
    },
    credentials: (tokens, doc) => compact({ type: 'OAuth2', oauthToken: tokens.accessToken, uid: str(doc.id), expires: epochSeconds(tokens.expiresAt) }),
    identifies: (identifier) => identifier.startsWith(USERS),
    async contacts(ctx, contactType) {
      const type = contactType ?? 'following';
      if (type !== 'following' && type !== 'followers') throw socialErrors.unsupported(`SoundCloud does not support contactType ${type}; use following or followers`);
      const doc = obj(await ctx.json(`https://api.soundcloud.com/me/${type === 'following' ? 'followings' : 'followers'}?limit=200&linked_partitioning=true`, { auth: 'oauth' }));
      const entry: ContactEntry[] = arr(doc.collection).map((u) => {
        const user = obj(u);
        const id = str(user.id);
        return compact({
          displayName: str(user.full_name) ?? str(user.username),
          urls: httpUrl(user.permalink_url) ? [{ type: 'profile', value: httpUrl(user.permalink_url) as string }] : undefined,
          photos: httpUrl(user.avatar_url) ? [{ type: 'thumbnail', value: httpUrl(user.avatar_url) as string }] : undefined,
          accounts: id ? [{ domain: 'soundcloud.com', userid: id, username: str(user.username) }] : undefined,
        });
      });
      return { startIndex: 1, itemsPerPage: entry.length, totalResults: entry.length, entry };
    },
  },
};
