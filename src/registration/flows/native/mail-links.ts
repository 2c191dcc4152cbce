import { RegistrationError } from '../../../http/errors.js';
import { enqueueMail } from '../../../mail/index.js';
import { isWhitelisted } from '../../../social/whitelist.js';
import type { Tx } from '../../../store/store.js';
import { createAuthorizationCode, createVerificationCode } from '../../access/codes.js';
import type { RecordRow } from '../../records/present.js';
import { clientSetting } from '../../settings/settings.js';
import { readForm } from '../model/index.js';
import type { Body } from './answer.js';
import { requiredText, type NativeCall } from './context.js';
import { recordByKey } from './lookups.js';
import { message } from './messages.js';

/**
 * oauth/verify_email_native and oauth/forgot_password_native (seed 004): each looks the account
 * up by the form's address and queues a mail, in one transaction with the code it carries, whose
 * link is the client's `verify_email_url` / `password_recover_url` with the code appended
 * (`verification_code=…` for access/useVerificationCode, `code=…` for oauth/token).
 */

export const VERIFIED_ATTRIBUTE = 'emailVerified';
const EMAIL = 'email';
/** recover_code_lifetime when the client has none (ours: an hour, in seconds). */
export const DEFAULT_RECOVER_CODE_LIFETIME = 3600;
/**
 * The transaction_state of a password-recovery code: oauth/token hands it back, and
 * update_profile_native lets only the tokens of such a code use changePasswordFormNoAuth.
 */
export const RECOVERY_STATE = { capture: { action: 'password_recover' } } as const;

/**
 * Whether forgot_password_native answers seed 004's 212 no_such_account for an unknown address
 * (a client setting or application default, ours). Off by default: the same answer whether or
 * not the account exists, so that the call cannot tell who has an account.
 */
export const REVEAL_UNKNOWN_ACCOUNTS = 'reveal_unknown_accounts';

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The link base from a client setting, else (when allowed) a redirect_uri on the application's domain whitelist. */
async function linkBase(nc: NativeCall, setting: string, fallback: boolean): Promise<string | undefined> {
  const { runtime, auth, answering } = nc;
  const value = (await clientSetting(runtime.store.db, auth.app.id, auth.client.clientId, setting))?.trim();
  if (value && isHttpUrl(value)) return value;
  if (fallback && answering.redirectUri && (await isWhitelisted(runtime.store.db, auth.app.id, answering.redirectUri))) return answering.redirectUri;
  return undefined;
}

async function requiredLinkBase(nc: NativeCall, setting: string): Promise<string> {
  const base = await linkBase(nc, setting, true);
  if (!base) throw new RegistrationError(200, `the client has no ${setting} setting and redirect_uri is not on the application's domain whitelist: the mail would have no link`, { argumentName: 'redirect_uri' });
  return base;
}

export function verificationLinkBase(nc: NativeCall, options: { fallback: boolean }): Promise<string | undefined> {
  return linkBase(nc, 'verify_email_url', options.fallback);
}

export function withParameter(base: string, name: string, value: string): string {
  const url = new URL(base);
  url.searchParams.set(name, value);
  return url.href;
}

function displayNameOf(record: RecordRow): string | undefined {
  const name = record.data.displayName;
  return typeof name === 'string' && name.length <= 200 ? name : undefined;
}

function emailOfRecord(record: RecordRow): string | undefined {
  const email = record.data[EMAIL];
  return typeof email === 'string' && email !== '' ? email : undefined;
}

/** A verification code for the record's emailVerified and its mail, inside the caller's transaction. */
export async function queueVerificationMail(tx: Tx, nc: NativeCall, record: RecordRow, base: string): Promise<void> {
  const to = emailOfRecord(record);
  if (!to || !nc.type.resolve(VERIFIED_ATTRIBUTE)) return;
  const subject = { id: record.id, uuid: record.uuid, typeName: nc.type.name };
  const code = await createVerificationCode(tx, { app: nc.auth.app, subject, attributeName: VERIFIED_ATTRIBUTE });
  await enqueueMail(tx, {
    appId: nc.auth.app.id,
    to,
    template: 'verify_email',
    locale: nc.flow.locale,
    variables: { url: withParameter(base, 'verification_code', code), displayName: displayNameOf(record), appName: nc.auth.app.name.slice(0, 200) },
  });
}

/** The address the form names (its first field) and the record that has it. */
async function accountOfForm(nc: NativeCall): Promise<{ address: string; record: RecordRow | undefined }> {
  const formName = requiredText(nc.call, 'form', 100);
  const read = await readForm(nc.flow, formName, nc.call.params, nc.flow.locale, { unique: async () => true });
  const first = (nc.flow.form(formName) ?? []).find(({ field }) => field.type !== 'password' && typeof field.schemaAttribute === 'string');
  if (!first) throw new RegistrationError(200, `the form ${formName} has no field naming an account`, { argumentName: 'form' });
  const address = read.fields[first.name];
  if (typeof address !== 'string') throw new RegistrationError(200, `the form ${formName} has no field naming an account`, { argumentName: 'form' });
  return { address, record: await recordByKey(nc.runtime, nc.type, first.field.schemaAttribute as string, address) };
}

export async function verifyEmailNative(nc: NativeCall): Promise<Body> {
  const base = await requiredLinkBase(nc, 'verify_email_url');
  const { record } = await accountOfForm(nc);
  if (!record || !emailOfRecord(record)) throw new RegistrationError(210, 'no account has this email address', { extra: { invalid_fields: { [nc.call.params.get('form')!]: [message(nc.flow, 'noSuchAccount')] } } });
  const verified = record.data[VERIFIED_ATTRIBUTE];
  if (typeof verified === 'string' && verified !== '') throw new RegistrationError(540, 'the email address is already verified', { extra: { invalid_fields: { [nc.call.params.get('form')!]: [message(nc.flow, 'alreadyVerified')] } } });
  await nc.runtime.store.write((tx) => queueVerificationMail(tx, nc, record, base));
  return {};
}

function lifetimeOf(setting: string | null): number {
  const seconds = setting != null && /^\s*\d+\s*$/.test(setting) ? Number(setting) : NaN;
  return seconds >= 60 && seconds <= 30 * 24 * 3600 ? seconds : DEFAULT_RECOVER_CODE_LIFETIME;
}

export async function forgotPasswordNative(nc: NativeCall): Promise<Body> {
  const { runtime, auth } = nc;
  const base = await requiredLinkBase(nc, 'password_recover_url');
  const { record } = await accountOfForm(nc);
  const to = record && emailOfRecord(record);
  if (!record || !to) {
    const reveal = (await clientSetting(runtime.store.db, auth.app.id, auth.client.clientId, REVEAL_UNKNOWN_ACCOUNTS))?.trim().toLowerCase() === 'true';
    if (reveal) throw new RegistrationError(212, 'no account has this email address', { extra: { invalid_fields: { [nc.call.params.get('form')!]: [message(nc.flow, 'noSuchAccount')] } } });
    return {};
  }
  const lifetime = lifetimeOf(await clientSetting(runtime.store.db, auth.app.id, auth.client.clientId, 'recover_code_lifetime'));
  const subject = { id: record.id, uuid: record.uuid, typeName: nc.type.name };
  await runtime.store.write(async (tx) => {
    // seed 004: the code is exchanged at oauth/token by the same client, with password_recover_url as redirect_uri.
    const code = await createAuthorizationCode(tx, { app: auth.app, client: auth.client, subject, redirectUri: base, transactionState: RECOVERY_STATE, lifetime });
    await enqueueMail(tx, {
      appId: auth.app.id,
      to,
      template: 'password_recover',
      locale: nc.flow.locale,
      variables: { url: withParameter(base, 'code', code), lifetimeMinutes: Math.max(1, Math.round(lifetime / 60)), displayName: displayNameOf(record), appName: auth.app.name.slice(0, 200) },
    });
  });
  return {};
}
