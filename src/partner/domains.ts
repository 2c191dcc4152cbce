import { z } from 'zod';
import type { Config } from '../config.js';
import type { Db, Tx } from '../store/store.js';
import { isUniqueViolation } from './unique-violation.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A host name (`login.example.com`), given bare or as a URL; stored lower-cased without a port. */
export const hostParam = z
  .string()
  .trim()
  .max(253)
  .transform((value, ctx) => {
    let host = value.toLowerCase();
    if (/^[a-z][a-z0-9+.-]*:\/\//.test(host)) {
      try {
        host = new URL(host).hostname;
      } catch {
        host = '';
      }
    }
    host = host.replace(/\.$/, '');
    if (!host.includes('.') || !host.split('.').every((l) => LABEL.test(l))) {
      ctx.addIssue({ code: 'custom', message: 'must be a host name such as login.example.com' });
      return z.NEVER;
    }
    return host;
  });

/**
 * A site's domain as `app/create` takes it: a host with an optional port (`www.example.com`,
 * `localhost:3000`) or a URL, kept as `host[:port]` lower-cased.
 */
export const siteDomainParam = z
  .string()
  .trim()
  .max(300)
  .transform((value, ctx) => {
    let text = value.toLowerCase();
    if (/^[a-z][a-z0-9+.-]*:\/\//.test(text)) {
      try {
        text = new URL(text).host;
      } catch {
        text = '';
      }
    }
    const match = /^([^:/]+?)\.?(?::(\d{1,5}))?$/.exec(text);
    const port = match?.[2] === undefined ? undefined : Number(match[2]);
    if (!match || !match[1].split('.').every((l) => LABEL.test(l)) || (port !== undefined && (port < 1 || port > 65535))) {
      ctx.addIssue({ code: 'custom', message: 'must be a domain such as www.example.com' });
      return z.NEVER;
    }
    return port === undefined ? match[1] : `${match[1]}:${port}`;
  });

/**
 * Adds a custom host name the application is served under (a CNAME to its realm host).
 * Host names under our own public host are realms, never custom domains.
 */
export async function addCustomDomain(tx: Tx, config: Config, appRowId: number, domain: string): Promise<'added' | 'exists' | 'reserved'> {
  const publicHost = new URL(config.publicUrl).hostname.toLowerCase();
  if (domain === publicHost || domain.endsWith(`.${publicHost}`)) return 'reserved';
  if (await tx.selectFrom('app_domains').select('id').where('domain', '=', domain).executeTakeFirst()) return 'exists';
  try {
    await tx.insertInto('app_domains').values({ app_id: appRowId, domain, created_at: Date.now() }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) return 'exists';
    throw err;
  }
  return 'added';
}

export async function listCustomDomains(db: Db, appRowId: number): Promise<string[]> {
  const rows = await db.selectFrom('app_domains').select('domain').where('app_id', '=', appRowId).orderBy('id').execute();
  return rows.map((r) => r.domain);
}

/** Providers whose site verification `app/verify_domain` automates (Janrain: Google and Yahoo!). */
export const VERIFYING_PROVIDERS = ['google', 'yahoo'] as const;
export type VerifyingProvider = (typeof VERIFYING_PROVIDERS)[number];

/** The meta tag each provider looks for on the site's home page. */
const META_NAME: Record<VerifyingProvider, string> = { google: 'google-site-verification', yahoo: 'y_key' };

/** A provider's verification file name (`google<hex>.html`, `y_key_<hex>.html`) rather than a meta-tag value. */
export const VERIFICATION_FILE = /^(google[0-9a-f]{8,64}|y_key_[0-9a-f]{8,64})\.html$/;

export async function setDomainVerification(tx: Tx, appRowId: number, provider: VerifyingProvider, code: string): Promise<void> {
  const now = Date.now();
  await tx
    .insertInto('app_domain_verifications')
    .values({ app_id: appRowId, provider, code, updated_at: now })
    .onConflict((oc) => oc.columns(['app_id', 'provider']).doUpdateSet({ code, updated_at: now }))
    .execute();
}

/**
 * The meta tags an application's hosted pages must carry for the verifications it was given
 * (codes that are file names are served as files instead, see routes.ts).
 */
export async function domainVerificationMetaTags(db: Db, appRowId: number): Promise<{ name: string; content: string }[]> {
  const rows = await db.selectFrom('app_domain_verifications').select(['provider', 'code']).where('app_id', '=', appRowId).orderBy('provider').execute();
  return rows
    .filter((r) => !VERIFICATION_FILE.test(r.code) && (r.provider === 'google' || r.provider === 'yahoo'))
    .map((r) => ({ name: META_NAME[r.provider as VerifyingProvider], content: r.code }));
}

/** Whether the application published this verification file name. */
export async function hasVerificationFile(db: Db, appRowId: number, fileName: string): Promise<boolean> {
  if (!VERIFICATION_FILE.test(fileName)) return false;
  return (await db.selectFrom('app_domain_verifications').select('provider').where('app_id', '=', appRowId).where('code', '=', fileName).executeTakeFirst()) !== undefined;
}
