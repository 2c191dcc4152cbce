import * as crypto from 'node:crypto';
import { createHash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

/** `bytes` random bytes as lowercase hex (an apiKey is randomHex(20): 40 characters). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

const LOWER_ALNUM = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789', 'latin1');
const LOWER_ALPHA = Buffer.from('abcdefghijklmnopqrstuvwxyz', 'latin1');

/** A random string over lowercase letters and digits (request ids, Registration client ids). */
export function randomLowerAlnum(length: number): string {
  return pick(LOWER_ALNUM, length);
}

/** A random string over lowercase letters (Janrain-shaped appIds). */
export function randomLowerAlpha(length: number): string {
  return pick(LOWER_ALPHA, length);
}

// Random bytes are drawn from the kernel a block at a time: asking for a few bytes per character
// (randomInt) cost more than everything else about making a token.
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

function pick(alphabet: Buffer, length: number): string {
  // Bytes at or above the largest multiple of the alphabet's size are skipped, so that every
  // character is equally likely. The characters are written into bytes and read as text once:
  // a string grown a character at a time must be flattened again by whoever hashes it.
  const size = alphabet.length;
  const limit = 256 - (256 % size);
  const out = Buffer.allocUnsafe(length);
  let n = 0;
  while (n < length) {
    if (poolOffset === POOL_SIZE) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const byte = pool[poolOffset++];
    if (byte < limit) out[n++] = alphabet[byte % size];
  }
  return out.toString('latin1', 0, length);
}

// One-shot hashing (Node ≥ 20.12) skips building a Hash object per call.
// Hex, not 'buffer': crypto.hash's buffer output costs three times as much (Node 20).
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** The digest under which a verify-only secret (key, token, code) is stored and looked up. */
export function digest(secret: string): string {
  return oneShotHash ? oneShotHash('sha256', secret, 'hex') : createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * A text as the bytes safeEqualBytes compares (what safeEqual compares): for stored digests
 * decoded once and compared on many calls, so that a check copies only the given side.
 */
export function comparable(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** safeEqual for bytes: the time depends on the lengths only. */
export function safeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Comparison of two strings whose time depends on their lengths only, never on their content
 * (what we compare, digests, signatures and states, has lengths everyone knows).
 */
export function safeEqual(a: string, b: string): boolean {
  return safeEqualBytes(comparable(a), comparable(b));
}
