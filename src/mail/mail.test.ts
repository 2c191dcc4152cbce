import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import { suiteStore } from '../../test/stores.js';
import { startTestServer, type TestServer } from '../../test/server.js';
import { openStore, type Store } from '../store/store.js';
import { enqueueMail, mailLocale, renderMail, retryDelay, sendMail, startMailWorker, type MailWorker, type MailWorkerOptions } from './index.js';
import { parseMail, startTestSmtpServer, type TestSmtpServer } from './testing/smtp.js';

const kinds = await databaseKinds();

/** A log that keeps every line, to show what the worker writes (and what it never writes). */
function capturingLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const CODE = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
const VERIFY_URL = `https://site.example.com/verify?verification_code=${CODE}&next=/home`;

describe.each(kinds)('mail queue and delivery [%s]', (kind) => {
  const fresh = suiteStore(kind);
  let smtp: TestSmtpServer;
  let appId: number;
  const workers: MailWorker[] = [];
  const extraStores: Store[] = [];

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    const row = await fresh.store.write((tx) =>
      tx
        .insertInto('apps')
        .values({ app_id: 'mailapp', realm: 'mailapp', name: 'Mail App', domain: 'site.example.com', api_key_digest: 'd', api_key_sealed: 's', created_at: Date.now() })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    appId = Number(row.id);
  });
  // Each test runs its own workers only.
  beforeEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    for (const s of extraStores) await s.close();
    await smtp?.close();
  });

  function worker(options: Partial<MailWorkerOptions> = {}, log = pino({ level: 'silent' }), on: Store = fresh.store): MailWorker {
    const w = startMailWorker(on, log, { from: 'Openrain <no-reply@openrain.test>', smtpUrl: smtp.url, dataDir: fresh.database.dataDir, databaseUrl: fresh.database.url, retryBaseMs: 20, retryMaxMs: 100, ...options });
    workers.push(w);
    return w;
  }

  async function row(id: number) {
    return fresh.store.db.selectFrom('mail_queue').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  it('delivers a queued mail over SMTP, once, rendered and escaped; the code leaves the database and never reaches the log', async () => {
    const { log, lines } = capturingLog();
    const w = worker({}, log);
    const id = await fresh.store.write((tx) => enqueueMail(tx, { appId, to: 'new.user@example.com', template: 'verify_email', locale: 'en-US', variables: { url: VERIFY_URL, displayName: 'Ann <b>&</b>', appName: 'Mail App' } }));
    const mail = await smtp.waitFor((m) => m.to.includes('new.user@example.com'));
    expect(mail.headers.from).toBe('Openrain <no-reply@openrain.test>');
    expect(mail.headers.to).toBe('new.user@example.com');
    expect(mail.headers['auto-submitted']).toBe('auto-generated');
    expect(mail.headers['message-id']).toMatch(new RegExp(`^<mail-${id}\\.${appId}@openrain\\.test>$`));
    expect(mail.subject).toBe('Verify your email address for Mail App');
    expect(mail.text).toContain('Hello Ann <b>&</b>,');
    expect(mail.text).toContain(VERIFY_URL);
    expect(mail.html).toContain('Hello Ann &lt;b&gt;&amp;&lt;/b&gt;,');
    expect(mail.html).toContain(`href="${VERIFY_URL.replace(/&/g, '&amp;')}"`);
    expect(mail.html).not.toContain('<b>&</b>');
    const stored = await until(async () => ((await row(id)).status === 'sent' ? row(id) : undefined));
    expect(stored.variables).toBe('{}');
    expect(Number(stored.attempts)).toBe(1);
    await w.stop();
    expect(smtp.messages.filter((m) => m.to.includes('new.user@example.com'))).toHaveLength(1);
    const logged = lines.join('');
    expect(logged).toContain('mail sent');
    expect(logged).not.toContain(CODE);
    expect(logged).not.toContain('new.user@example.com');
  });

  it('a mail queued in a transaction that rolls back never exists; one that commits goes out with it', async () => {
    worker();
    await expect(
      fresh.store.write(async (tx) => {
        await enqueueMail(tx, { appId, to: 'rolled.back@example.com', template: 'password_recover', variables: { url: 'https://site.example.com/reset?code=x' } });
        throw new Error('the record write failed');
      }),
    ).rejects.toThrow('the record write failed');
    await sendMail({ store: fresh.store }, { app: { id: appId }, to: 'committed@example.com', template: 'password_recover', locale: 'fr-FR', variables: { url: 'https://site.example.com/reset?code=y', lifetimeMinutes: 60 } });
    const mail = await smtp.waitFor((m) => m.to.includes('committed@example.com'));
    expect(mail.subject).toBe('Réinitialisez votre mot de passe');
    expect(mail.text).toContain('Le lien est valable 60 minutes, une seule fois.');
    expect(smtp.messages.some((m) => m.to.includes('rolled.back@example.com'))).toBe(false);
    const rows = await fresh.store.db.selectFrom('mail_queue').select('recipient').where('recipient', '=', 'rolled.back@example.com').execute();
    expect(rows).toHaveLength(0);
  });

  it('a mail server refusing the first attempts: retried with backoff, delivered exactly once', async () => {
    const { log, lines } = capturingLog();
    worker({}, log);
    smtp.refuseNext(2);
    const before = smtp.refused;
    const id = await sendMail({ store: fresh.store }, { app: { id: appId }, to: 'retry@example.com', template: 'password_changed', variables: {} });
    await smtp.waitFor((m) => m.to.includes('retry@example.com'));
    const stored = await until(async () => ((await row(id)).status === 'sent' ? row(id) : undefined));
    expect(Number(stored.attempts)).toBe(3);
    expect(smtp.refused - before).toBe(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages.filter((m) => m.to.includes('retry@example.com'))).toHaveLength(1);
    expect(lines.join('')).toContain('will retry');
  });

  it('gives up after the attempt bound, and at once on a permanent refusal, keeping the error', async () => {
    worker({ maxAttempts: 3 });
    smtp.refuseNext(3);
    const transient = await sendMail({ store: fresh.store }, { app: { id: appId }, to: 'gives.up@example.com', template: 'password_changed', variables: {} });
    const failed = await until(async () => ((await row(transient)).status === 'failed' ? row(transient) : undefined));
    expect(Number(failed.attempts)).toBe(3);
    expect(failed.last_error).toMatch(/451|try again/);
    expect(failed.variables).toBe('{}');

    smtp.refuseNext(1, 550);
    const permanent = await sendMail({ store: fresh.store }, { app: { id: appId }, to: 'no.such.box@example.com', template: 'password_changed', variables: {} });
    const refused = await until(async () => ((await row(permanent)).status === 'failed' ? row(permanent) : undefined));
    expect(Number(refused.attempts)).toBe(1);
    expect(refused.last_error).toMatch(/550|unavailable/);
    expect(smtp.messages.some((m) => m.to.includes('gives.up@example.com') || m.to.includes('no.such.box@example.com'))).toBe(false);
  });

  it('is woken by the enqueue itself (no waiting for the poll), also from another connection', async () => {
    worker({ pollMs: 60_000 });
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await sendMail({ store: fresh.store }, { app: { id: appId }, to: 'woken@example.com', template: 'password_changed', variables: {} });
    await smtp.waitFor((m) => m.to.includes('woken@example.com'), 5_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    if (kind === 'postgres') {
      // Another process's enqueue reaches this worker through LISTEN/NOTIFY.
      const other = openStore(fresh.database.url);
      extraStores.push(other);
      await sendMail({ store: other }, { app: { id: appId }, to: 'from.elsewhere@example.com', template: 'password_changed', variables: {} });
      await smtp.waitFor((m) => m.to.includes('from.elsewhere@example.com'), 5_000);
    }
  });

  it('several workers sharing the queue deliver each mail exactly once', async () => {
    const stores = [fresh.store, openStore(fresh.database.url), openStore(fresh.database.url)];
    extraStores.push(...stores.slice(1));
    for (const s of stores) worker({ batchSize: 3 }, pino({ level: 'silent' }), s);
    const recipients = Array.from({ length: 24 }, (_, i) => `many${i}@example.com`);
    await fresh.store.write(async (tx) => {
      for (const to of recipients) await enqueueMail(tx, { appId, to, template: 'password_changed', variables: {} });
    });
    await until(() => (recipients.every((to) => smtp.messages.some((m) => m.to.includes(to))) ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    for (const to of recipients) expect(smtp.messages.filter((m) => m.to.includes(to))).toHaveLength(1);
  });

  it('writes .eml files to <data dir>/outbox when no SMTP server is configured', async () => {
    worker({ smtpUrl: undefined });
    const id = await sendMail({ store: fresh.store }, { app: { id: appId }, to: 'outbox@example.com', template: 'verify_email', locale: 'de-DE', variables: { url: VERIFY_URL } });
    const outbox = join(fresh.database.dataDir, 'outbox');
    const file = await until(() => {
      try {
        return readdirSync(outbox).find((f) => f.startsWith(`mail-${String(id).padStart(10, '0')}-verify_email`) && f.endsWith('.eml'));
      } catch {
        return undefined;
      }
    });
    const path = join(outbox, file);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const mail = parseMail(readFileSync(path, 'utf8'), '', []);
    expect(mail.headers.to).toBe('outbox@example.com');
    expect(mail.subject).toBe('Bestätigen Sie Ihre E-Mail-Adresse');
    expect(mail.text).toContain(VERIFY_URL);
    await until(async () => ((await row(id)).status === 'sent' ? true : undefined));
  });

  it('forgets sent and given-up mail after the retention time, keeps the rest', async () => {
    const old = Date.now() - 2 * 86_400_000;
    const ids = await fresh.store.write(async (tx) => {
      const out: number[] = [];
      for (const status of ['sent', 'failed', 'pending']) {
        const id = await enqueueMail(tx, { appId, to: `retention.${status}@example.com`, template: 'password_changed', variables: {} });
        await tx.updateTable('mail_queue').set({ status, finished_at: status === 'pending' ? null : old, next_attempt_at: Date.now() + 86_400_000 }).where('id', '=', id).execute();
        out.push(id);
      }
      return out;
    });
    worker({ retentionMs: 86_400_000 });
    await until(async () => ((await fresh.store.db.selectFrom('mail_queue').select('id').where('id', 'in', ids).execute()).length === 1 ? true : undefined));
    const left = await fresh.store.db.selectFrom('mail_queue').select(['id', 'status']).where('id', 'in', ids).execute();
    expect(left.map((r) => r.status)).toEqual(['pending']);
  });

  it('refuses to queue what it could not send: unknown template, bad variables, bad address', async () => {
    await expect(fresh.store.write((tx) => enqueueMail(tx, { appId, to: 'x@example.com', template: 'nope' as never, variables: {} as never }))).rejects.toThrow(/unknown mail template/);
    await expect(fresh.store.write((tx) => enqueueMail(tx, { appId, to: 'x@example.com', template: 'verify_email', variables: { url: 'javascript:alert(1)' } }))).rejects.toThrow();
    await expect(fresh.store.write((tx) => enqueueMail(tx, { appId, to: 'x@example.com', template: 'verify_email', variables: {} as never }))).rejects.toThrow();
    await expect(fresh.store.write((tx) => enqueueMail(tx, { appId, to: 'Bad <x@example.com>\r\nBcc: y@example.com', template: 'password_changed', variables: {} }))).rejects.toThrow(/recipient/);
  });
});

describe('mail templates', () => {
  it('falls back by language, then to en-US', () => {
    expect(mailLocale('fr-FR')).toBe('fr-FR');
    expect(mailLocale('fr-ca')).toBe('fr-FR');
    expect(mailLocale('de_AT')).toBe('de-DE');
    expect(mailLocale('es-ES')).toBe('en-US');
    expect(mailLocale(undefined)).toBe('en-US');
  });

  it('renders every template in every locale, text and HTML', () => {
    for (const locale of ['en-US', 'fr-FR', 'de-DE']) {
      const verify = renderMail('verify_email', locale, { url: 'https://a.example/v?c=1' });
      const recover = renderMail('password_recover', locale, { url: 'https://a.example/r?c=1', lifetimeMinutes: 30 });
      const changed = renderMail('password_changed', locale, { url: 'https://a.example/forgot' });
      for (const m of [verify, recover, changed]) {
        expect(m.subject.length).toBeGreaterThan(5);
        expect(m.html).toMatch(/^<!DOCTYPE html>/);
        expect(m.html).toContain(`lang="${locale.slice(0, 2)}"`);
      }
      expect(verify.text).toContain('https://a.example/v?c=1');
      expect(recover.text).toContain('30');
      expect(changed.html).toContain('href="https://a.example/forgot"');
    }
  });

  it('backs off exponentially with jitter, within its bounds', () => {
    expect(retryDelay(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelay(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(retryDelay(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(retryDelay(30, 1000, 60_000, () => 0.5)).toBe(45_000);
  });
});

describe.each(kinds)('mail from the running server [%s]', (kind) => {
  let smtp: TestSmtpServer;
  let withSmtp: TestServer;
  let withoutSmtp: TestServer;

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    withSmtp = await startTestServer(kind, { SMTP_URL: smtp.url, OPENRAIN_MAIL_FROM: 'Accounts <accounts@openrain.test>' });
    withoutSmtp = await startTestServer(kind);
  });
  afterAll(async () => {
    await withSmtp?.stop();
    await withoutSmtp?.stop();
    await smtp?.close();
  });

  const demoApp = async (server: TestServer) => {
    const row = await server.running.runtime.store.db.selectFrom('apps').select('id').executeTakeFirstOrThrow();
    return { id: Number(row.id) };
  };

  it('main.ts starts the worker: SMTP_URL and OPENRAIN_MAIL_FROM are used', async () => {
    const app = await demoApp(withSmtp);
    await sendMail(withSmtp.running.runtime, { app, to: 'server@example.com', template: 'verify_email', variables: { url: VERIFY_URL } });
    const mail = await smtp.waitFor((m) => m.to.includes('server@example.com'));
    expect(mail.headers.from).toBe('Accounts <accounts@openrain.test>');
  });

  it('without SMTP_URL the mail lands in the outbox, from no-reply@<public host>', async () => {
    const app = await demoApp(withoutSmtp);
    await sendMail(withoutSmtp.running.runtime, { app, to: 'outbox.server@example.com', template: 'password_changed', variables: {} });
    const outbox = join(withoutSmtp.database.dataDir, 'outbox');
    const file = await until(() => {
      try {
        return readdirSync(outbox).find((f) => f.endsWith('.eml'));
      } catch {
        return undefined;
      }
    });
    const mail = parseMail(readFileSync(join(outbox, file), 'utf8'), '', []);
    expect(mail.headers.from).toBe('no-reply@localhost');
    expect(mail.headers.to).toBe('outbox.server@example.com');
  });
});
