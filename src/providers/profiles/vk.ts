import { arr, birthday, compact, email, epochSeconds, httpUrl, obj, personName, scopeList, str, type ContactEntry } from '../poco.js';
import type { FetchContext, UpstreamSpec } from '../spec.js';
import { socialErrors } from '../../http/errors.js';
import { requireId } from './oidc-claims.js';

const PROFILE = 'http://vk.com/id';
const API_VERSION = '5.199';

/**
 * VK ID (OAuth 2.1: PKCE mandatory; the token request repeats the callback's `device_id` and
 * `state`). Profile from `oauth2/user_info`. Identifier `http://vk.com/id<user_id>`, VK's own
 * profile URL. Contacts through the VK API: friends (default), followers, following.
 */
export const vk: UpstreamSpec = {
  protocol: {
    kind: 'oauth2',
    issuer: 'https://id.vk.com',
    authorizationEndpoint: 'https://id.vk.com/authorize',
    tokenEndpoint: 'https://id.vk.com/oauth2/auth',
    scopes: ['vkid.personal_info', 'email'],
    pkce: true,
    tokenParamsFromCallback: ['device_id', 'state'],
  },
  adapter: {
    async fetch(ctx) {
      return obj(obj(await ctx.json('https://id.vk.com/oauth2/user_info', { auth: 'none', form: { client_id: ctx.client.clientId, access_token: ctx.tokens.accessToken } })).user);
    },
    profile(doc) {
      const id = requireId(doc.user_id, 'user_id');
      const name = personName({ givenName: doc.first_name, familyName: doc.last_name });
      return {
        identifier: `${PROFILE}${id}`,
        displayName: name?.formatted,
        name,
        email: email(doc.email),
        url: `${PROFILE}${id}`,
        photo: httpUrl(doc.avatar),
        gender: doc.sex === 1 ? 'female' : doc.sex === 2 ? 'male' : undefined,
        birthday: birthday(doc.birthday),
        phoneNumber: str(doc.phone),
      };
    },
    credentials: (tokens, doc) => compact({ type: 'OAuth2', accessToken: tokens.accessToken, uuid: str(doc.user_id), expires: epochSeconds(tokens.expiresAt), scopes: scopeList(tokens.scope) }),
    identifies: (identifier) => /^http:\/\/vk\.com\/id\d+$/.test(identifier),
    async contacts(ctx, contactType) {
      const type = contactType ?? 'friends';
      const method = type === 'friends' ? 'friends.get' : type === 'followers' ? 'users.getFollowers' : type === 'following' ? 'users.getSubscriptions' : undefined;
      if (!method) throw socialErrors.unsupported(`VK does not support contactType ${type}; use friends, followers or following`);
      const extra = method === 'users.getSubscriptions' ? '&extended=1' : '';
      const doc = obj(obj(await vkApi(ctx, `${method}?fields=nickname,photo_100,domain${extra}`)).response);
      const entry: ContactEntry[] = arr(doc.items).map((u) => {
        const user = obj(u);
        const id = str(user.id);
        const name = personName({ givenName: user.first_name, familyName: user.last_name, formatted: user.name });
        return compact({
          displayName: name?.formatted,
          urls: id ? [{ type: 'profile', value: `${PROFILE}${id}` }] : undefined,
          photos: httpUrl(user.photo_100) ? [{ type: 'thumbnail', value: httpUrl(user.photo_100) as string }] : undefined,
          accounts: id ? [{ domain: 'vk.com', userid: id, username: str(user.domain) }] : undefined,
        });
      });
      return { startIndex: 1, itemsPerPage: entry.length, totalResults: typeof doc.count === 'number' ? doc.count : entry.length, entry };
    },
  },
};

async function vkApi(ctx: FetchContext, call: string): Promise<unknown> {
  const doc = obj(await ctx.json(`https://api.vk.com/method/${call}&v=${API_VERSION}&access_token=${encodeURIComponent(ctx.tokens.accessToken)}`, { auth: 'none' }));
  const error = obj(doc.error);
  if (typeof error.error_code === 'number') {
    if (error.error_code === 5) throw socialErrors.credentialsRevoked();
    throw socialErrors.providerFailure(`VK API error ${error.error_code}`);
  }
  return doc;
}
