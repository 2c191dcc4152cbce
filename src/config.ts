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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

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
  logLevel: string;
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
    logLevel: e.LOG_LEVEL,
  };
}
