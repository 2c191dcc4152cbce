import { arr, email, httpUrl, obj, personName, str, truthy } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { hashIdentifier, oauth2Credentials } from './generic.js';
import { requireId } from './oidc-claims.js';

const NAMESPACE = 'https://github.com';
const HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

/**
 * GitHub OAuth app (OAuth 2.0; PKCE accepted), profile from `/user`; the verified email comes
 * from `/user/emails` (the primary address GitHub marks verified). Identifier
 * `https://github.com#<numeric id>` (ours: logins can be renamed).
 */
export const github: UpstreamSpec = {
  protocol: {
    kind: 'oauth2',
    issuer: NAMESPACE,
    authorizationEndpoint: 'https://github.com/login/oauth/authorize',
    tokenEndpoint: 'https://github.com/login/oauth/access_token',
    scopes: ['read:user', 'user:email'],
    pkce: true,
  },
  adapter: {
    async fetch(ctx) {
      const user = obj(await ctx.json('https://api.github.com/user', { headers: HEADERS }));
      let emails: unknown = [];
      try {
        emails = await ctx.json('https://api.github.com/user/emails', { headers: HEADERS });
      } catch {
        emails = []; // without the user:email scope
      }
      return { ...user, emails: arr(emails) };
    },
    profile(doc) {
      const id = requireId(doc.id, 'id');
      const emails = arr(doc.emails).map(obj);
      const primary = emails.find((e) => truthy(e.primary));
      const verified = primary && truthy(primary.verified) ? email(primary.email) : undefined;
      const mail = verified ?? email(primary?.email) ?? email(doc.email);
      const location = str(doc.location);
      const name = personName({ formatted: doc.name });
      return {
        identifier: hashIdentifier(NAMESPACE, id),
        displayName: name?.formatted ?? str(doc.login),
        preferredUsername: str(doc.login),
        name,
        email: mail,
        verifiedEmail: verified,
        url: httpUrl(doc.html_url),
        photo: httpUrl(doc.avatar_url),
        address: location ? { formatted: location } : undefined,
      };
    },
    credentials: (tokens, doc) => oauth2Credentials(tokens, str(doc.id)),
    identifies: (identifier) => identifier.startsWith(`${NAMESPACE}#`),
  },
};

