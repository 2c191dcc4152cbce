/** Account safety for the sign-in calls: failed-login throttling and equal-time password checks. */
export { checkLoginAllowed, recordLoginFailure, recordLoginSuccess, sweepLoginThrottle, tooManyAttempts, addressKey, DEFAULT_THROTTLE, type LoginAllowed, type LoginSubject, type ThrottleApp, type ThrottlePolicy, type ThrottleRule, type ThrottleOptions } from './throttle.js';
export { equalTimeVerify, DUMMY_ARGON2ID_HASH } from './equal-time.js';
export { verifyLegacyPassword, needsRehash, isLegacyPasswordType, type StoredPassword } from '../../../crypto/legacy-passwords.js';
export { safetyMigrations } from './migrations.js';
export type { SafetyTables } from './tables.js';
