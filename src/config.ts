import { z } from 'zod';

const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().min(1).default('sqlite:./data/openrain.db'),
  OPENRAIN_DATA_DIR: z.string().min(1).default('./data'),
  OPENRAIN_PUBLIC_URL: z.string().url().optional(),
  OPENRAIN_PARTNER_KEY: z.string().min(20).max(128).optional(),
  OPENRAIN_SECRET_KEY: z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters').optional(),
  SMTP_URL: z.string().optional(),
  OPENRAIN_MAIL_FROM: z.string().min(3).max(320).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPENRAIN_ALLOW_PRIVATE_CALLBACKS: z.enum(['0', '1', 'true', 'false']).default('0'),
  OPENRAIN_WEBHOOK_GIVE_UP_HOURS: z.coerce.number().positive().max(24 * 365).default(72),
  OPENRAIN_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(1000),
  OPENRAIN_WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(1).max(86_400_000).default(3_600_000),
  OPENRAIN_WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  OPENRAIN_WEBHOOK_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(30),
});

/** Webhook delivery (docs/webhooks.md). */
export interface WebhookConfig {
  /** Callback URLs may name private, loopback and link-local addresses (tests, closed networks). */
  allowPrivateCallbacks: boolean;
  /** An event still failing this long after its change is dead. */
  giveUpMs: number;
  /** Retry delays: full jitter over min(retryMaxMs, retryBaseMs × 2^(failures − 1)). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often an idle worker looks for work other processes created or that became due. */
  pollMs: number;
  /** Delivered and dead events are kept this long for webhooks/deliveries. */
  retentionMs: number;
}

export type Config = {
  port: number;
  host: string;
  databaseUrl: string;
  dataDir: string;
  /** Base URL that browsers and sites use, without a trailing slash. */
  publicUrl: string;
  partnerKey?: string;
  /** Key that seals secrets we must be able to read back; generated into the data dir when unset. */
  secretKey?: string;
  smtpUrl?: string;
  /** The From of every mail (docs/mail.md). */
  mailFrom: string;
  logLevel: string;
  webhooks: WebhookConfig;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.OPENRAIN_DATA_DIR,
    publicUrl: (e.OPENRAIN_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    partnerKey: e.OPENRAIN_PARTNER_KEY,
    secretKey: e.OPENRAIN_SECRET_KEY,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.OPENRAIN_MAIL_FROM ?? `no-reply@${new URL(e.OPENRAIN_PUBLIC_URL ?? `http://localhost:${e.PORT}`).hostname}`,
    logLevel: e.LOG_LEVEL,
    webhooks: {
      allowPrivateCallbacks: e.OPENRAIN_ALLOW_PRIVATE_CALLBACKS === '1' || e.OPENRAIN_ALLOW_PRIVATE_CALLBACKS === 'true',
      giveUpMs: Math.round(e.OPENRAIN_WEBHOOK_GIVE_UP_HOURS * 3_600_000),
      retryBaseMs: e.OPENRAIN_WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.OPENRAIN_WEBHOOK_RETRY_MAX_MS,
      pollMs: e.OPENRAIN_WEBHOOK_POLL_MS,
      retentionMs: Math.round(e.OPENRAIN_WEBHOOK_RETENTION_DAYS * 86_400_000),
    },
  };
}
