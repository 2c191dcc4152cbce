import { sql } from 'kysely';
import type { Dialect, Tx } from '../../store/store.js';
import type { AttrDef } from './attr-def.js';
import { createEntityType } from './type-changes.js';

export const STANDARD_TYPE_NAME = 'user';

const text = (name: string, length: number | null, extra: Partial<AttrDef> = {}): AttrDef => ({ name, type: 'string', length, 'case-sensitive': false, ...extra });
const exact = (name: string, length: number | null, extra: Partial<AttrDef> = {}): AttrDef => text(name, length, { 'case-sensitive': true, ...extra });
const time = (name: string, extra: Partial<AttrDef> = {}): AttrDef => ({ name, type: 'dateTime', ...extra });

/** Who changed a consent, how, and its state (consents.<name>). */
const consent = (name: string, description: string): AttrDef => ({
  name,
  type: 'object',
  description,
  attr_defs: [
    exact('clientId', 32, { description: 'API client through which the consent last changed' }),
    text('context', 100, { description: 'where the consent was given or withdrawn' }),
    { name: 'granted', type: 'boolean', description: 'whether the consent is granted' },
    text('type', 8, { description: 'implicit or explicit' }),
    time('updated', { description: 'when the consent last changed' }),
  ],
});

/**
 * The `user` entity type every application starts with: Janrain's standard attributes, the ones
 * the sign-in, registration and profile flows read and write (NOTES.md §6, §8). Only `email`
 * is indexed: every per-type index is built by scanning all of `entities`, which a new
 * application should not pay more than once; operators add `query` attributes as they need.
 */
export const STANDARD_USER_ATTR_DEFS: AttrDef[] = [
  text('email', 255, { description: 'primary email address', constraints: ['unique', 'email-address'], features: ['query'] }),
  time('emailVerified', { description: 'when the email address was verified' }),
  { name: 'password', type: 'password', description: 'the password hash (never returned)' },
  text('displayName', 255, { description: 'name shown to others' }),
  text('givenName', 1000, { description: 'first name' }),
  text('middleName', 1000, { description: 'middle name' }),
  text('familyName', 1000, { description: 'last name' }),
  { name: 'birthday', type: 'date', description: 'date of birth' },
  text('gender', 100, { description: 'gender as the user gave it' }),
  text('aboutMe', 1000, { description: 'a few words about the user' }),
  text('currentLocation', 1000, { description: 'where the user is' }),
  text('mobileNumber', 100, { description: 'mobile phone number' }),
  time('mobileNumberVerified', { description: 'when the mobile number was verified' }),
  exact('externalId', 1000, { description: 'identifier of the user in another system' }),
  {
    name: 'photos',
    type: 'plural',
    description: 'pictures of the user',
    attr_defs: [text('type', 100, { description: 'kind of picture (normal, small, ...)' }), exact('value', 1000, { description: 'picture URL' })],
  },
  {
    name: 'primaryAddress',
    type: 'object',
    description: 'postal address',
    attr_defs: [
      text('address1', 1000),
      text('address2', 1000),
      text('city', 1000),
      text('company', 1000),
      text('country', 1000),
      text('mobile', 100),
      text('phone', 100),
      text('stateAbbreviation', 100),
      text('zip', 100),
      text('zipPlus4', 100),
    ],
  },
  {
    name: 'profiles',
    type: 'plural',
    description: 'social identities linked to the account',
    attr_defs: [
      exact('identifier', 1000, { description: "the identity provider's stable URL for the user", constraints: ['unique'] }),
      text('domain', 1000, { description: 'identity provider domain (google.com, facebook.com, ...)' }),
      text('providerSpecifier', 100, { description: 'identity provider name as Social Login reports it' }),
      exact('remote_key', 1000, { description: "the user's id at the identity provider" }),
      { name: 'profile', type: 'json', description: 'the profile the identity provider returned (Portable Contacts)' },
      { name: 'accessCredentials', type: 'json', description: 'tokens the identity provider granted' },
      time('lastUsed', { description: 'when this identity last signed in' }),
    ],
  },
  {
    name: 'clients',
    type: 'plural',
    description: 'the API clients (sites) the user signed in through',
    attr_defs: [
      exact('clientId', 32, { constraints: ['locally-unique'], features: ['primary-key'] }),
      text('name', 100),
      time('firstLogin'),
      time('lastLogin'),
    ],
  },
  {
    name: 'legalAcceptances',
    type: 'plural',
    description: 'legal documents the user accepted',
    attr_defs: [text('legalAcceptanceId', 1000, { constraints: ['locally-unique', 'required'], features: ['primary-key'] }), exact('clientId', 32), time('dateAccepted')],
  },
  {
    name: 'roles',
    type: 'plural',
    description: 'roles granted to the user',
    attr_defs: [exact('display', 1000, { constraints: ['locally-unique', 'required'], features: ['primary-key'] }), exact('value', 256)],
  },
  { name: 'consents', type: 'object', description: 'consents the user gave or withdrew', attr_defs: [consent('marketing', 'marketing communications')] },
  {
    name: 'statuses',
    type: 'plural',
    description: 'status messages',
    attr_defs: [text('status', 1000), time('statusCreated')],
  },
  time('lastLogin', { description: 'when the user last signed in' }),
  text('lastLoginMethod', 100, { description: 'how the user last signed in (password, social, ...)' }),
  time('deactivateAccount', { description: 'when the account was deactivated' }),
  time('accountDeleteRequestTime', { description: 'when the user asked for the account to be deleted' }),
  time('accountDataRequestTime', { description: 'when the user asked for a copy of their data' }),
];

/**
 * Creates the standard `user` entity type of a new application (from provisionRegistration, in
 * the application's creation transaction).
 */
export async function provisionStandardUserType(tx: Tx, appRowId: number): Promise<void> {
  await createEntityType({ tx, dialect: dialectOf(tx) }, appRowId, STANDARD_TYPE_NAME, STANDARD_USER_ATTR_DEFS);
}

/** The dialect behind a transaction, read from how it numbers parameters (`$1` is PostgreSQL). */
export function dialectOf(tx: Tx): Dialect {
  return sql`${0}`.compile(tx).sql === '$1' ? 'postgres' : 'sqlite';
}
