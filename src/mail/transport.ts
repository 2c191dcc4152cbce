import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';

/** One rendered mail, ready to go out. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable across retries, so a receiver can recognise a mail delivered twice. */
  messageId: string;
  /** Names the outbox file (`<fileStem>.eml`). */
  fileStem: string;
}

export interface MailTransport {
  /** `smtp` or `outbox`, for logs. */
  readonly kind: 'smtp' | 'outbox';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface TransportConfig {
  smtpUrl?: string;
  dataDir: string;
}

const HEADERS = { 'Auto-Submitted': 'auto-generated' };

function message(mail: OutgoingMail) {
  return { from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId, headers: HEADERS };
}

/**
 * SMTP through nodemailer when SMTP_URL is set (`smtp://user:pass@host:587`, `smtps://…`);
 * otherwise each mail becomes an .eml file in `<data dir>/outbox/`, readable only by the
 * server's user (mails carry one-time codes).
 */
export function createMailTransport(config: TransportConfig): MailTransport {
  if (config.smtpUrl) {
    const smtp = nodemailer.createTransport({
      url: config.smtpUrl,
      pool: true,
      maxConnections: 4,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    });
    return {
      kind: 'smtp',
      async send(mail) {
        await smtp.sendMail(message(mail));
      },
      close: () => smtp.close(),
    };
  }
  const outbox = join(config.dataDir, 'outbox');
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'outbox',
    async send(mail) {
      const info = await composer.sendMail(message(mail));
      await mkdir(outbox, { recursive: true, mode: 0o700 });
      const file = join(outbox, `${mail.fileStem}.eml`);
      // Whole or not at all: a reader never sees half a mail.
      const partial = `${file}.${process.pid}.tmp`;
      await writeFile(partial, info.message as Buffer, { mode: 0o600 });
      await rename(partial, file);
    },
    close: () => composer.close(),
  };
}
