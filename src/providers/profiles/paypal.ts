import { address, arr, email, obj, offsetOfZone, personName, str, truthy } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { requireId } from './oidc-claims.js';

const USER_URL = 'https://www.paypal.com/webapps/auth/identity/user/';

/**
 * Log in with PayPal (OpenID Connect, client_secret_basic). The profile is the Identity API's
 * `paypalv1.1` user-info document, whose `user_id` is already a URL and is the identifier.
 * Verified email: the primary address PayPal marks `confirmed`.
 */
export const paypal: UpstreamSpec = {
  protocol: { kind: 'oidc', issuer: 'https://www.paypal.com', scopes: ['openid', 'profile', 'email', 'address'], pkce: true, clientAuth: 'client_secret_basic' },
  adapter: {
    async fetch(ctx) {
      return obj(await ctx.json('https://api-m.paypal.com/v1/identity/oauth2/userinfo?schema=paypalv1.1'));
    },
    profile(doc) {
      const identifier = requireId(doc.user_id, 'user_id');
      const emails = arr(doc.emails).map(obj);
      const primary = emails.find((e) => truthy(e.primary)) ?? emails[0];
      const mail = email(primary?.value) ?? email(doc.email);
      const a = obj(doc.address);
      const name = personName({ formatted: doc.name, givenName: doc.given_name, familyName: doc.family_name });
      return {
        identifier,
        displayName: name?.formatted,
        name,
        email: mail,
        verifiedEmail: mail && (truthy(primary?.confirmed) || truthy(doc.email_verified)) ? mail : undefined,
        address: address({ streetAddress: str(a.street_address), locality: str(a.locality), region: str(a.region), postalCode: str(a.postal_code), country: str(a.country) }),
        utcOffset: offsetOfZone(doc.zoneinfo),
        verifiedAccount: doc.verified_account === undefined ? undefined : truthy(doc.verified_account),
      };
    },
    credentials: (_tokens, doc) => ({ uid: str(doc.user_id) }),
    identifies: (identifier) => identifier.startsWith(USER_URL),
  },
};
