import type { ClientFeature } from './clients/clients.js';
import type { AccessType } from './schema/access-schemas.js';

/**
 * Who may call each Registration endpoint: the one table authorize() enforces, written out in
 * docs/registration-permissions.md. A client with `owner` may call everything with its
 * credentials; `features` lists the other features that allow a call with client credentials.
 */
export interface EndpointRule {
  /** Features (besides owner) that allow the call with client credentials. */
  features: readonly ClientFeature[];
  /**
   * A user's access token may make the call, for the token's own record only, limited by the
   * client's read or write access schema.
   */
  token?: AccessType;
  /** The call reads or writes records: non-owner clients are limited by their access schema. */
  record?: AccessType;
  /** A creation token (access/getCreationToken) may make the call once. */
  creationToken?: boolean;
  /**
   * The client may be named by `client_id` alone, without its secret: calls of browsers and
   * mobile apps, which cannot keep one (the flows' oauth/*_native calls).
   */
  publicClient?: boolean;
  /** The call needs no authentication at all (the code it carries is the credential). */
  anonymous?: boolean;
  /** A `for_client_id` naming another client than the caller needs `owner`. */
  otherClientNeedsOwner?: boolean;
}

const ANY_FEATURE: readonly ClientFeature[] = ['access_issuer', 'direct_access', 'direct_read_access', 'login_client', 'metadata'];
const OWNER: EndpointRule = { features: [] };
const READ_RECORDS: EndpointRule = { features: ['direct_access', 'direct_read_access'], record: 'read' };
const WRITE_RECORDS: EndpointRule = { features: ['direct_access'], record: 'write' };
const ISSUE_ACCESS: EndpointRule = { features: ['access_issuer', 'direct_access'] };
const SETTINGS_READ: EndpointRule = { features: ANY_FEATURE, otherClientNeedsOwner: true };
const SIGN_IN: EndpointRule = { features: ['login_client'], publicClient: true };
const SIGNED_IN: EndpointRule = { features: ['login_client'], publicClient: true, token: 'write' };

export const ENDPOINT_RULES = {
  'clients/add': OWNER,
  'clients/list': OWNER,
  'clients/delete': OWNER,
  'clients/reset_secret': OWNER,
  'clients/set_description': OWNER,
  'clients/set_features': OWNER,
  'clients/set_whitelist': OWNER,
  'clients/clear_whitelist': OWNER,

  'settings/get': SETTINGS_READ,
  'settings/get_multi': SETTINGS_READ,
  'settings/items': SETTINGS_READ,
  'settings/keys': SETTINGS_READ,
  'settings/get_default': { features: ANY_FEATURE },
  'settings/get_all': OWNER,
  'settings/set': OWNER,
  'settings/set_multi': OWNER,
  'settings/delete': OWNER,
  'settings/set_default': OWNER,
  'settings/set_default_multi': OWNER,
  'settings/delete_default': OWNER,

  entityType: OWNER,
  'entityType.list': OWNER,
  'entityType.create': OWNER,
  'entityType.delete': OWNER,
  'entityType.addAttribute': OWNER,
  'entityType.removeAttribute': OWNER,
  'entityType.setAttributeConstraints': OWNER,
  'entityType.setAttributeDescription': OWNER,
  'entityType.properties': OWNER,
  'entityType.addProperty': OWNER,
  'entityType.removeProperty': OWNER,
  'entityType.rules': OWNER,
  'entityType.addRule': OWNER,
  'entityType.removeRule': OWNER,
  'entityType.getAccessSchema': OWNER,
  'entityType.setAccessSchema': OWNER,
  'versions/entityType': OWNER,

  entity: { ...READ_RECORDS, token: 'read' },
  'entity.find': READ_RECORDS,
  'entity.count': READ_RECORDS,
  'versions/entity': READ_RECORDS,
  'entity.create': { ...WRITE_RECORDS, creationToken: true },
  'entity.bulkCreate': WRITE_RECORDS,
  'entity.update': { ...WRITE_RECORDS, token: 'write' },
  'entity.replace': { ...WRITE_RECORDS, token: 'write' },
  'entity.delete': WRITE_RECORDS,
  'entity.adopt': WRITE_RECORDS,
  'entity.bulkDelete': WRITE_RECORDS,
  'entity.purge': OWNER,
  'entity.deleteAccess': ISSUE_ACCESS,

  'access/getAccessToken': ISSUE_ACCESS,
  'access/getAuthorizationCode': ISSUE_ACCESS,
  'access/getCreationToken': ISSUE_ACCESS,
  'access/getVerificationCode': ISSUE_ACCESS,
  'access/useVerificationCode': { features: ANY_FEATURE, anonymous: true },

  'oauth/token': { features: ANY_FEATURE },
  'oauth/refresh_access_token': { features: ANY_FEATURE, publicClient: true },
  'oauth/auth_native': SIGN_IN,
  'oauth/auth_native_traditional': SIGN_IN,
  'oauth/register_native': SIGN_IN,
  'oauth/register_native_traditional': SIGN_IN,
  'oauth/forgot_password_native': SIGN_IN,
  'oauth/verify_email_native': SIGN_IN,
  'oauth/link_account_native': SIGNED_IN,
  'oauth/unlink_account_native': SIGNED_IN,
  'oauth/update_profile_native': SIGNED_IN,

  'config/flows': OWNER,

  'webhooks/add': OWNER,
  'webhooks/list': OWNER,
  'webhooks/find': OWNER,
  'webhooks/update': OWNER,
  'webhooks/delete': OWNER,
  'webhooks/deliveries': OWNER,
} satisfies Record<string, EndpointRule>;

export type Endpoint = keyof typeof ENDPOINT_RULES;

/** The rule of an endpoint; an endpoint missing from the table is owner-only, so nothing is open by omission. */
export function ruleOf(endpoint: string): EndpointRule {
  return Object.hasOwn(ENDPOINT_RULES, endpoint) ? ENDPOINT_RULES[endpoint as Endpoint] : OWNER;
}
