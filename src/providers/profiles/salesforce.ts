import { arr, compact, email, epochSeconds, httpUrl, obj, offsetFromMinutes, scopeList, str, type ContactEntry } from '../poco.js';
import type { UpstreamSpec } from '../spec.js';
import { socialErrors } from '../../http/errors.js';
import { idTokenAndUserInfo, requireId, standardClaims } from './oidc-claims.js';

const ID_URL = /^https:\/\/[a-z0-9.-]+\.salesforce\.com\/id\/[A-Za-z0-9]{15,18}\/[A-Za-z0-9]{15,18}$/;

/**
 * Salesforce (OpenID Connect on login.salesforce.com). The identifier is the user's identity
 * URL (`https://login.salesforce.com/id/<org>/<user>`), which Salesforce uses as `sub`.
 * Contacts: the org's Contact records through the REST API (scope `api`).
 */
export const salesforce: UpstreamSpec = {
  protocol: { kind: 'oidc', issuer: 'https://login.salesforce.com', scopes: ['openid', 'profile', 'email', 'refresh_token'], pkce: true },
  adapter: {
    fetch: idTokenAndUserInfo,
    profile(doc) {
      const sub = requireId(doc.sub, 'sub');
      const identifier = ID_URL.test(sub) ? sub : `https://login.salesforce.com/id/${requireId(doc.organization_id, 'organization_id')}/${requireId(doc.user_id, 'user_id')}`;
      const claims = standardClaims(doc);
      const photos = obj(doc.photos);
      const offsetMs = typeof doc.utcOffset === 'number' ? doc.utcOffset : undefined;
      return {
        identifier,
        ...claims,
        photo: claims.photo ?? httpUrl(photos.picture),
        utcOffset: claims.utcOffset ?? (offsetMs === undefined ? undefined : offsetFromMinutes(offsetMs / 60000)),
        userType: str(doc.user_type),
        active: typeof doc.active === 'boolean' ? doc.active : undefined,
        local: str(doc.locale),
      };
    },
    credentials: (tokens) => compact({ type: 'OAuth2', accessToken: tokens.accessToken, expires: epochSeconds(tokens.expiresAt), scopes: scopeList(tokens.scope), instanceUrl: tokens.extra.instance_url }),
    identifies: (identifier) => ID_URL.test(identifier),
    async contacts(ctx, contactType) {
      if (contactType && contactType !== 'addressBook' && contactType !== 'friends') throw socialErrors.unsupported(`Salesforce does not support contactType ${contactType}`);
      const instance = httpUrl(ctx.tokens.extra.instance_url);
      if (!instance) throw socialErrors.unsupported('this Salesforce sign-in did not name its instance');
      const soql = encodeURIComponent('SELECT Name, Email FROM Contact ORDER BY Name LIMIT 500');
      const doc = obj(await ctx.json(`${instance.replace(/\/+$/, '')}/services/data/v61.0/query?q=${soql}`));
      const entry: ContactEntry[] = arr(doc.records).map((r) => {
        const record = obj(r);
        const mail = email(record.Email);
        return compact({ displayName: str(record.Name), emails: mail ? [{ type: 'work', value: mail }] : undefined });
      });
      return { startIndex: 1, itemsPerPage: entry.length, totalResults: typeof doc.totalSize === 'number' ? doc.totalSize : entry.length, entry };
    },
  },
};
