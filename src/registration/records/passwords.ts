import { argon2idHash, argon2idVerify } from '../../crypto/argon2id.js';
import { randomHex } from '../../crypto/secrets.js';
import type { AttrDef } from '../schema/attr-def.js';
import { PASSWORD_TYPE } from '../schema/attr-def.js';
import { isObject, type Json } from './json.js';
import type { PendingPassword } from './values.js';

export const ARGON2ID_TYPE = 'password-argon2id';

export function hashPassword(plaintext: string): Promise<string> {
  return argon2idHash(plaintext);
}

/** Hashes every plaintext password a write carries, in place; done before the write's transaction opens. */
export async function hashPasswords(pending: PendingPassword[]): Promise<void> {
  await Promise.all(
    pending.map(async ({ holder, plaintext }) => {
      const value = await hashPassword(plaintext);
      delete holder.pending;
      holder.type = ARGON2ID_TYPE;
      holder.value = value;
    }),
  );
}

/**
 * Whether `plaintext` matches a stored password. argon2id is verified here; imported legacy
 * hashes (bcrypt, salted md5/sha…) are kept as given and verified by the sign-in work that
 * replaces them with argon2id, so they do not match here yet.
 */
export async function verifyPassword(stored: Json | undefined, plaintext: string): Promise<boolean> {
  if (!isObject(stored) || typeof stored.value !== 'string') {
    // Same cost as a real check, so that a record without a password answers in the same time.
    await argon2idVerify(await dummyHash(), plaintext).catch(() => false);
    return false;
  }
  if (stored.type !== ARGON2ID_TYPE) return false;
  try {
    return await argon2idVerify(stored.value, plaintext);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= hashPassword(randomHex(16)));

export function isPasswordDef(def: AttrDef): boolean {
  return PASSWORD_TYPE.test(def.type);
}
