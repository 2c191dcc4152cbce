import { RegistrationError } from '../../../http/errors.js';
import { isObject } from '../../records/json.js';
import { parseAttributePath, type PathStep } from '../../records/paths.js';
import { deletePath, writeRecord } from '../../records/writes.js';
import { captureUser, nowDateTime, type Body } from './answer.js';
import { requiredText, type NativeCall } from './context.js';
import { alreadyLinked, keepsIdentities, linkedProfiles, recordByIdentifier, PROFILES } from './lookups.js';
import { newProfileElement, providerOf } from './social-profile.js';
import { socialIdentityOf, spendSocialToken } from './social-tokens.js';
import { signedInUser } from './signed-in.js';

/**
 * oauth/link_account_native (access_token + a Social Login token) and
 * oauth/unlink_account_native (access_token + identifier_to_remove), seed 004. An identity
 * linked to another record is 361 unique_violation; linking one the user already has changes
 * nothing. The last way to sign in (no password, one identity) is not unlinked.
 */

function requireIdentities(nc: NativeCall): void {
  if (!keepsIdentities(nc.type)) throw new RegistrationError(200, `${nc.type.name} records keep no social identities (profiles.identifier)`, { argumentName: 'token' });
}

export async function linkAccountNative(nc: NativeCall): Promise<Body> {
  requireIdentities(nc);
  const { runtime, auth, call, type } = nc;
  const user = await signedInUser(nc);
  const identity = await socialIdentityOf(runtime, auth.app, requiredText(call, 'token'), 'token');
  const holder = await recordByIdentifier(runtime, type, identity.identifier);
  if (holder && holder.id !== user.record.id) throw alreadyLinked('token');
  await runtime.store.write((tx) => spendSocialToken(tx, auth.app, identity, 'token'));
  if (holder) return { capture_user: await captureUser(nc, user.record) };
  const element = newProfileElement(type, identity, await providerOf(runtime, auth.app, identity), nowDateTime());
  const record = await writeRecord(runtime, type, { selector: { id: user.record.id }, mode: 'update', value: { [PROFILES]: [element] }, argumentName: 'token', actor: auth.client.clientId });
  return { capture_user: await captureUser(nc, record) };
}

export async function unlinkAccountNative(nc: NativeCall): Promise<Body> {
  requireIdentities(nc);
  const { runtime, auth, call, type } = nc;
  const user = await signedInUser(nc);
  const identifier = requiredText(call, 'identifier_to_remove', 2048);
  const profiles = linkedProfiles(user.record);
  const element = profiles.find((p) => p.identifier === identifier);
  if (!element || typeof element.id !== 'number') throw new RegistrationError(310, 'the account has no linked identity with this identifier', { argumentName: 'identifier_to_remove' });
  if (profiles.length === 1 && !isObject(user.record.data.password)) {
    throw new RegistrationError(200, 'this identity is the only way to sign in to the account: set a password or link another identity first', { argumentName: 'identifier_to_remove' });
  }
  const steps = parseAttributePath(type.attrDefs, `${PROFILES}#${element.id}`, 'identifier_to_remove') as PathStep[];
  const record = await deletePath(runtime, type, { id: user.record.id }, steps, undefined, { actor: auth.client.clientId });
  return { capture_user: await captureUser(nc, record) };
}
