import { z } from 'zod';
import { RegistrationError } from '../../../http/errors.js';
import { boolParam } from '../../../http/params.js';
import type { Tx } from '../../../store/store.js';
import type { JsonObject } from '../../records/json.js';
import type { RecordRow } from '../../records/present.js';
import { createRecord } from '../../records/writes.js';
import { formFieldsFromProfile, readForm } from '../model/index.js';
import { recordLoginSuccess } from '../safety/index.js';
import { answerSignIn, loginChanges, nowDateTime, type Body } from './answer.js';
import { optionalText, requiredText, type NativeCall } from './context.js';
import { alreadyLinked, keepsIdentities, linkedProfiles, recordByIdentifier, recordByKey, PROFILES } from './lookups.js';
import { queueVerificationMail, verificationLinkBase } from './mail-links.js';
import { checkPasswordSignIn } from './password-sign-in.js';
import { attributesFromProfile, emailOf, existingAccountDetails, newProfileElement, providerOf, refreshedProfileElement, verifiedEmailOf } from './social-profile.js';
import { socialIdentityOf, spendSocialToken, useSocialToken, type SocialIdentity } from './social-tokens.js';

/**
 * oauth/auth_native (seed 002) and oauth/auth_native_traditional (seed 004): sign in with a
 * Social Login token or a password, optionally merging in the social identity of an earlier
 * auth_native's 380 (`merge_token`).
 */

const EMAIL = 'email';
const PASSWORD = 'password';
const socialParams = z.object({ thin_registration: boolParam.optional() });

/** An identity about to be linked to `record`: 361 when another record already has it. */
async function mergeableInto(nc: NativeCall, record: RecordRow, identity: SocialIdentity): Promise<boolean> {
  if (!keepsIdentities(nc.type)) throw new RegistrationError(200, `${nc.type.name} records keep no social identities (profiles.identifier)`, { argumentName: 'merge_token' });
  const holder = await recordByIdentifier(nc.runtime, nc.type, identity.identifier);
  if (holder && holder.id !== record.id) throw alreadyLinked('merge_token');
  return !holder;
}

/** The sign-in's changes: lastLogin, plus whatever else goes with it (profiles, a rehashed password). */
function signInChanges(nc: NativeCall, method: string, extra: JsonObject): JsonObject {
  return { ...loginChanges(nc.type, method), ...extra };
}

/** The profiles changes of a social sign-in: the identity used refreshed, the merged one added. */
function profileChanges(nc: NativeCall, record: RecordRow, used: SocialIdentity | undefined, added: { identity: SocialIdentity; provider: string } | undefined, now: string): JsonObject {
  const elements: JsonObject[] = [];
  const refreshed = used && refreshedProfileElement(nc.type, record, used, now);
  if (refreshed) elements.push(refreshed);
  if (added && !linkedProfiles(record).some((p) => p.identifier === added.identity.identifier)) elements.push(newProfileElement(nc.type, added.identity, added.provider, now));
  return elements.length ? { [PROFILES]: elements } : {};
}

export async function authNative(nc: NativeCall): Promise<Body> {
  const { runtime, auth, call, flow, type } = nc;
  const token = requiredText(call, 'token');
  const mergeToken = optionalText(call, 'merge_token');
  const registrationForm = optionalText(call, 'registration_form', 100);
  const { thin_registration: thin } = call.params.parse(socialParams);
  if (!keepsIdentities(type)) throw new RegistrationError(200, `${type.name} records keep no social identities (profiles.identifier)`, { argumentName: 'token' });

  const identity = await socialIdentityOf(runtime, auth.app, token, 'token');
  const provider = await providerOf(runtime, auth.app, identity);
  const holder = await recordByIdentifier(runtime, type, identity.identifier);

  if (mergeToken) {
    // seed 002: `token` signs in to the existing account, `merge_token` is the identity of the earlier 380.
    const merging = await socialIdentityOf(runtime, auth.app, mergeToken, 'merge_token');
    if (!holder) throw new RegistrationError(310, 'no such user: token must sign in to the account to merge into', { argumentName: 'token' });
    const adds = merging.identifier !== identity.identifier && (await mergeableInto(nc, holder, merging));
    await runtime.store.write(async (tx) => {
      await spendSocialToken(tx, auth.app, identity, 'token');
      await spendSocialToken(tx, auth.app, merging, 'merge_token');
    });
    const now = nowDateTime();
    const mergedProvider = adds ? await providerOf(runtime, auth.app, merging) : provider;
    return answerSignIn(nc, holder, false, { changes: signInChanges(nc, provider, profileChanges(nc, holder, identity, adds ? { identity: merging, provider: mergedProvider } : undefined, now)) });
  }

  if (holder) {
    return answerSignIn(nc, holder, false, {
      changes: signInChanges(nc, provider, profileChanges(nc, holder, identity, undefined, nowDateTime())),
      within: (tx) => spendSocialToken(tx, auth.app, identity, 'token'),
    });
  }

  const email = emailOf(identity);
  const verified = verifiedEmailOf(identity);
  const owner = email && type.resolve(EMAIL) ? await recordByKey(runtime, type, EMAIL, email) : undefined;
  // Never merged without proof: a verified email of another account is answered 380 so that its
  // owner signs in to it (and merges with merge_token); an unverified one reveals nothing.
  if (owner && verified) throw new RegistrationError(380, 'a user already exists with that email address', { extra: existingAccountDetails(owner, PASSWORD) });
  if (thin && email && !owner) return thinRegistration(nc, identity, provider);
  const extra = registrationForm ? { prereg_fields: formFieldsFromProfile(flow, registrationForm, identity.answer) } : undefined;
  throw new RegistrationError(310, 'no such user', { extra });
}

/** thin_registration: the record is made from the social profile at once (seed 002). */
async function thinRegistration(nc: NativeCall, identity: SocialIdentity, provider: string): Promise<Body> {
  const { runtime, auth, type } = nc;
  const now = nowDateTime();
  const attributes: JsonObject = { ...attributesFromProfile(type, identity), ...loginChanges(type, provider, now), [PROFILES]: [newProfileElement(type, identity, provider, now)] };
  if (verifiedEmailOf(identity) && type.attrDefs.some((d) => d.name === 'emailVerified')) attributes.emailVerified = now;
  const record = await createRecord(runtime, type, attributes, { actor: auth.client.clientId });
  // An address the provider did not vouch for gets the verification mail, as a registration's does.
  const base = attributes.emailVerified ? undefined : await verificationLinkBase(nc, { fallback: false });
  return answerSignIn(nc, record, true, {
    within: async (tx: Tx) => {
      await useSocialToken(tx, auth.app, identity);
      if (base) await queueVerificationMail(tx, nc, record, base);
    },
  });
}

export async function authNativeTraditional(nc: NativeCall): Promise<Body> {
  const { runtime, auth, call, flow } = nc;
  const formName = requiredText(call, 'form', 100);
  const mergeToken = optionalText(call, 'merge_token');
  const read = await readForm(flow, formName, call.params, flow.locale, { unique: async () => true });
  const merging = mergeToken ? await socialIdentityOf(runtime, auth.app, mergeToken, 'merge_token') : undefined;
  const { record, who, clearsFailures, rehash } = await checkPasswordSignIn(nc, formName, read);
  let changes: JsonObject = rehash;
  if (merging) {
    const adds = await mergeableInto(nc, record, merging);
    await runtime.store.write((tx) => spendSocialToken(tx, auth.app, merging, 'merge_token'));
    if (adds) changes = { ...changes, ...profileChanges(nc, record, undefined, { identity: merging, provider: await providerOf(runtime, auth.app, merging) }, nowDateTime()) };
  }
  // An account without failures counted has none to clear (a failure racing this sign-in may as well have come after it).
  return answerSignIn(nc, record, false, { changes: signInChanges(nc, 'capture', changes), within: clearsFailures ? (tx) => recordLoginSuccess(tx, auth.app, who) : undefined });
}
