import { arr, compact, email, obj, scopeList, str, type ContactEntry } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { socialErrors } from '../../http/errors.js';
import { idTokenAndUserInfo, requireId, standardClaims } from './oidc-claims.js';

const PROFILES = 'https://www.google.com/profiles/';

/**
 * Google (OpenID Connect). Identifier as Janrain gave it with `googleProfileUrl`:
 * `https://www.google.com/profiles/<sub>`; `googleUserId` carries the subject.
 * Contacts: the People API (scope contacts.readonly).
 */
export const google: UpstreamSpec = {
  protocol: {
    kind: 'oidc',
    issuer: 'https://accounts.google.com',
    scopes: ['openid', 'profile', 'email'],
    pkce: true,
    // A refresh token for get_user_data once the access token has expired.
    authorizationParams: { access_type: 'offline', include_granted_scopes: 'true' },
  },
  adapter: {
    fetch: idTokenAndUserInfo,
    profile(doc) {
      const sub = requireId(doc.sub, 'sub');
      const claims = standardClaims(doc);
      return {
        identifier: `${PROFILES}${sub}`,
        ...claims,
        preferredUsername: claims.preferredUsername ?? email(doc.email)?.split('@')[0],
        url: `${PROFILES}${sub}`,
        googleUserId: sub,
      };
    },
    credentials: (tokens) => compact({ type: 'OAuth', oauthToken: tokens.accessToken, scopes: scopeList(tokens.scope) }),
    // Imported Janrain mappings may also hold Google's old OpenID 2.0 identifiers.
    identifies: (identifier) => identifier.startsWith(PROFILES) || identifier.startsWith('https://www.google.com/accounts/o8/id?id='),
    async contacts(ctx, contactType) {
      if (contactType && contactType !== 'addressBook' && contactType !== 'friends') throw socialErrors.unsupported(`Google does not support contactType ${contactType}`);
      const doc = obj(await ctx.json('https://people.googleapis.com/v1/people/me/connections?personFields=names,emailAddresses,urls,photos&pageSize=1000'));
      const entry: ContactEntry[] = arr(doc.connections).map((c) => {
        const person = obj(c);
        return compact({
          displayName: str(obj(arr(person.names)[0]).displayName),
          emails: nonEmpty(arr(person.emailAddresses).flatMap((e) => (email(obj(e).value) ? [{ type: str(obj(e).type) ?? 'other', value: email(obj(e).value) as string }] : []))),
          urls: nonEmpty(arr(person.urls).flatMap((u) => (str(obj(u).value) ? [{ type: str(obj(u).type) ?? 'other', value: str(obj(u).value) as string }] : []))),
          photos: nonEmpty(arr(person.photos).flatMap((p) => (str(obj(p).url) ? [{ type: 'other', value: str(obj(p).url) as string }] : []))),
        });
      });
      const total = typeof doc.totalPeople === 'number' ? doc.totalPeople : entry.length;
      return { startIndex: 1, itemsPerPage: entry.length, totalResults: total, entry };
    },
  },
};

export function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length ? list : undefined;
}
