import { createHmac } from 'node:crypto';
import { address, arr, birthday, compact, email, epochSeconds, gender, httpUrl, obj, personName, str, type ContactEntry } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { socialErrors } from '../../http/errors.js';
import { requireId } from './oidc-claims.js';

const GRAPH = 'https://graph.facebook.com/v23.0';
const PROFILE = 'http://www.facebook.com/profile.php?id=';
const FIELDS = 'id,name,first_name,middle_name,last_name,short_name,email,picture.width(200).height(200),link,gender,birthday,location';

/** Graph API calls carry appsecret_proof, which Facebook asks servers to send. */
const proof = (token: string, secret: string) => createHmac('sha256', secret).update(token).digest('hex');

/**
 * Facebook Login (OAuth 2.0 with PKCE), Graph API v23.0. Identifier in Janrain's shape
 * `http://www.facebook.com/profile.php?id=<app-scoped id>`. Facebook does not say whether the
 * email it returns was verified, so it is never a verifiedEmail. Contacts: `/me/friends`
 * (friends who also use the application).
 */
export const facebook: UpstreamSpec = {
  protocol: {
    kind: 'oauth2',
    issuer: 'https://www.facebook.com',
    authorizationEndpoint: 'https://www.facebook.com/v23.0/dialog/oauth',
    tokenEndpoint: `${GRAPH}/oauth/access_token`,
    scopes: ['public_profile', 'email'],
    scopeSeparator: ',',
    pkce: true,
  },
  adapter: {
    async fetch(ctx) {
      return obj(await ctx.json(`${GRAPH}/me?fields=${FIELDS}&appsecret_proof=${proof(ctx.tokens.accessToken, ctx.client.clientSecret)}`));
    },
    profile(doc) {
      const id = requireId(doc.id, 'id');
      const identifier = `${PROFILE}${id}`;
      const name = personName({ formatted: doc.name, givenName: doc.first_name, familyName: doc.last_name, middleName: doc.middle_name });
      const location = str(obj(doc.location).name);
      return {
        identifier,
        displayName: name?.formatted,
        preferredUsername: str(doc.short_name) ?? name?.formatted?.replace(/\s+/g, ''),
        name,
        email: email(doc.email),
        url: httpUrl(doc.link) ?? identifier,
        photo: httpUrl(obj(obj(doc.picture).data).url),
        gender: gender(doc.gender),
        birthday: birthday(doc.birthday),
        address: location ? address({ formatted: location }) : undefined,
      };
    },
    credentials: (tokens, doc) => compact({ type: 'Facebook', accessToken: tokens.accessToken, expires: epochSeconds(tokens.expiresAt), uid: str(doc.id) }),
    identifies: (identifier) => identifier.startsWith(PROFILE),
    async contacts(ctx, contactType) {
      if (contactType && contactType !== 'friends') throw socialErrors.unsupported(`Facebook does not support contactType ${contactType}`);
      const doc = obj(await ctx.json(`${GRAPH}/me/friends?fields=id,name,link&limit=500&appsecret_proof=${proof(ctx.tokens.accessToken, ctx.client.clientSecret)}`));
      const entry: ContactEntry[] = arr(doc.data).map((f) => {
        const friend = obj(f);
        const id = str(friend.id);
        return compact({
          displayName: str(friend.name),
          urls: id ? [{ type: 'profile', value: `${PROFILE}${id}` }] : undefined,
          accounts: id ? [{ domain: 'facebook.com', userid: id }] : undefined,
        });
      });
      const total = obj(doc.summary).total_count;
      return { startIndex: 1, itemsPerPage: entry.length, totalResults: typeof total === 'number' ? total : entry.length, entry };
    },
  },
};
