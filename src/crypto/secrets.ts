import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** `bytes` random bytes as lowercase hex (an apiKey is randomHex(20): 40 characters). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_ALPHA = 'abcdefghijklmnopqrstuvwxyz';

/** A random string over lowercase letters and digits (request ids, Registration client ids). */
export function randomLowerAlnum(length: number): string {
  return pick(LOWER_ALNUM, length);
}

/** A random string over lowercase letters (Janrain-shaped appIds). */
export function randomLowerAlpha(length: number): string {
  return pick(LOWER_ALPHA, length);
}

function pick(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** The digest under which a verify-only secret (key, token, code) is stored and looked up. */
export function digest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}
