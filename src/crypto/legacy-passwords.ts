import { createHash, pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { ARGON2ID_TYPE } from '../registration/records/passwords.js';
import { ARGON2ID } from './argon2id.js';

/**
 * Verifiers for password hashes imported from other systems (entity.bulkCreate / entity.create
 * with `{"type":"password-<scheme>","value":…,"salt":…}`), so that those users can sign in
 * once and have their hash replaced by argon2id (see needsRehash). Type names follow
 * Janrain's `password-<scheme>` names; docs/mail.md lists every scheme, alias and format.
 */

export interface StoredPassword {
  type: string;
  value: string;
  salt?: string;
  /** pbkdf2 without a self-describing value: the iteration count (`rounds` is accepted too). */
  iterations?: number | string;
  rounds?: number | string;
}

type DigestName = 'md5' | 'sha1' | 'sha256' | 'sha512';

const DIGEST_BYTES: Record<DigestName, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

/**
 * Work factors beyond these are refused (the password does not match): an imported hash is
 * verified on every sign-in until it is replaced, so one absurd value must not stall the server.
 */
const MAX_BCRYPT_COST = 16;
const MAX_SHA_CRYPT_ROUNDS = 10_000_000;
const MAX_PBKDF2_ITERATIONS = 10_000_000;

const pbkdf2Async = promisify(pbkdf2);

/** Whether `password` matches an imported legacy hash. Unknown types and malformed values never match. */
export async function verifyLegacyPassword(stored: StoredPassword, password: string): Promise<boolean> {
  if (typeof stored?.type !== 'string' || typeof stored.value !== 'string' || typeof password !== 'string') return false;
  const scheme = legacyScheme(stored.type);
  if (!scheme) return false;
  try {
    switch (scheme.kind) {
      case 'bcrypt':
        return await verifyBcrypt(stored.value, password);
      case 'sha-crypt':
        return verifyShaCrypt(scheme.digest, stored.value, password);
      case 'digest':
        return verifyDigest(scheme, stored, password);
      case 'pbkdf2':
        return await verifyPbkdf2(scheme.digest, stored, password);
    }
  } catch {
    return false;
  }
}

/** Whether a stored password should be replaced by a fresh argon2id hash at the next successful sign-in. */
export function needsRehash(stored: { type?: unknown; value?: unknown } | undefined): boolean {
  if (!stored || stored.type !== ARGON2ID_TYPE || typeof stored.value !== 'string') return true;
  const m = /^\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored.value);
  if (!m) return true;
  return Number(m[1]) !== 19 || Number(m[2]) !== ARGON2ID.memoryCost || Number(m[3]) !== ARGON2ID.timeCost || Number(m[4]) !== ARGON2ID.parallelism;
}

/** Whether a type names a scheme verifyLegacyPassword knows. */
export function isLegacyPasswordType(type: string): boolean {
  return legacyScheme(type) !== undefined;
}

type Scheme =
  | { kind: 'bcrypt' }
  | { kind: 'sha-crypt'; digest: 'sha256' | 'sha512' }
  | { kind: 'digest'; digest: DigestName; salt?: 'left' | 'right'; encoding?: 'hex' | 'base64' }
  | { kind: 'pbkdf2'; digest?: 'sha1' | 'sha256' | 'sha512' };

function digestName(text: string): DigestName | undefined {
  switch (text) {
    case 'md5':
      return 'md5';
    case 'sha1':
    case 'sha-1':
      return 'sha1';
    case 'sha256':
    case 'sha-256':
    case 'sha2-256':
      return 'sha256';
    case 'sha512':
    case 'sha-512':
    case 'sha2-512':
      return 'sha512';
    default:
      return undefined;
  }
}

function legacyScheme(type: string): Scheme | undefined {
  const t = type.toLowerCase();
  if (!t.startsWith('password-')) return undefined;
  const name = t.slice('password-'.length);
  if (/^(bcrypt|bcrypt-2a|bcrypt-2b|bcrypt-2y|blowfish)$/.test(name)) return { kind: 'bcrypt' };
  let m = /^(?:crypt-(sha-?256|sha-?512)|(sha-?256|sha-?512)-crypt)$/.exec(name);
  if (m) return { kind: 'sha-crypt', digest: digestName((m[1] ?? m[2])!) as 'sha256' | 'sha512' };
  m = /^pbkdf2(?:-(?:hmac-)?(sha-?1|sha-?256|sha-?512))?$/.exec(name);
  if (m) return { kind: 'pbkdf2', digest: m[1] ? (digestName(m[1]) as 'sha1' | 'sha256' | 'sha512') : undefined };
  m = /^(md5|sha-?1|sha2?-?256|sha2?-?512)(?:-salted-(left|right))?(?:-(hex|base64))?$/.exec(name);
  if (m) {
    const digest = digestName(m[1]!);
    if (!digest) return undefined;
    return { kind: 'digest', digest, salt: m[2] as 'left' | 'right' | undefined, encoding: m[3] as 'hex' | 'base64' | undefined };
  }
  return undefined;
}

/** Constant-time equality of two byte strings (lengths are not secret). */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// ---- bcrypt ($2a$ / $2b$ / $2y$; $2x$ is refused: it marks hashes of the old sign-extension bug)

async function verifyBcrypt(value: string, password: string): Promise<boolean> {
  const m = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(value);
  if (!m || Number(m[1]) < 4 || Number(m[1]) > MAX_BCRYPT_COST) return false;
  // bcryptjs's asynchronous form yields to the event loop between rounds.
  return bcrypt.compare(password, value);
}

// ---- plain and salted digests

/**
 * The digest bytes a stored value encodes. The type's suffix says how it was encoded, but
 * exporters disagree (Janrain's own example shows a hex value under a `-base64` type), and hex
 * and base64 of one digest length never have the same length: both are read.
 */
function decodeDigest(value: string, bytes: number): Buffer | undefined {
  const v = value.trim();
  if (v.length === bytes * 2 && /^[0-9a-f]+$/i.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) {
    const decoded = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (decoded.length === bytes) return decoded;
  }
  return undefined;
}

function verifyDigest(scheme: { digest: DigestName; salt?: 'left' | 'right' }, stored: StoredPassword, password: string): boolean {
  const expected = decodeDigest(stored.value, DIGEST_BYTES[scheme.digest]);
  if (!expected) return false;
  let input = password;
  if (scheme.salt) {
    if (typeof stored.salt !== 'string') return false;
    input = scheme.salt === 'left' ? stored.salt + password : password + stored.salt;
  }
  return sameBytes(createHash(scheme.digest).update(input, 'utf8').digest(), expected);
}

// ---- pbkdf2

/** Base64 in any of its spellings: standard, URL-safe, passlib's `.` for `+`, padded or not. */
function decodeBase64Loose(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/._-]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text.replace(/\./g, '+').replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

async function verifyPbkdf2(typeDigest: 'sha1' | 'sha256' | 'sha512' | undefined, stored: StoredPassword, password: string): Promise<boolean> {
  const parsed = parsePbkdf2(typeDigest, stored);
  if (!parsed) return false;
  const { digest, iterations, salt, expected } = parsed;
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) return false;
  if (expected.length < 8 || expected.length > 256) return false;
  const derived = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, expected.length, digest);
  return sameBytes(derived, expected);
}

interface Pbkdf2Parts {
  digest: 'sha1' | 'sha256' | 'sha512';
  iterations: number;
  salt: Buffer;
  expected: Buffer;
}

/**
 * Three forms: Django's `pbkdf2_sha256$<iterations>$<salt as text>$<base64 key>`, passlib/PHC's
 * `$pbkdf2-sha256$<iterations>$<ab64 salt>$<ab64 key>` (`$pbkdf2$` is SHA-1), or a bare key
 * (hex or base64) with `salt` (text) and `iterations` beside it.
 */
function parsePbkdf2(typeDigest: 'sha1' | 'sha256' | 'sha512' | undefined, stored: StoredPassword): Pbkdf2Parts | undefined {
  const value = stored.value.trim();
  let m = /^pbkdf2_(sha1|sha256|sha512)\$(\d{1,9})\$([^$]*)\$([A-Za-z0-9+/=]+)$/.exec(value);
  if (m) {
    const expected = decodeBase64Loose(m[4]!);
    if (!expected) return undefined;
    return { digest: m[1] as Pbkdf2Parts['digest'], iterations: Number(m[2]), salt: Buffer.from(m[3]!, 'utf8'), expected };
  }
  m = /^\$pbkdf2(?:-(sha256|sha512))?\$(\d{1,9})\$([A-Za-z0-9./+=_-]*)\$([A-Za-z0-9./+=_-]+)$/.exec(value);
  if (m) {
    const salt = decodeBase64Loose(m[3]!);
    const expected = decodeBase64Loose(m[4]!);
    if (!salt || !expected) return undefined;
    return { digest: (m[1] ?? 'sha1') as Pbkdf2Parts['digest'], iterations: Number(m[2]), salt, expected };
  }
  if (value.includes('$')) return undefined;
  const iterations = Number(stored.iterations ?? stored.rounds);
  if (typeof stored.salt !== 'string' || !Number.isFinite(iterations)) return undefined;
  const expected = /^[0-9a-f]+$/i.test(value) && value.length % 2 === 0 ? Buffer.from(value, 'hex') : decodeBase64Loose(value);
  if (!expected) return undefined;
  return { digest: typeDigest ?? 'sha256', iterations, salt: Buffer.from(stored.salt, 'utf8'), expected };
}

// ---- SHA-crypt ($5$ / $6$), Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512", as glibc implements it

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The byte triples each group of four output characters encodes, in the specification's order. */
const SHA256_ORDER = [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29]];
const SHA512_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10],
  [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

function encode24(out: string[], b2: number, b1: number, b0: number, chars: number): void {
  let w = (b2 << 16) | (b1 << 8) | b0;
  for (let i = 0; i < chars; i++) {
    out.push(CRYPT_ALPHABET[w & 0x3f]!);
    w >>>= 6;
  }
}

/** The 43 (SHA-256) or 86 (SHA-512) characters of the hash for a password, salt and round count. */
export function shaCryptHash(digest: 'sha256' | 'sha512', password: Buffer, salt: Buffer, rounds: number): string {
  const size = digest === 'sha256' ? 32 : 64;
  const h = () => createHash(digest);
  const repeat = (source: Buffer, length: number) => {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i += source.length) source.copy(out, i, 0, Math.min(source.length, length - i));
    return out;
  };

  const b = h().update(password).update(salt).update(password).digest();
  const a = h().update(password).update(salt).update(repeat(b, password.length));
  for (let n = password.length; n > 0; n >>>= 1) a.update(n & 1 ? b : password);
  let c = a.digest();

  const dpHash = h();
  for (let i = 0; i < password.length; i++) dpHash.update(password);
  const p = repeat(dpHash.digest(), password.length);

  const dsHash = h();
  for (let i = 0; i < 16 + c[0]!; i++) dsHash.update(salt);
  const s = repeat(dsHash.digest(), salt.length);

  for (let i = 0; i < rounds; i++) {
    const round = h();
    round.update(i & 1 ? p : c);
    if (i % 3) round.update(s);
    if (i % 7) round.update(p);
    round.update(i & 1 ? c : p);
    c = round.digest();
  }

  const out: string[] = [];
  if (size === 32) {
    for (const [x, y, z] of SHA256_ORDER) encode24(out, c[x!]!, c[y!]!, c[z!]!, 4);
    encode24(out, 0, c[31]!, c[30]!, 3);
  } else {
    for (const [x, y, z] of SHA512_ORDER) encode24(out, c[x!]!, c[y!]!, c[z!]!, 4);
    encode24(out, 0, 0, c[63]!, 2);
  }
  return out.join('');
}

function verifyShaCrypt(digest: 'sha256' | 'sha512', value: string, password: string): boolean {
  const id = digest === 'sha256' ? '5' : '6';
  const m = new RegExp(`^\\$${id}\\$(?:rounds=(\\d{1,10})\\$)?([^$]{0,16})[^$]*\\$([./0-9A-Za-z]+)$`).exec(value.trim());
  if (!m) return false;
  // glibc clamps a stated round count into [1000, 999999999]; 5000 when none is stated.
  const rounds = m[1] === undefined ? 5000 : Math.max(1000, Number(m[1]));
  if (rounds > MAX_SHA_CRYPT_ROUNDS) return false;
  const computed = shaCryptHash(digest, Buffer.from(password, 'utf8'), Buffer.from(m[2]!, 'utf8'), rounds);
  return sameBytes(Buffer.from(computed), Buffer.from(m[3]!));
}
