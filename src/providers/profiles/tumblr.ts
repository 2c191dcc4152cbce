import { arr, compact, epochSeconds, httpUrl, obj, str, truthy, type ContactEntry } from '../poco.js';
import type { Doc, UpstreamSpec } from '../spec.js';
import { socialErrors } from '../../http/errors.js';
import { hashIdentifier } from './generic.js';
import { MissingIdentity } from './oidc-claims.js';

const NAMESPACE = 'https://www.tumblr.com';

/** The user's primary blog: Tumblr accounts have no id of their own, the primary blog's uuid is stable. */
function primaryBlog(user: Doc): Doc {
  const blogs = arr(user.blogs).map(obj);
  const blog = blogs.find((b) => truthy(b.primary)) ?? blogs[0];
  if (!blog || !str(blog.uuid)) throw new MissingIdentity('primary blog uuid');
  return blog;
}

/**
 * Tumblr OAuth 2.0, profile from `/v2/user/info`. Tumblr names users by their primary blog,
 * whose name can change; identifiers use the blog's uuid: `https://www.tumblr.com#<uuid>` (ours).
 * Contacts: the blogs the user follows.
 */
export const tumblr: UpstreamSpec = {
  protocol: {
    kind: 'oauth2',
    issuer: NAMESPACE,
    authorizationEndpoint: 'https://www.tumblr.com/oauth2/authorize',
    tokenEndpoint: 'https://api.tumblr.com/v2/oauth2/token',
    scopes: ['basic', 'offline_access'],
    pkce: false,
  },
  adapter: {
    fetch: async (ctx) => obj(obj(obj(await ctx.json('https://api.tumblr.com/v2/user/info')).response).user),
    profile(doc) {
      const blog = primaryBlog(doc);
      const name = str(doc.name) ?? str(blog.name);
      const avatars = arr(blog.avatar).map(obj);
      return {
        identifier: hashIdentifier(NAMESPACE, str(blog.uuid) as string),
        displayName: str(blog.title) ?? name,
        preferredUsername: name,
        url: httpUrl(blog.url),
        photo: httpUrl(avatars[0]?.url),
      };
    },
    credentials: (tokens, doc) => compact({ type: 'OAuth2', oauthToken: tokens.accessToken, uid: str(doc.name), expires: epochSeconds(tokens.expiresAt) }),
    identifies: (identifier) => identifier.startsWith(`${NAMESPACE}#`),
    async contacts(ctx, contactType) {
      if (contactType && contactType !== 'following') throw socialErrors.unsupported(`Tumblr does not support contactType ${contactType}; use following`);
      const doc = obj(obj(await ctx.json('https://api.tumblr.com/v2/user/following?limit=20')).response);
      const entry: ContactEntry[] = arr(doc.blogs).map((b) => {
        const blog = obj(b);
        return compact({
          displayName: str(blog.title) ?? str(blog.name),
          urls: httpUrl(blog.url) ? [{ type: 'blog', value: httpUrl(blog.url) as string }] : undefined,
          accounts: str(blog.uuid) ? [{ domain: 'tumblr.com', userid: str(blog.uuid) as string, username: str(blog.name) }] : undefined,
        });
      });
      return { startIndex: 1, itemsPerPage: entry.length, totalResults: typeof doc.total_blogs === 'number' ? doc.total_blogs : entry.length, entry };
    },
  },
};
