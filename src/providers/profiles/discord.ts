import { email, httpUrl, obj, str, truthy } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { hashIdentifier, oauth2Credentials } from './generic.js';
import { requireId } from './oidc-claims.js';

const NAMESPACE = 'https://discord.com';

/**
 * Discord OAuth 2.0 (scopes identify and email), profile from `/users/@me`, whose `verified`
 * flag says whether the email is verified. Identifier `https://discord.com#<snowflake id>` (ours).
 */
export const discord: UpstreamSpec = {
  protocol: {
    kind: 'oauth2',
    issuer: NAMESPACE,
    authorizationEndpoint: 'https://discord.com/oauth2/authorize',
    tokenEndpoint: 'https://discord.com/api/oauth2/token',
    scopes: ['identify', 'email'],
    pkce: true,
  },
  adapter: {
    fetch: async (ctx) => obj(await ctx.json('https://discord.com/api/users/@me')),
    profile(doc) {
      const id = requireId(doc.id, 'id');
      const mail = email(doc.email);
      const avatar = str(doc.avatar);
      const displayName = str(doc.global_name) ?? str(doc.username);
      return {
        identifier: hashIdentifier(NAMESPACE, id),
        displayName,
        preferredUsername: str(doc.username),
        name: displayName ? { formatted: displayName } : undefined,
        email: mail,
        verifiedEmail: mail && truthy(doc.verified) ? mail : undefined,
        photo: avatar && /^[a-z0-9_]+$/i.test(avatar) ? httpUrl(`https://cdn.discordapp.com/avatars/${id}/${avatar}.png`) : undefined,
      };
    },
    credentials: (tokens, doc) => oauth2Credentials(tokens, str(doc.id)),
    identifies: (identifier) => identifier.startsWith(`${NAMESPACE}#`),
  },
};
