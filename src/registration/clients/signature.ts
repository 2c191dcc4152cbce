import { createHmac } from 'node:crypto';

/**
 * Janrain's signed requests (NOTES.md §3.3): `Authorization: Signature <client_id>:<sig>` with
 * `sig = base64(HMAC-SHA1(client_secret, path + "\n" + date + "\n" + lines))`, where `lines` are
 * the call's parameters as sorted `k=v` lines, each ending in "\n", values raw.
 */

/** Parameters that never take part in the signature. */
const UNSIGNED = new Set(['client_id', 'client_secret', 'access_token']);

/**
 * How far a signed request's Date may lie from our clock (ours): a captured request stops
 * working after this, and clients with a slightly wrong clock still get through.
 */
export const SIGNATURE_WINDOW_MS = 5 * 60 * 1000;

export function signingString(path: string, date: string, params: Record<string, string>): string {
  const lines = Object.entries(params)
    .filter(([name]) => !UNSIGNED.has(name))
    .map(([name, value]) => `${name}=${value}\n`)
    .sort();
  return `${path}\n${date}\n${lines.join('')}`;
}

export function signRequest(secret: string, path: string, date: string, params: Record<string, string>): string {
  return createHmac('sha1', secret).update(signingString(path, date, params), 'utf8').digest('base64');
}

/** The mobile `oauth/refresh_access_token` signature (NOTES.md §4), keyed by the app's refresh_secret. */
export function signRefresh(refreshSecret: string, date: string, accessToken: string): string {
  return createHmac('sha1', refreshSecret).update(`refresh_access_token\n${date}\n${accessToken}\n`, 'utf8').digest('base64');
}

const JANRAIN_DATE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/**
 * The instant a signature's date names: Janrain's `YYYY-MM-DD HH:MM:SS` (UTC); an HTTP date
 * (`Sat, 01 Jan 2000 01:01:01 GMT`) is also understood. Undefined when it is neither.
 */
export function parseSignatureDate(text: string): number | undefined {
  const m = JANRAIN_DATE.exec(text.trim());
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
    const at = Date.UTC(y, mo - 1, d, h, mi, s);
    const back = new Date(at);
    // Date.UTC rolls 2000-02-31 over into March; a real date survives the round trip.
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
    return at;
  }
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text.trim())) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

/** Whether a signature's date lies within the window around `now`. */
export function isFresh(date: string, now = Date.now()): boolean {
  const at = parseSignatureDate(date);
  return at !== undefined && Math.abs(now - at) <= SIGNATURE_WINDOW_MS;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, as clients put it in the Date header. */
export function formatSignatureDate(at: number): string {
  return new Date(at).toISOString().slice(0, 19).replace('T', ' ');
}
