import { email, obj, personName, str, truthy } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { hashIdentifier, oauth2Credentials } from './generic.js';
import { requireId } from './oidc-claims.js';

const ISSUER = 'https://appleid.apple.com';

/**
 * Sign in with Apple (OpenID Connect, form_post). Apple has no UserInfo endpoint: the email
 * is in the ID token, and the name only in the `user` member of the first authorization's
 * POST. The client secret is a JWT signed with the developer's key (apple-secret.ts).
 * Apple's token endpoint documents no PKCE; state and nonce protect the flow.
 */
export const apple: UpstreamSpec = {
  protocol: { kind: 'oidc', issuer: ISSUER, scopes: ['openid', 'name', 'email'], pkce: false, responseMode: 'form_post', profileOnlyAtSignIn: true },
  adapter: {
    async fetch(ctx) {
      let user: unknown;
      try {
        user = JSON.parse(ctx.callback?.get('user') ?? 'null');
      } catch {
        user = undefined;
      }
      return { ...(ctx.idClaims ?? {}), user: obj(user) };
    },
    profile(doc) {
      const sub = requireId(doc.sub, 'sub');
      const mail = email(doc.email);
      const name = personName({ givenName: obj(obj(doc.user).name).firstName, familyName: obj(obj(doc.user).name).lastName });
      return {
        identifier: hashIdentifier(ISSUER, sub),
        displayName: name?.formatted ?? mail?.split('@')[0],
        name,
        email: mail,
        verifiedEmail: mail && truthy(doc.email_verified) ? mail : undefined,
        appleIsPrivateEmail: truthy(doc.is_private_email) ? true : undefined,
      };
    },
    credentials: (tokens, doc) => oauth2Credentials(tokens, str(doc.sub)),
    identifies: (identifier) => identifier.startsWith(`${ISSUER}#`),
  },
};
