/** Mail: queue a templated mail in the caller's transaction; the worker (main.ts) delivers it. */
export { enqueueMail, sendMail, wakeLocalMailWorkers, MAIL_CHANNEL, type MailRequest } from './queue.js';
export { renderMail, mailLocale, escapeHtml, isMailTemplate, MAIL_TEMPLATES, MAIL_LOCALES, templateVariables, type MailTemplate, type TemplateVariables, type RenderedMail } from './templates.js';
export { startMailWorker, retryDelay, type MailWorker, type MailWorkerOptions } from './worker.js';
export { createMailTransport, type MailTransport, type OutgoingMail } from './transport.js';
export { mailMigrations } from './migrations.js';
export type { MailTables } from './tables.js';
