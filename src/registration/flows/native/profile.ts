import { RegistrationError } from '../../../http/errors.js';
import { enqueueMail } from '../../../mail/index.js';
import type { Tx } from '../../../store/store.js';
import { codeStateOfFamily } from '../../access/codes.js';
import { revokeSubjectAccess } from '../../access/tokens.js';
import type { Json, JsonObject } from '../../records/json.js';
import type { RecordRow } from '../../records/present.js';
import { writeRecord } from '../../records/writes.js';
import { attributesOf, readForm } from '../model/index.js';
import { recordLoginSuccess, type LoginSubject } from '../safety/index.js';
import { asFormError, captureUser, type Body } from './answer.js';
import { requiredText, type NativeCall } from './context.js';
import { queueVerificationMail, RECOVERY_STATE, VERIFIED_ATTRIBUTE, verificationLinkBase } from './mail-links.js';
import { message } from './messages.js';
import { checkPassword } from './password-sign-in.js';
import { signedInUser, type SignedInUser } from './signed-in.js';
import { uniqueInStore } from './lookups.js';

/**
 * oauth/update_profile_native (seed 004): a signed-in user's form of the flow: editProfileForm
 * (dateselect and composite fields included), changePasswordForm (the current password checked
 * as a sign-in is: throttled, equal time) and changePasswordFormNoAuth, which sets a password
 * without the current one and so is allowed only to the tokens of a password-recovery code
 * (forgot_password_native → oauth/token); after such a reset every token of the account is
 * revoked. A changed email address is no longer verified.
 */

/** Janrain's name of the field that proves the user knows the password (changePasswordForm). */
export const CURRENT_PASSWORD = 'currentPassword';
const EMAIL = 'email';

function isRecoveryState(state: unknown): boolean {
  const capture = (state as { capture?: { action?: unknown } } | null)?.capture;
  return typeof capture === 'object' && capture !== null && capture.action === RECOVERY_STATE.capture.action;
}

async function isRecoveryGrant(nc: NativeCall, user: SignedInUser): Promise<boolean> {
  if (!user.family) return false;
  const grant = await codeStateOfFamily(nc.runtime.store.db, nc.auth.app.id, user.subject.id, user.family);
  return grant !== undefined && isRecoveryState(grant.transactionState);
}

function emailOf(record: RecordRow): string | undefined {
  const email = record.data[EMAIL];
  return typeof email === 'string' && email !== '' ? email : undefined;
}

export async function updateProfileNative(nc: NativeCall): Promise<Body> {
  const { runtime, auth, call, flow, type } = nc;
  const user = await signedInUser(nc);
  const formName = requiredText(call, 'form', 100);
  const read = await readForm(flow, formName, call.params, flow.locale, { unique: uniqueInStore(nc, user.record.id) });
  const form = flow.form(formName) ?? [];
  const passwords = form.filter(({ field }) => field.type === 'password' && typeof field.schemaAttribute === 'string');
  const current = passwords.find(({ name }) => name === CURRENT_PASSWORD);
  const fresh = passwords.filter(({ name }) => name !== CURRENT_PASSWORD);
  const values: Record<string, Json> = { ...read.values };
  // The current password proves who types; it is never written (unless the form also sets a new one at its attribute).
  if (current && !fresh.some(({ field }) => field.schemaAttribute === current.field.schemaAttribute)) delete values[current.field.schemaAttribute as string];
  const changesPassword = fresh.some(({ name }) => typeof read.fields[name] === 'string');

  // Whose failed sign-ins a right current password clears, when any are counted.
  let who: LoginSubject | undefined;
  if (current) {
    const password = read.fields[current.name];
    const refusal = () => new RegistrationError(390, 'some inputs are invalid', { extra: { invalid_fields: { [current.name]: [message(flow, 'currentPasswordIncorrect')] } } });
    const checked = await checkPassword(nc, { account: emailOf(user.record) ?? user.record.uuid, password: typeof password === 'string' ? password : '', keyAttribute: EMAIL, passwordAttribute: current.field.schemaAttribute as string, record: user.record }, refusal);
    if (checked.clearsFailures) who = checked.who;
  } else if (changesPassword && !(await isRecoveryGrant(nc, user))) {
    throw new RegistrationError(403, `the form ${formName} sets a password without the current one: only the access token of a password-recovery code (forgot_password_native) may use it`, { argumentName: 'form' });
  }

  const attributes = attributesOf(values) as JsonObject;
  const previousEmail = emailOf(user.record);
  const newEmail = typeof attributes[EMAIL] === 'string' ? (attributes[EMAIL] as string) : undefined;
  const emailChanged = EMAIL in attributes && (newEmail ?? '').toLowerCase() !== (previousEmail ?? '').toLowerCase();
  if (emailChanged && type.resolve(VERIFIED_ATTRIBUTE)) attributes[VERIFIED_ATTRIBUTE] = null;

  let record = user.record;
  if (Object.keys(attributes).length > 0) {
    try {
      record = await writeRecord(runtime, type, { selector: { id: user.record.id }, mode: 'update', value: attributes, argumentName: 'form', actor: auth.client.clientId });
    } catch (err) {
      throw asFormError(err, flow, formName);
    }
  }

  const verifyBase = emailChanged && newEmail ? await verificationLinkBase(nc, { fallback: false }) : undefined;
  const resetByRecovery = changesPassword && !current;
  if (who || verifyBase || changesPassword) {
    await runtime.store.write(async (tx: Tx) => {
      if (who) await recordLoginSuccess(tx, auth.app, who);
      if (verifyBase) await queueVerificationMail(tx, nc, record, verifyBase);
      if (changesPassword) await queuePasswordChanged(tx, nc, record);
      // A reset ends every session: whoever held one may be why the password was reset.
      if (resetByRecovery) await revokeSubjectAccess(tx, auth.app.id, record.id);
    });
  }
  return { capture_user: await captureUser(nc, record) };
}

async function queuePasswordChanged(tx: Tx, nc: NativeCall, record: RecordRow): Promise<void> {
  const to = emailOf(record);
  if (!to) return;
  const displayName = typeof record.data.displayName === 'string' && record.data.displayName.length <= 200 ? record.data.displayName : undefined;
  await enqueueMail(tx, { appId: nc.auth.app.id, to, template: 'password_changed', locale: nc.flow.locale, variables: { displayName, appName: nc.auth.app.name.slice(0, 200) } });
}
