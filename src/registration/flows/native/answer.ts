import { RegistrationError } from '../../../http/errors.js';
import type { Tx } from '../../../store/store.js';
import { createAuthorizationCode } from '../../access/codes.js';
import { issueTokens } from '../../access/tokens.js';
import { formatStoredDateTime, nowInstant } from '../../records/datetime.js';
import type { JsonObject } from '../../records/json.js';
import { fullSelection, presentRecord, selectAttributes, type RecordRow } from '../../records/present.js';
import { accessSchemaFor } from '../../schema/access-schemas.js';
import type { EntityType } from '../../schema/entity-types.js';
import { writeRecord } from '../../records/writes.js';
import type { Flow } from '../model/index.js';
import type { NativeCall } from './context.js';

/**
 * How the sign-in and registration calls answer (NOTES.md §8): `capture_user` (the record as the
 * client may read it), `is_new`, and an access token, an authorization code or both as
 * `response_type` asked.
 */

export type Body = Record<string, unknown>;

/** Now, as records store dateTime values. */
export function nowDateTime(): string {
  return formatStoredDateTime(nowInstant());
}

/** The attributes every sign-in sets, where the type has them: `lastLogin` and how (`capture` or the provider). */
export function loginChanges(type: EntityType, method: string, now = nowDateTime()): JsonObject {
  const out: JsonObject = {};
  const top = (name: string, kind: string) => type.attrDefs.some((d) => d.name === name && d.type === kind);
  if (top('lastLogin', 'dateTime')) out.lastLogin = now;
  if (top('lastLoginMethod', 'string')) out.lastLoginMethod = method;
  return out;
}

/** The record as `capture_user`: every attribute but passwords, within the client's read access schema when it has one. */
export async function captureUser(nc: NativeCall, record: RecordRow): Promise<JsonObject> {
  const { runtime, auth, type } = nc;
  const paths = await accessSchemaFor(runtime.store.db, auth.app.id, type.name, auth.client.clientId, 'read');
  return presentRecord(record, paths ? selectAttributes(type.attrDefs, paths) : fullSelection(type.attrDefs));
}

export interface SignInAnswer {
  /** Changes of the record that go with this sign-in (lastLogin, a rehashed password, profiles). */
  changes?: JsonObject;
  /** Work in the transaction that issues the token or code: spending tokens, clearing failed sign-ins, queuing mail. */
  within?: (tx: Tx) => Promise<void>;
}

/**
 * Writes the sign-in's changes and issues what `response_type` asks for, in one transaction
 * (one commit, and no token for a change that failed), and answers the sign-in.
 */
export async function answerSignIn(nc: NativeCall, record: RecordRow, isNew: boolean, options: SignInAnswer = {}): Promise<Body> {
  const { runtime, auth, type, answering } = nc;
  const subject = { id: record.id, uuid: record.uuid, typeName: type.name };
  const changes = options.changes ?? {};
  const grant: Body = {};
  const issue = async (tx: Tx) => {
    await options.within?.(tx);
    if (answering.responseType !== 'code') {
      const tokens = await issueTokens(runtime, tx, { app: auth.app, client: auth.client, subject, refresh: false, refreshSecret: answering.refreshSecret });
      grant.access_token = tokens.access_token;
    }
    if (answering.responseType !== 'token') grant.authorization_code = await createAuthorizationCode(tx, { app: auth.app, client: auth.client, subject, redirectUri: answering.redirectUri });
  };
  let after = record;
  if (Object.keys(changes).length) after = await writeRecord(runtime, type, { selector: { id: record.id }, mode: 'update', value: changes, argumentName: 'form', actor: auth.client.clientId, alongside: issue });
  else await runtime.store.write(issue);
  return { capture_user: await captureUser(nc, after), is_new: isNew, ...grant };
}

/**
 * A write the store refused for a `unique` attribute that a field of the form fills (two
 * registrations with one email racing past readForm's check) is answered like the check's own
 * refusal: 390 with the field's message.
 */
export function asFormError(err: unknown, flow: Flow, formName: string): unknown {
  if (!(err instanceof RegistrationError) || err.code !== 361) return err;
  const attribute = err.options.extra?.attribute_name;
  for (const { name, field } of flow.form(formName) ?? []) {
    if (field.schemaAttribute !== attribute) continue;
    const rule = field.validation.find((r) => r.rule === 'unique');
    const text = flow.text(rule?.message) ?? flow.text(flow.definition.messages.invalid) ?? 'invalid';
    return new RegistrationError(390, 'some inputs are invalid', { extra: { invalid_fields: { [name]: [text] } } });
  }
  return err;
}
