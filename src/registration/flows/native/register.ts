import type { Tx } from '../../../store/store.js';
import type { JsonObject } from '../../records/json.js';
import type { RecordRow } from '../../records/present.js';
import { createRecord } from '../../records/writes.js';
import { attributesOf, readForm } from '../model/index.js';
import { answerSignIn, asFormError, loginChanges, nowDateTime, type Body } from './answer.js';
import { requiredText, type NativeCall } from './context.js';
import { alreadyLinked, recordByIdentifier, uniqueInStore, PROFILES } from './lookups.js';
import { queueVerificationMail, verificationLinkBase } from './mail-links.js';
import { newProfileElement, photoElement, providerOf, verifiedEmailOf } from './social-profile.js';
import { socialIdentityOf, useSocialToken } from './social-tokens.js';

/**
 * oauth/register_native (the second step after auth_native's 310: the Social Login token and
 * the social registration form) and oauth/register_native_traditional (the registration form
 * with a password). The email in use is the form's `unique` rule (390); two registrations racing
 * past it are settled by the store's unique index, the loser answered the same way.
 */

async function register(nc: NativeCall, formName: string, attributes: JsonObject, within?: (tx: Tx, record: RecordRow) => Promise<void>): Promise<Body> {
  let record: RecordRow;
  try {
    record = await createRecord(nc.runtime, nc.type, attributes, { actor: nc.auth.client.clientId });
  } catch (err) {
    throw asFormError(err, nc.flow, formName);
  }
  // A new account whose address nobody vouched for yet gets the verification mail when the client has verify_email_url.
  const verified = typeof attributes.emailVerified === 'string';
  const base = verified ? undefined : await verificationLinkBase(nc, { fallback: false });
  return answerSignIn(nc, record, true, {
    within: async (tx) => {
      await within?.(tx, record);
      if (base) await queueVerificationMail(tx, nc, record, base);
    },
  });
}

export async function registerNativeTraditional(nc: NativeCall): Promise<Body> {
  const formName = requiredText(nc.call, 'form', 100);
  const read = await readForm(nc.flow, formName, nc.call.params, nc.flow.locale, { unique: uniqueInStore(nc) });
  const attributes: JsonObject = { ...(attributesOf(read.values) as JsonObject), ...loginChanges(nc.type, 'capture') };
  return register(nc, formName, attributes);
}

export async function registerNative(nc: NativeCall): Promise<Body> {
  const { runtime, auth, call, flow, type } = nc;
  const token = requiredText(call, 'token');
  const formName = requiredText(call, 'form', 100);
  const identity = await socialIdentityOf(runtime, auth.app, token, 'token');
  const read = await readForm(flow, formName, call.params, flow.locale, { unique: uniqueInStore(nc) });
  if (await recordByIdentifier(runtime, type, identity.identifier)) throw alreadyLinked('token');
  const provider = await providerOf(runtime, auth.app, identity);
  const now = nowDateTime();
  const attributes: JsonObject = { ...(attributesOf(read.values) as JsonObject), ...loginChanges(type, provider, now), [PROFILES]: [newProfileElement(type, identity, provider, now)] };
  const photo = photoElement(type, identity);
  if (photo && attributes.photos === undefined) attributes.photos = [photo];
  // The address is verified when it is the one the provider vouches for.
  const verified = verifiedEmailOf(identity);
  if (verified && typeof attributes.email === 'string' && attributes.email.toLowerCase() === verified.toLowerCase() && type.attrDefs.some((d) => d.name === 'emailVerified')) attributes.emailVerified = now;
  // The identity's uniqueness keeps a token from registering twice; it is used up with the answer.
  return register(nc, formName, attributes, async (tx) => {
    await useSocialToken(tx, auth.app, identity);
  });
}
