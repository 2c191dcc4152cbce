import type { Runtime } from '../../../runtime.js';
import { findIdentity } from '../../../social/identities.js';
import { isObject, type Json, type JsonObject } from '../../records/json.js';
import { timestamp, type RecordRow } from '../../records/present.js';
import type { AttrDef } from '../../schema/attr-def.js';
import type { EntityType } from '../../schema/entity-types.js';
import { linkedProfiles, PROFILES } from './lookups.js';
import type { SocialIdentity } from './social-tokens.js';

/**
 * What a record keeps of a social identity (an element of `profiles`), what a social
 * registration copies to the record's own attributes, and how an existing account is described
 * to someone whose verified email it uses (seed 002's 380 answer).
 */

/** `existing_provider` of an account that signs in with a password (seed 002, seed 004). */
export const CAPTURE_PROVIDER = 'capture';

type Profile = Record<string, unknown>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function profileOf(identity: SocialIdentity): Profile {
  return isObject(identity.answer.profile as Json) ? (identity.answer.profile as Profile) : {};
}

/** The profile's email when the provider vouches for it (`verifiedEmail` equal to `email`), else undefined. */
export function verifiedEmailOf(identity: SocialIdentity): string | undefined {
  const profile = profileOf(identity);
  const email = text(profile.email);
  const verified = text(profile.verifiedEmail);
  return email && verified && email.toLowerCase() === verified.toLowerCase() ? email : undefined;
}

export function emailOf(identity: SocialIdentity): string | undefined {
  return text(profileOf(identity).email);
}

/**
 * The provider's short name as `profiles.providerSpecifier` and 380's `existing_provider` give
 * it (`google`, `github`): the catalog name the sign-in recorded, else the profile's provider name.
 */
export async function providerOf(runtime: Runtime, app: { id: number }, identity: SocialIdentity): Promise<string> {
  const stored = await findIdentity(runtime.store.db, runtime.sealer, app.id, identity.identifier).catch(() => undefined);
  if (stored?.provider) return stored.provider;
  return (text(profileOf(identity).providerName) ?? 'unknown').toLowerCase().replace(/[^a-z0-9]+/g, '');
}

/** `google.com` for `https://www.google.com/profiles/1`: Janrain's `profiles.domain`. */
function domainOf(identifier: string, provider: string): string {
  try {
    const host = new URL(identifier).hostname.toLowerCase();
    if (host) return host.replace(/^www\./, '');
  } catch {
    /* not a URL: the provider names it */
  }
  return provider;
}

function defsOf(type: EntityType, name: string): readonly AttrDef[] | undefined {
  return type.attrDefs.find((d) => d.name === name)?.attr_defs;
}

/** Only the members the type's plural element has. */
function fitted(defs: readonly AttrDef[], values: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined && defs.some((d) => d.name === key)) out[key] = value;
  return out;
}

/** A new `profiles` element for the identity. Upstream tokens stay with Social Login (sealed), never in the record. */
export function newProfileElement(type: EntityType, identity: SocialIdentity, provider: string, now: string): JsonObject {
  const defs = defsOf(type, PROFILES) ?? [];
  return fitted(defs, {
    identifier: identity.identifier,
    domain: domainOf(identity.identifier, provider),
    providerSpecifier: provider,
    profile: profileOf(identity) as JsonObject,
    lastUsed: now,
  });
}

/** The change that marks an already linked identity used now, with the provider's latest profile. */
export function refreshedProfileElement(type: EntityType, record: RecordRow, identity: SocialIdentity, now: string): JsonObject | undefined {
  const element = linkedProfiles(record).find((p) => p.identifier === identity.identifier);
  if (!element || typeof element.id !== 'number') return undefined;
  const defs = defsOf(type, PROFILES) ?? [];
  return { id: element.id, ...fitted(defs, { profile: profileOf(identity) as JsonObject, lastUsed: now }) };
}

/**
 * A social registration's copy of the profile into the record's own attributes (seed 002:
 * email, displayName, givenName, familyName; and the photo), for the attributes the type has.
 */
export function attributesFromProfile(type: EntityType, identity: SocialIdentity): JsonObject {
  const profile = profileOf(identity);
  const name = isObject(profile.name as Json) ? (profile.name as Profile) : {};
  const has = (attribute: string) => type.attrDefs.some((d) => d.name === attribute);
  const out: JsonObject = {};
  const put = (attribute: string, value: string | undefined) => {
    if (value !== undefined && has(attribute)) out[attribute] = value;
  };
  put('email', emailOf(identity));
  put('displayName', text(profile.displayName) ?? text(profile.preferredUsername));
  put('givenName', text(name.givenName));
  put('familyName', text(name.familyName));
  const photo = photoElement(type, identity);
  if (photo) out.photos = [photo];
  return out;
}

/** The provider's picture as a `photos` element, when the type has that plural. */
export function photoElement(type: EntityType, identity: SocialIdentity): JsonObject | undefined {
  const photo = text(profileOf(identity).photo);
  const defs = defsOf(type, 'photos');
  if (!photo || !defs) return undefined;
  const element = fitted(defs, { type: 'other', value: photo });
  return Object.keys(element).length ? element : undefined;
}

/**
 * seed 002's 380 details of the account that already uses the email: how its owner signs in
 * (`capture` for a password, else the provider of its first linked identity), its display
 * name, its first photo and when it was created.
 */
export function existingAccountDetails(record: RecordRow, passwordAttribute: string): Record<string, Json> {
  const password = record.data[passwordAttribute];
  const first = linkedProfiles(record)[0];
  const provider = isObject(password) ? CAPTURE_PROVIDER : (text(first?.providerSpecifier) ?? text(first?.domain) ?? CAPTURE_PROVIDER);
  const photos = record.data.photos;
  const photo = Array.isArray(photos) ? photos.find(isObject) : undefined;
  return {
    existing_provider: provider,
    existing_display_name: typeof record.data.displayName === 'string' ? record.data.displayName : null,
    existing_photo: photo ? { id: photo.id ?? null, value: photo.value ?? null, type: photo.type ?? null } : null,
    existing_date_created: timestamp(record.created),
  };
}
