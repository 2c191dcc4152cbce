import { decodeProtectedHeader, exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { appleClientSecret } from './apple-secret.js';

describe('Sign in with Apple client secret', () => {
  it('is an ES256 JWT from the team to Apple about the Services ID, reused within the hour', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const now = Date.UTC(2030, 0, 1);
    const secret = await appleClientSecret('com.example.web', { teamId: 'TEAM123456', keyId: 'KEY1234567', privateKey: pem }, now);
    expect(decodeProtectedHeader(secret)).toEqual({ alg: 'ES256', kid: 'KEY1234567' });
    const { payload } = await jwtVerify(secret, await importSPKI(await exportSPKI(publicKey), 'ES256'), { currentDate: new Date(now), issuer: 'TEAM123456', audience: 'https://appleid.apple.com', subject: 'com.example.web' });
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
    expect(await appleClientSecret('com.example.web', { teamId: 'TEAM123456', keyId: 'KEY1234567', privateKey: pem }, now + 10 * 60 * 1000)).toBe(secret);
    expect(await appleClientSecret('com.example.web', { teamId: 'TEAM123456', keyId: 'KEY1234567', privateKey: pem }, now + 55 * 60 * 1000)).not.toBe(secret);
  });

  it('refuses a key that is not an ES256 PKCS#8 key', async () => {
    await expect(appleClientSecret('com.example.web', { teamId: 'T', keyId: 'K', privateKey: 'not a key' })).rejects.toThrow();
  });
});
