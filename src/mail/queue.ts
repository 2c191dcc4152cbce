import { PostgresAdapter, sql } from 'kysely';
import type { Runtime } from '../runtime.js';
import { createLocalWake } from '../store/local-wake.js';
import type { Tx } from '../store/store.js';
import { isMailTemplate, mailLocale, templateVariables, type MailTemplate, type TemplateVariables } from './templates.js';

/** PostgreSQL channel a transaction that queued mail notifies; delivered only if it commits. */
export const MAIL_CHANNEL = 'openrain_mail';

export interface MailRequest<T extends MailTemplate = MailTemplate> {
  /** The internal `apps.id` the mail is sent for. */
  appId: number;
  to: string;
  template: T;
  /** The request's locale (`en-US`, `fr-FR`, …); others fall back by language, then to en-US. */
  locale?: string;
  variables: TemplateVariables<T>;
}

const ADDRESS = /^[^\s@<>()",;:\\[\]]{1,64}@[^\s@<>()",;:\\[\]]{1,255}$/;

/**
 * Queues a mail in the caller's transaction: the mail exists exactly when the caller's change
 * commits, and the change never waits on (or fails with) the mail server. The delivery worker
 * sends it, retrying with backoff. Bad input (unknown template, invalid variables or address)
 * throws: it is a programming error, not a user's.
 */
export async function enqueueMail<T extends MailTemplate>(tx: Tx, request: MailRequest<T>): Promise<number> {
  if (!isMailTemplate(request.template)) throw new Error(`unknown mail template ${String(request.template)}`);
  if (!ADDRESS.test(request.to)) throw new Error('enqueueMail: the recipient is not a plain email address');
  const variables = templateVariables[request.template].parse(request.variables);
  const now = Date.now();
  const row = await tx
    .insertInto('mail_queue')
    .values({
      app_id: request.appId,
      recipient: request.to,
      template: request.template,
      locale: mailLocale(request.locale),
      variables: JSON.stringify(variables),
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      lease_owner: null,
      lease_expires: null,
      last_error: null,
      created_at: now,
      finished_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (isPostgres(tx)) await sql`select pg_notify(${MAIL_CHANNEL}, '')`.execute(tx);
  else wakeLocalMailWorkers();
  return Number(row.id);
}

/** Queues a mail in a transaction of its own (when the caller has no other write to make). */
export function sendMail<T extends MailTemplate>(runtime: Pick<Runtime, 'store'>, request: Omit<MailRequest<T>, 'appId'> & { app: { id: number } }): Promise<number> {
  const { app, ...rest } = request;
  return runtime.store.write((tx) => enqueueMail(tx, { ...rest, appId: app.id } as MailRequest<T>));
}

/** Whether a transaction runs on PostgreSQL (the callers hand a transaction, not the store). */
function isPostgres(tx: Tx): boolean {
  return tx.getExecutor().adapter instanceof PostgresAdapter;
}

const mailWorkers = createLocalWake();

/** The mail workers running in this process, woken by writes that queued mail. */
export const registerMailWorker = mailWorkers.register;
export const wakeLocalMailWorkers = mailWorkers.wake;
