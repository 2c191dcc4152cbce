import { argon2idVerify } from '../../../crypto/argon2id.js';
import { isLegacyPasswordType, verifyLegacyPassword, type StoredPassword } from '../../../crypto/legacy-passwords.js';
import { ARGON2ID_TYPE, verifyPassword } from '../../records/passwords.js';

/**
 * An argon2id hash (current parameters) of a random password nobody knows. Verifying against
 * it costs what verifying a real password costs, so an unknown account, an account without a
 * password and a wrong password all take the same time.
 */
export const DUMMY_ARGON2ID_HASH = '$argon2id$v=19$m=19456,t=2,p=1$aT3eDiOoHDuURUB7+I9gKA$Jd0BREMNe+TfKIUr/P3JghA2Xbnagq5MLf12q2uut5o';

function dummyVerify(password: string): Promise<boolean> {
  return argon2idVerify(DUMMY_ARGON2ID_HASH, password).then(
    () => false,
    () => false,
  );
}

function isStored(value: unknown): value is StoredPassword {
  return typeof value === 'object' && value !== null && typeof (value as StoredPassword).type === 'string' && typeof (value as StoredPassword).value === 'string';
}

/**
 * Whether `password` matches the stored password (argon2id, or an imported legacy hash),
 * taking at least one argon2id verification whatever `stored` is: undefined (no such
 * account), not a password, a social-only account, or a legacy hash (whose own check runs
 * beside a dummy argon2id one). Never throws.
 */
export async function equalTimeVerify(stored: unknown, password: string): Promise<boolean> {
  if (typeof password !== 'string') return false;
  if (isStored(stored) && stored.type === ARGON2ID_TYPE) return verifyPassword({ type: stored.type, value: stored.value }, password);
  if (isStored(stored) && isLegacyPasswordType(stored.type)) {
    const [ok] = await Promise.all([verifyLegacyPassword(stored, password).catch(() => false), dummyVerify(password)]);
    return ok;
  }
  return dummyVerify(password);
}
