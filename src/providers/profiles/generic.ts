import { compact, email, epochSeconds, httpUrl, personName, scopeList, str, truthy } from '../poco.js';
import type { Doc, ProfileAdapter, TokenInfo } from '../spec.js';
import { idTokenAndUserInfo, requireId, standardClaims } from './oidc-claims.js';

/** accessCredentials of providers Janrain never listed: the OAuth 2.0 token as it is. */
export function oauth2Credentials(tokens: TokenInfo, uid?: string): Record<string, unknown> {
  return compact({ type: 'OAuth2', accessToken: tokens.accessToken, expires: epochSeconds(tokens.expiresAt), uid, scopes: scopeList(tokens.scope) });
}

/** `<namespace>#<id>`: the identifier of providers without a Janrain shape (ours). */
export const hashIdentifier = (namespace: string, id: string) => `${namespace.replace(/\/+$/, '')}#${id}`;

const startsWith = (prefix: string) => (identifier: string) => identifier.startsWith(prefix);

/** A generic OpenID Connect provider: identifiers are `<issuer>#<sub>`, profile from standard claims. */
export function oidcAdapter(issuer: string): ProfileAdapter {
  const prefix = `${issuer.replace(/\/+$/, '')}#`;
  return {
    fetch: idTokenAndUserInfo,
    profile(doc) {
      const sub = requireId(doc.sub, 'sub');
      return { identifier: hashIdentifier(issuer, sub), ...standardClaims(doc) };
    },
    credentials: (tokens, doc) => oauth2Credentials(tokens, str(doc.sub)),
    identifies: startsWith(prefix),
  };
}

/**
 * Where a generic OAuth 2.0 provider's user-info document keeps each member: dot paths
 * (`data.id`, `user.email`). Only `id` is required.
 */
export interface FieldMapping {
  id: string;
  email?: string;
  emailVerified?: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  username?: string;
  photo?: string;
  url?: string;
}

export const FIELD_NAMES = ['id', 'email', 'emailVerified', 'name', 'givenName', 'familyName', 'username', 'photo', 'url'] as const;

function at(doc: unknown, path: string | undefined): unknown {
  if (!path) return undefined;
  let value: unknown = doc;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A generic OAuth 2.0 provider: identifiers are `<namespace>#<id>`, profile by the field mapping. */
export function oauth2Adapter(namespace: string, userInfoEndpoint: string, fields: FieldMapping): ProfileAdapter {
  const prefix = `${namespace.replace(/\/+$/, '')}#`;
  return {
    async fetch(ctx) {
      const doc = await ctx.json(userInfoEndpoint);
      return doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Doc) : { value: doc };
    },
    profile(doc) {
      const id = requireId(at(doc, fields.id), fields.id);
      const mail = email(at(doc, fields.email));
      const name = personName({ formatted: at(doc, fields.name), givenName: at(doc, fields.givenName), familyName: at(doc, fields.familyName) });
      const username = str(at(doc, fields.username));
      return {
        identifier: hashIdentifier(namespace, id),
        displayName: name?.formatted ?? username,
        preferredUsername: username,
        name,
        email: mail,
        verifiedEmail: mail && fields.emailVerified && truthy(at(doc, fields.emailVerified)) ? mail : undefined,
        photo: httpUrl(at(doc, fields.photo)),
        url: httpUrl(at(doc, fields.url)),
      };
    },
    credentials: (tokens, doc) => oauth2Credentials(tokens, str(at(doc, fields.id))),
    identifies: startsWith(prefix),
  };
}
