import { address, arr, compact, email, epochSeconds, gender, httpUrl, obj, personName, str, type ContactEntry } from '../poco.js';
import type { FetchContext, UpstreamSpec } from '../spec.js';
import { socialErrors } from '../../http/errors.js';
import { requireId } from './oidc-claims.js';

const API = 'https://api.weibo.com/2';
const PROFILE = 'http://weibo.com/u/';

const withToken = (ctx: FetchContext, path: string) => `${API}/${path}${path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(ctx.tokens.accessToken)}`;

async function uidOf(ctx: FetchContext): Promise<string> {
  return ctx.tokens.extra.uid ?? requireId(obj(await ctx.json(withToken(ctx, 'account/get_uid.json'), { auth: 'none' })).uid, 'uid');
}

/**
 * Sina Weibo OAuth 2.0 (no PKCE; the token response names the `uid` and has no token_type),
 * profile from `users/show`. Identifier `http://weibo.com/u/<uid>`, Weibo's profile URL.
 * Contacts: following (default) and followers among the application's users.
 */
export const sinaweibo: UpstreamSpec = {
  protocol: {
    kind: 'oauth2',
    issuer: 'https://weibo.com',
    authorizationEndpoint: 'https://api.weibo.com/oauth2/authorize',
    tokenEndpoint: 'https://api.weibo.com/oauth2/access_token',
    scopes: ['email'],
    scopeSeparator: ',',
    pkce: false,
  },
  adapter: {
    async fetch(ctx) {
      const uid = await uidOf(ctx);
      const user = obj(await ctx.json(withToken(ctx, `users/show.json?uid=${encodeURIComponent(uid)}`), { auth: 'none' }));
      let mail: unknown;
      try {
        mail = obj(arr(await ctx.json(withToken(ctx, 'account/profile/email.json'), { auth: 'none' }))[0]).email;
      } catch {
        mail = undefined; // only with the email scope granted
      }
      return { ...user, email: mail };
    },
    profile(doc) {
      const id = requireId(doc.idstr ?? doc.id, 'id');
      const name = personName({ formatted: doc.name ?? doc.screen_name });
      const location = str(doc.location);
      return {
        identifier: `${PROFILE}${id}`,
        displayName: str(doc.screen_name) ?? name?.formatted,
        preferredUsername: str(doc.domain) ?? str(doc.screen_name),
        name,
        email: email(doc.email),
        url: httpUrl(doc.url) ?? `${PROFILE}${id}`,
        photo: httpUrl(doc.avatar_large) ?? httpUrl(doc.profile_image_url),
        gender: gender(doc.gender),
        address: location ? address({ formatted: location }) : undefined,
      };
    },
    credentials: (tokens, doc) => compact({ type: 'OAuth2', oauthToken: tokens.accessToken, uid: str(doc.idstr ?? doc.id), expires: epochSeconds(tokens.expiresAt) }),
    identifies: (identifier) => /^http:\/\/weibo\.com\/u\/\d+$/.test(identifier),
    async contacts(ctx, contactType) {
      const type = contactType ?? 'following';
      if (type !== 'following' && type !== 'followers') throw socialErrors.unsupported(`Sina Weibo does not support contactType ${type}; use following or followers`);
      const uid = await uidOf(ctx);
      const doc = obj(await ctx.json(withToken(ctx, `friendships/${type === 'following' ? 'friends' : 'followers'}.json?uid=${encodeURIComponent(uid)}&count=200`), { auth: 'none' }));
      const entry: ContactEntry[] = arr(doc.users).map((u) => {
        const user = obj(u);
        const id = str(user.idstr ?? user.id);
        return compact({
          displayName: str(user.screen_name) ?? str(user.name),
          urls: id ? [{ type: 'profile', value: `${PROFILE}${id}` }] : undefined,
          photos: httpUrl(user.profile_image_url) ? [{ type: 'thumbnail', value: httpUrl(user.profile_image_url) as string }] : undefined,
          accounts: id ? [{ domain: 'weibo.com', userid: id, username: str(user.screen_name) }] : undefined,
        });
      });
      return { startIndex: 1, itemsPerPage: entry.length, totalResults: typeof doc.total_number === 'number' ? doc.total_number : entry.length, entry };
    },
  },
};
