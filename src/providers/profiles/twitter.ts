import { address, arr, compact, epochSeconds, httpUrl, obj, str, type ContactEntry } from '../poco.js';
import type { FetchContext, UpstreamSpec } from '../spec.js';
import { socialErrors } from '../../http/errors.js';
import { requireId } from './oidc-claims.js';

const API = 'https://api.x.com/2';
const PROFILE = 'http://twitter.com/account/profile?user_id=';

/**
 * X (Twitter) with OAuth 2.0 and PKCE; confidential clients authenticate with HTTP Basic.
 * Identifier in Janrain's shape `http://twitter.com/account/profile?user_id=<id>`.
 * Contacts as Janrain had them: following (default), followers, friendships (both); no friends.
 */
export const twitter: UpstreamSpec = {
  protocol: {
    kind: 'oauth2',
    issuer: 'https://x.com',
    authorizationEndpoint: 'https://x.com/i/oauth2/authorize',
    tokenEndpoint: `${API}/oauth2/token`,
    scopes: ['users.read', 'tweet.read', 'offline.access'],
    pkce: true,
    clientAuth: 'client_secret_basic',
  },
  adapter: {
    async fetch(ctx) {
      return obj(obj(await ctx.json(`${API}/users/me?user.fields=id,name,username,profile_image_url,url,description,location`)).data);
    },
    profile(doc) {
      const id = requireId(doc.id, 'id');
      const username = str(doc.username);
      const name = str(doc.name);
      const location = str(doc.location);
      return {
        identifier: `${PROFILE}${id}`,
        displayName: name ?? username,
        preferredUsername: username,
        name: name ? { formatted: name } : undefined,
        url: username ? `http://twitter.com/${username}` : undefined,
        photo: httpUrl(doc.profile_image_url),
        address: location ? address({ formatted: location }) : undefined,
      };
    },
    credentials: (tokens) => compact({ type: 'OAuth', oauthToken: tokens.accessToken, expires: epochSeconds(tokens.expiresAt) }),
    identifies: (identifier) => identifier.startsWith(PROFILE),
    async contacts(ctx, contactType) {
      const type = contactType ?? 'following';
      if (type === 'following' || type === 'followers') return page(await people(ctx, type));
      if (type === 'friendships') {
        const [following, followers] = await Promise.all([people(ctx, 'following'), people(ctx, 'followers')]);
        const followerIds = new Set(followers.map((p) => p.accounts?.[0]?.userid));
        return page(following.filter((p) => followerIds.has(p.accounts?.[0]?.userid)));
      }
      throw socialErrors.unsupported(`X does not support contactType ${type}; use following, followers or friendships`);
    },
  },
};

async function people(ctx: FetchContext, relation: 'following' | 'followers'): Promise<ContactEntry[]> {
  const me = requireId(obj(obj(await ctx.json(`${API}/users/me`)).data).id, 'id');
  const doc = obj(await ctx.json(`${API}/users/${me}/${relation}?max_results=1000&user.fields=name,username,profile_image_url`));
  return arr(doc.data).map((u) => {
    const user = obj(u);
    const id = str(user.id);
    return compact({
      displayName: str(user.name),
      urls: str(user.username) ? [{ type: 'profile', value: `http://twitter.com/${str(user.username)}` }] : undefined,
      photos: httpUrl(user.profile_image_url) ? [{ type: 'thumbnail', value: httpUrl(user.profile_image_url) as string }] : undefined,
      accounts: id ? [{ domain: 'twitter.com', userid: id, username: str(user.username) }] : undefined,
    });
  });
}

const page = (entry: ContactEntry[]) => ({ startIndex: 1, itemsPerPage: entry.length, totalResults: entry.length, entry });
