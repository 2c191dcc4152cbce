import { importPKCS8, SignJWT } from 'jose';
import { digest } from '../crypto/secrets.js';

/**
 * Sign in with Apple has no static client secret: the client authenticates with a JWT signed
 * (ES256) by a private key from the developer account (team id, key id, key). A secret lives
 * for an hour and is reused for 50 minutes, which also keeps the cached client configuration.
 */
const LIFETIME_SECONDS = 60 * 60;
const REUSE_MS = 50 * 60 * 1000;
const cache = new Map<string, { secret: string; until: number }>();

export interface AppleKey {
  teamId: string;
  keyId: string;
  /** PKCS#8 PEM (the `.p8` file Apple hands out). */
  privateKey: string;
}

export async function appleClientSecret(clientId: string, key: AppleKey, now = Date.now()): Promise<string> {
  const cacheKey = [clientId, key.teamId, key.keyId, digest(key.privateKey)].join('\n');
  const hit = cache.get(cacheKey);
  if (hit && hit.until > now) return hit.secret;
  const signingKey = await importPKCS8(key.privateKey.replace(/\\n/g, '\n'), 'ES256');
  const iat = Math.floor(now / 1000);
  const secret = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: key.keyId })
    .setIssuer(key.teamId)
    .setSubject(clientId)
    .setAudience('https://appleid.apple.com')
    .setIssuedAt(iat)
    .setExpirationTime(iat + LIFETIME_SECONDS)
    .sign(signingKey);
  if (cache.size > 1000) cache.clear();
  cache.set(cacheKey, { secret, until: now + REUSE_MS });
  return secret;
}
