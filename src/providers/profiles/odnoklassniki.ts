import { createHash } from 'node:crypto';
import { address, birthday, email, gender, httpUrl, obj, personName, str } from '../poco.js';
import type { FetchContext, UpstreamSpec } from '../spec.js';
import { socialErrors } from '../../http/errors.js';
import { hashIdentifier, oauth2Credentials } from './generic.js';
import { requireId } from './oidc-claims.js';

const NAMESPACE = 'https://ok.ru';
const FIELDS = 'uid,name,first_name,last_name,gender,birthday,location,pic190x190,pic_3,email,url_profile';

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * OK's API signature: md5 of the sorted `name=value` pairs (without access_token) followed by
 * md5(access_token + application secret key).
 */
export function okSignature(params: Record<string, string>, accessToken: string, secretKey: string): string {
  const base = Object.keys(params)
    .filter((k) => k !== 'access_token' && k !== 'sig')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('');
  return md5(base + md5(accessToken + secretKey));
}

async function okApi(ctx: FetchContext, method: string, extra: Record<string, string>): Promise<unknown> {
  const applicationKey = ctx.client.properties.applicationKey;
  if (!applicationKey) throw socialErrors.notConfigured('Odnoklassniki needs its applicationKey (app/set_properties)');
  const params: Record<string, string> = { application_key: applicationKey, format: 'json', method, ...extra };
  params.sig = okSignature(params, ctx.tokens.accessToken, ctx.client.clientSecret);
  params.access_token = ctx.tokens.accessToken;
  const doc = obj(await ctx.json(`https://api.ok.ru/fb.do?${new URLSearchParams(params)}`, { auth: 'none' }));
  if (doc.error_code !== undefined) {
    if (doc.error_code === 102 || doc.error_code === 103) throw socialErrors.credentialsRevoked();
    throw socialErrors.providerFailure(`OK API error ${str(doc.error_code)}`);
  }
  return doc;
}

/**
 * Odnoklassniki (OK.ru) OAuth 2.0; the profile comes from the signed API call
 * `users.getCurrentUser`, which needs the application's public key beside its id and secret
 * (property `applicationKey`). Scopes are separated by semicolons. Identifier
 * `https://ok.ru#<uid>` (ours).
 */
export const odnoklassniki: UpstreamSpec = {
  protocol: {
    kind: 'oauth2',
    issuer: NAMESPACE,
    authorizationEndpoint: 'https://connect.ok.ru/oauth/authorize',
    tokenEndpoint: 'https://api.ok.ru/oauth/token.do',
    scopes: ['VALUABLE_ACCESS', 'GET_EMAIL'],
    scopeSeparator: ';',
    pkce: false,
  },
  adapter: {
    fetch: async (ctx) => obj(await okApi(ctx, 'users.getCurrentUser', { fields: FIELDS })),
    profile(doc) {
      const uid = requireId(doc.uid, 'uid');
      const name = personName({ formatted: doc.name, givenName: doc.first_name, familyName: doc.last_name });
      const location = obj(doc.location);
      return {
        identifier: hashIdentifier(NAMESPACE, uid),
        displayName: name?.formatted,
        name,
        email: email(doc.email),
        url: httpUrl(doc.url_profile) ?? `https://ok.ru/profile/${uid}`,
        photo: httpUrl(doc.pic190x190) ?? httpUrl(doc.pic_3),
        gender: gender(doc.gender),
        birthday: birthday(doc.birthday),
        address: address({ locality: str(location.city), country: str(location.countryName) ?? str(location.country) }),
      };
    },
    credentials: (tokens, doc) => oauth2Credentials(tokens, str(doc.uid)),
    identifies: (identifier) => identifier.startsWith(`${NAMESPACE}#`),
  },
};
