import { RegistrationError } from '../../../http/errors.js';
import type { Json, JsonObject } from '../../records/json.js';
import type { RecordRow } from '../../records/present.js';
import { attributesOf, type FormValues } from '../model/index.js';
import { checkLoginAllowed, equalTimeVerify, needsRehash, recordLoginFailure, type LoginSubject } from '../safety/index.js';
import type { NativeCall } from './context.js';
import { recordByKey, valueAtPath } from './lookups.js';
import { message } from './messages.js';

/**
 * A password sign-in with a form of the flow (signInForm: a sign-in name field and a password
 * field). DESIGN.md: throttled per account and per address before any check, the same answer
 * (210) and the same time (one argon2id verification at least) for an unknown account, an
 * account without a password and a wrong password; an imported legacy hash that matches is
 * replaced with argon2id by the sign-in's own write.
 */

export interface SignInFields {
  /** The field holding the sign-in name and the attribute it names (signInEmailAddress → email). */
  nameField: string;
  keyAttribute: string;
  passwordField: string;
  passwordAttribute: string;
}

/** The sign-in name and password fields of a form, or 200 when it has none. */
export function signInFieldsOf(nc: NativeCall, formName: string): SignInFields {
  const form = nc.flow.form(formName) ?? [];
  const name = form.find(({ field }) => field.type !== 'password' && typeof field.schemaAttribute === 'string');
  const password = form.find(({ field }) => field.type === 'password' && typeof field.schemaAttribute === 'string');
  if (!name || !password) throw new RegistrationError(200, `the form ${formName} has no sign-in name and password fields`, { argumentName: 'form' });
  return { nameField: name.name, keyAttribute: name.field.schemaAttribute as string, passwordField: password.name, passwordAttribute: password.field.schemaAttribute as string };
}

export function invalidCredentials(nc: NativeCall, formName: string): RegistrationError {
  return new RegistrationError(210, 'invalid credentials', { extra: { invalid_fields: { [formName]: [message(nc.flow, 'invalidCredentials')] } } });
}

export interface PasswordCheck {
  record: RecordRow;
  who: LoginSubject;
  /** The account has failed sign-ins counted, which this success clears (recordLoginSuccess). */
  clearsFailures: boolean;
  /** The record's changes that go with this sign-in: the legacy hash replaced. */
  rehash: JsonObject;
}

/** Checks a password sign-in; the record it opens, or 210 / 510. */
export async function checkPasswordSignIn(nc: NativeCall, formName: string, read: FormValues): Promise<PasswordCheck> {
  const fields = signInFieldsOf(nc, formName);
  const account = typeof read.fields[fields.nameField] === 'string' ? (read.fields[fields.nameField] as string) : '';
  const password = typeof read.fields[fields.passwordField] === 'string' ? (read.fields[fields.passwordField] as string) : '';
  return checkPassword(nc, { account, password, keyAttribute: fields.keyAttribute, passwordAttribute: fields.passwordAttribute }, () => invalidCredentials(nc, formName));
}

export interface PasswordAttempt {
  /** The sign-in name as typed; also the throttle's account key. */
  account: string;
  password: string;
  keyAttribute: string;
  passwordAttribute: string;
  /** The record, when the caller already knows it (a signed-in user's current password). */
  record?: RecordRow;
}

export async function checkPassword(nc: NativeCall, attempt: PasswordAttempt, refusal: () => RegistrationError): Promise<PasswordCheck> {
  const { runtime, auth, call } = nc;
  const who: LoginSubject = { account: attempt.account, ip: call.request.ip };
  const { accountCounted } = await checkLoginAllowed(runtime.store.db, auth.app, who);
  const record = attempt.record ?? (attempt.account ? await recordByKey(runtime, nc.type, attempt.keyAttribute, attempt.account) : undefined);
  const stored = record ? valueAtPath(record.data, attempt.passwordAttribute) : undefined;
  const ok = await equalTimeVerify(stored, attempt.password);
  if (!ok || !record) {
    await runtime.store.write((tx) => recordLoginFailure(tx, auth.app, who));
    throw refusal();
  }
  const rehash = needsRehash(stored as { type?: unknown; value?: unknown } | undefined) ? (attributesOf({ [attempt.passwordAttribute]: attempt.password as Json }) as JsonObject) : {};
  return { record, who, clearsFailures: accountCounted, rehash };
}
