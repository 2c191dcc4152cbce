import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import pg from 'pg';
import { randomHex } from '../crypto/secrets.js';
import type { Store } from '../store/store.js';
import { MAIL_CHANNEL, registerMailWorker } from './queue.js';
import { isMailTemplate, renderMail, templateVariables } from './templates.js';
import { createMailTransport, type MailTransport } from './transport.js';

/**
 * The delivery worker: claims due mail rows (several processes sharing PostgreSQL never claim
 * the same row: FOR UPDATE SKIP LOCKED, then a lease), renders and sends them, and records
 * the outcome. A failed attempt is retried after an exponentially growing, jittered delay; after
 * `maxAttempts` the mail is given up and its error kept. Logs name the mail, never its content.
 */

export interface MailWorkerOptions {
  /** The From address (`OPENRAIN_MAIL_FROM`). */
  from: string;
  smtpUrl?: string;
  dataDir: string;
  /** For a PostgreSQL store: where to LISTEN for mail queued by any process. */
  databaseUrl?: string;
  /** Delay before retry n: jittered over [½, 1] × min(retryMaxMs, retryBaseMs × 2^(n−1)). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  maxAttempts?: number;
  /** How often an idle worker looks for mail other processes queued or that became due. */
  pollMs?: number;
  /** How long a claimed mail is this worker's before another may take it over. */
  leaseMs?: number;
  /** Sent and given-up mails are deleted this long after they finished. */
  retentionMs?: number;
  batchSize?: number;
  transport?: MailTransport;
}

export interface MailWorker {
  wake(): void;
  /** Stops claiming, waits (bounded) for the sends in flight, closes the transport. */
  stop(): Promise<void>;
}

interface Claimed {
  id: number;
  app_id: number;
  recipient: string;
  template: string;
  locale: string;
  variables: string;
  attempts: number;
}

const DEFAULTS = { retryBaseMs: 5_000, retryMaxMs: 3_600_000, maxAttempts: 10, pollMs: 1_000, leaseMs: 120_000, batchSize: 10, retentionMs: 30 * 86_400_000 };
const SWEEP_EVERY_MS = 3_600_000;

export function retryDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function startMailWorker(store: Store, log: Logger, options: MailWorkerOptions): MailWorker {
  const o = { ...DEFAULTS, ...options };
  const owner = `${hostname()}:${process.pid}:${randomHex(4)}`;
  const transport = options.transport ?? createMailTransport({ smtpUrl: options.smtpUrl, dataDir: options.dataDir });
  const messageHost = (/@([^>\s]+)>?$/.exec(o.from)?.[1] ?? 'localhost').toLowerCase();

  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  async function claim(now: number): Promise<Claimed[]> {
    const due = sql`(status = 'pending' and next_attempt_at <= ${now}) or (status = 'sending' and lease_expires < ${now})`;
    if (store.dialect === 'postgres') {
      const { rows } = await sql<Claimed>`
        update mail_queue set status = 'sending', lease_owner = ${owner}, lease_expires = ${now + o.leaseMs}, attempts = attempts + 1
        where id in (select id from mail_queue where ${due} order by next_attempt_at limit ${o.batchSize} for update skip locked)
        returning id, app_id, recipient, template, locale, variables, attempts`.execute(store.db);
      return rows;
    }
    // SQLite runs one write at a time: the statement alone is the claim.
    return store.write(async (tx) => {
      const { rows } = await sql<Claimed>`
        update mail_queue set status = 'sending', lease_owner = ${owner}, lease_expires = ${now + o.leaseMs}, attempts = attempts + 1
        where id in (select id from mail_queue where ${due} order by next_attempt_at limit ${o.batchSize})
        returning id, app_id, recipient, template, locale, variables, attempts`.execute(tx);
      return rows;
    });
  }

  async function finish(id: number, set: Record<string, unknown>): Promise<void> {
    await store.write((tx) =>
      tx
        .updateTable('mail_queue')
        .set({ lease_owner: null, lease_expires: null, ...set })
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .execute(),
    );
  }

  async function deliver(mail: Claimed): Promise<void> {
    const attempts = Number(mail.attempts);
    const fields = { mailId: Number(mail.id), appId: Number(mail.app_id), template: mail.template, attempt: attempts };
    try {
      if (!isMailTemplate(mail.template)) throw new PermanentError(`unknown template ${mail.template}`);
      const variables = templateVariables[mail.template].parse(JSON.parse(mail.variables));
      const rendered = renderMail(mail.template, mail.locale, variables as never);
      await transport.send({
        from: o.from,
        to: mail.recipient,
        ...rendered,
        messageId: `<mail-${mail.id}.${mail.app_id}@${messageHost}>`,
        fileStem: `mail-${String(mail.id).padStart(10, '0')}-${mail.template}`,
      });
    } catch (err) {
      await failed(mail, attempts, fields, err);
      return;
    }
    log.info({ ...fields, via: transport.kind }, 'mail sent');
    // Sent: a failure to record it must not count as a failed send (that would send it again now).
    try {
      await finish(Number(mail.id), { status: 'sent', finished_at: Date.now(), variables: '{}', last_error: null });
    } catch (err) {
      log.warn({ ...fields, error: describe(err) }, 'mail sent but not recorded; it goes out again when its lease expires');
    }
  }

  async function failed(mail: Claimed, attempts: number, fields: Record<string, unknown>, err: unknown): Promise<void> {
    const error = describe(err);
    const permanent = err instanceof PermanentError || isPermanentSmtp(err);
    if (permanent || attempts >= o.maxAttempts) {
      await finish(Number(mail.id), { status: 'failed', finished_at: Date.now(), variables: '{}', last_error: error }).catch(() => {});
      log.error({ ...fields, error }, 'mail given up');
      return;
    }
    const delay = retryDelay(attempts, o.retryBaseMs, o.retryMaxMs);
    await finish(Number(mail.id), { status: 'pending', next_attempt_at: Date.now() + delay, last_error: error }).catch(() => {});
    log.warn({ ...fields, error, retryInMs: delay }, 'mail not sent; will retry');
    schedule(delay);
  }

  let lastSweep = 0;

  async function sweep(now: number): Promise<void> {
    if (now - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = now;
    await store.write((tx) =>
      tx
        .deleteFrom('mail_queue')
        .where('status', 'in', ['sent', 'failed'])
        .where('finished_at', '<', now - o.retentionMs)
        .execute(),
    );
  }

  async function cycle(): Promise<void> {
    await sweep(Date.now()).catch((err) => log.warn({ error: describe(err) }, 'mail retention sweep failed'));
    do {
      again = false;
      let batch: Claimed[];
      try {
        batch = await claim(Date.now());
      } catch (err) {
        if (!stopped) log.warn({ error: describe(err) }, 'mail queue unreadable; will retry');
        return;
      }
      await Promise.all(batch.map(deliver));
      if (batch.length === o.batchSize) again = true;
    } while (again && !stopped);
  }

  function run(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = cycle().finally(() => {
      running = undefined;
      if (again && !stopped) run();
    });
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    setTimeout(run, delayMs).unref();
  }

  const poll = () => {
    if (stopped) return;
    run();
    timer = setTimeout(poll, o.pollMs);
    timer.unref();
  };
  timer = setTimeout(poll, 0);
  timer.unref();

  const unregister = registerMailWorker({ wake: run });
  const listener = store.dialect === 'postgres' && options.databaseUrl ? listen(options.databaseUrl, run, log) : undefined;

  return {
    wake: run,
    async stop() {
      if (stopped) return;
      stopped = true;
      unregister();
      if (timer) clearTimeout(timer);
      await listener?.close();
      // A send stuck on a slow server is left to its lease: another process, or the next start, takes it over.
      if (running) await Promise.race([running, new Promise((r) => setTimeout(r, 5_000).unref())]);
      transport.close();
    },
  };
}

class PermanentError extends Error {}

/** SMTP 5xx answers other than to the connection (a refused recipient, a refused message) will not change on retry. */
function isPermanentSmtp(err: unknown): boolean {
  const code = (err as { responseCode?: number })?.responseCode;
  const command = (err as { command?: string })?.command;
  return typeof code === 'number' && code >= 500 && code < 600 && (command === 'RCPT TO' || command === 'DATA');
}

function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; responseCode?: number };
  const text = [e?.code, e?.message ?? String(err)].filter(Boolean).join(': ');
  return text.slice(0, 500);
}

/** LISTEN on the mail channel with a connection of its own; reconnects after a failure. */
function listen(databaseUrl: string, onNotice: () => void, log: Logger): { close(): Promise<void> } {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('error', () => {
      if (client === c) client = undefined;
      c.end().catch(() => {});
      if (!closed) retry = setTimeout(connect, 5_000).unref();
    });
    c.on('notification', onNotice);
    try {
      await c.connect();
      await c.query(`listen ${MAIL_CHANNEL}`);
      if (closed) {
        await c.end();
        return;
      }
      client = c;
      // Mail queued while the connection was down.
      onNotice();
    } catch (err) {
      await c.end().catch(() => {});
      log.debug({ error: describe(err) }, 'mail queue listener could not connect; polling meanwhile');
      if (!closed) retry = setTimeout(connect, 5_000).unref();
    }
  };
  void connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
