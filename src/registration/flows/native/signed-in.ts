import { RegistrationError } from '../../../http/errors.js';
import type { Call } from '../../../http/wire.js';
import type { TokenSubject } from '../../access/grants.js';
import { findAccessToken } from '../../access/tokens.js';
import { readAccessToken } from '../../authorize.js';
import type { RecordRow } from '../../records/present.js';
import { findRecord } from '../../records/record-store.js';
import { recordNotFound } from '../../records/writes.js';
import type { NativeCall } from './context.js';

/**
 * The user of link_account_native, unlink_account_native and update_profile_native: the record
 * of the access token the call carries (`access_token` or `Authorization: OAuth|Bearer`; for
 * update_profile_native `token` too, copied before authorize() reads the call).
 */

export interface SignedInUser {
  subject: TokenSubject;
  /** The token's family: the grant it belongs to (a code exchange or a sign-in). */
  family: string | null;
  record: RecordRow;
}

/** update_profile_native takes the access token as `token` too (NOTES.md §8). */
export function acceptTokenAsAccessToken(call: Call): void {
  const raw = call.params.raw;
  if (!raw.access_token && raw.token) raw.access_token = raw.token;
}

export async function signedInUser(nc: NativeCall): Promise<SignedInUser> {
  const { runtime, auth, call, type } = nc;
  const token = readAccessToken(call.request, call.params);
  if (!token) throw new RegistrationError(100, 'missing arguments: access_token', { argumentName: 'access_token' });
  const info = await findAccessToken(runtime.store.db, token);
  // Client credentials may come with the token: the token must still be one this client was given.
  if (!info || info.appId !== auth.app.id || info.clientId !== auth.client.clientId) throw new RegistrationError(402, 'invalid access token: unknown, revoked or issued to another client', { argumentName: 'access_token' });
  if (info.expiresAt <= Date.now()) throw new RegistrationError(414, 'the access token has expired', { argumentName: 'access_token' });
  if (info.subject.typeName !== type.name) throw new RegistrationError(403, `the flow ${nc.flow.name} writes ${type.name} records, not ${info.subject.typeName}`);
  const record = await findRecord(runtime.store.db, type, { id: info.subject.id });
  if (!record) throw recordNotFound('access_token');
  return { subject: info.subject, family: info.family, record };
}
