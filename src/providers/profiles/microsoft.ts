import { arr, compact, email, epochSeconds, obj, personName, scopeList, str, type ContactEntry } from '../poco.js';
import type { Doc, UpstreamSpec } from '../spec.js';
import { socialErrors } from '../../http/errors.js';
import { nonEmpty } from './google.js';
import { requireId } from './oidc-claims.js';

/** The tenant of personal Microsoft accounts (consumers). */
export const CONSUMER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const LIVE_ID = /^http:\/\/cid-[0-9a-f]{16}\.spaces\.live\.com\/$/;
const WORK_PREFIX = 'https://login.microsoftonline.com/';

/**
 * Microsoft (OpenID Connect, `common` tenant: personal and work or school accounts).
 * Personal accounts keep Janrain's Windows Live identifier `http://cid-<cid>.spaces.live.com/`
 * (the CID is Microsoft Graph's `id` of the account, also the end of its `oid`); work and school
 * accounts are `https://login.microsoftonline.com/<tid>/v2.0#<oid>` (ours).
 * The profile is Microsoft Graph's `/me` beside the ID token claims.
 */
export const microsoft: UpstreamSpec = {
  protocol: {
    kind: 'oidc',
    issuer: 'https://login.microsoftonline.com/common/v2.0',
    scopes: ['openid', 'profile', 'email', 'offline_access', 'User.Read'],
    pkce: true,
  },
  adapter: {
    async fetch(ctx) {
      return { ...(ctx.idClaims ?? {}), me: await ctx.json('https://graph.microsoft.com/v1.0/me') };
    },
    profile(doc) {
      const me = obj(doc.me);
      const personal = cidOf(doc, me);
      let identifier: string;
      if (personal) identifier = `http://cid-${personal}.spaces.live.com/`;
      else {
        const oid = requireId(doc.oid ?? me.id, 'oid');
        const tid = str(doc.tid);
        identifier = tid ? `${WORK_PREFIX}${tid}/v2.0#${oid}` : `${WORK_PREFIX}common/v2.0#${oid}`;
      }
      const mail = email(me.mail) ?? email(doc.email) ?? email(me.userPrincipalName);
      // Microsoft vouches for the address only for personal accounts (it is their sign-in
      // name, verified at sign-up) or when the tenant owns the domain (xms_edov).
      const verified = mail && (doc.xms_edov === true || (personal && mail.toLowerCase() === (email(doc.email) ?? email(doc.preferred_username))?.toLowerCase()));
      const name = personName({ formatted: me.displayName ?? doc.name, givenName: me.givenName, familyName: me.surname });
      return {
        identifier,
        displayName: name?.formatted,
        preferredUsername: str(me.userPrincipalName)?.split('@')[0] ?? str(doc.preferred_username)?.split('@')[0] ?? name?.givenName,
        name,
        email: mail,
        verifiedEmail: verified ? mail : undefined,
        url: personal ? identifier : undefined,
        phoneNumber: str(me.mobilePhone) ?? str(arr(me.businessPhones)[0]),
      };
    },
    credentials: (tokens) => compact({ type: 'OAuth2', eact: tokens.accessToken, expires: epochSeconds(tokens.expiresAt), scopes: scopeList(tokens.scope) }),
    identifies: (identifier) => LIVE_ID.test(identifier) || identifier.startsWith(WORK_PREFIX),
    async contacts(ctx, contactType) {
      if (contactType && contactType !== 'addressBook' && contactType !== 'friends') throw socialErrors.unsupported(`Microsoft does not support contactType ${contactType}`);
      const doc = obj(await ctx.json('https://graph.microsoft.com/v1.0/me/contacts?$top=500&$select=displayName,emailAddresses,businessHomePage'));
      const entry: ContactEntry[] = arr(doc.value).map((c) => {
        const contact = obj(c);
        return compact({
          displayName: str(contact.displayName),
          emails: nonEmpty(arr(contact.emailAddresses).flatMap((e) => (email(obj(e).address) ? [{ type: 'other', value: email(obj(e).address) as string }] : []))),
          urls: str(contact.businessHomePage) ? [{ type: 'work', value: str(contact.businessHomePage) as string }] : undefined,
        });
      });
      return { startIndex: 1, itemsPerPage: entry.length, totalResults: entry.length, entry };
    },
  },
};

/** The CID of a personal account: Graph's 16-hex-digit id, else the end of a consumer `oid`. */
function cidOf(doc: Doc, me: Doc): string | undefined {
  const id = str(me.id);
  if (id && /^[0-9a-f]{16}$/i.test(id)) return id.toLowerCase();
  const oid = str(doc.oid);
  if (str(doc.tid) === CONSUMER_TENANT && oid && /^00000000-0000-0000-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(oid)) return oid.slice(-17).replace('-', '').toLowerCase();
  return undefined;
}
