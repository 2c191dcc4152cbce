import { describe, expect, it } from 'vitest';
import { hashPassword } from '../registration/records/passwords.js';
import { isLegacyPasswordType, needsRehash, shaCryptHash, verifyLegacyPassword, type StoredPassword } from './legacy-passwords.js';

/**
 * Known answers. Where each vector came from:
 * - SHA-crypt: Ulrich Drepper's specification "Unix crypt using SHA-256 and SHA-512" (its
 *   published `roundstoolow` vector), the rest produced by glibc/libxcrypt's crypt(3) through
 *   Python's `crypt.crypt` and `openssl passwd -5 / -6`;
 * - bcrypt: libxcrypt's crypt(3) through Python's `crypt.crypt` with `$2a$`, `$2b$`, `$2y$` salts;
 * - md5 / sha1 / sha256 / sha512, plain and salted: `openssl dgst` and Python's hashlib
 *   (salt `S41t` prepended for left, appended for right; hex, and base64 of the raw digest);
 * - pbkdf2: Python's `hashlib.pbkdf2_hmac`, written in Django's `pbkdf2_<digest>$iter$salt$b64`
 *   form, in passlib's `$pbkdf2-<digest>$iter$ab64salt$ab64key` form, and as a bare hex key.
 */
const PASSWORD = 'correct horse battery staple';
const SALT = 'S41t';

const vectors: Array<[string, StoredPassword, string]> = [
  // bcrypt
  ['bcrypt $2b$', { type: 'password-bcrypt', value: '$2b$05$abcdefghijklmnopqrstuuFiPhXf1sVd3pCCRO.uVh34H/qI/ZsuS' }, PASSWORD],
  ['bcrypt $2a$', { type: 'password-bcrypt', value: '$2a$05$abcdefghijklmnopqrstuuFiPhXf1sVd3pCCRO.uVh34H/qI/ZsuS' }, PASSWORD],
  ['bcrypt $2y$', { type: 'password-bcrypt', value: '$2y$05$abcdefghijklmnopqrstuuFiPhXf1sVd3pCCRO.uVh34H/qI/ZsuS' }, PASSWORD],
  ['bcrypt, empty password', { type: 'password-bcrypt', value: '$2b$04$abcdefghijklmnopqrstuubyCG3zY1GIXMyxfivm.ClDiInHzxjiq' }, ''],
  // SHA-crypt
  ['crypt-sha256 default rounds', { type: 'password-crypt-sha256', value: '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5' }, 'Hello world!'],
  ['crypt-sha256 rounds=10000, salt cut to 16', { type: 'password-crypt-sha256', value: '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA' }, 'Hello world!'],
  ['crypt-sha256 rounds below the minimum (spec vector)', { type: 'password-crypt-sha256', value: '$5$rounds=10$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC' }, 'the minimum number is still observed'],
  ['crypt-sha256 unicode password', { type: 'password-crypt-sha256', value: '$5$NaCl0123$JrTwXagLjxv7xgzCIeCz0BRkXK7Oa3r4KStDrAoDNH8' }, 'pässwörd ünïcode'],
  ['crypt-sha512 default rounds', { type: 'password-crypt-sha512', value: '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1' }, 'Hello world!'],
  ['crypt-sha512 rounds=10000', { type: 'password-crypt-sha512', value: '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.' }, 'Hello world!'],
  ['crypt-sha512 rounds=5000 stated', { type: 'password-crypt-sha512', value: '$6$rounds=5000$Zr0RQ5ZJ7kmT6kPn$gBISyshLgAKLzZQvwH.j/5z787e3f98QRkeTZ14lzljCaU/qW0j6oYjEyVK6QmsjR85H88ugZ3lWr56kznV3K0' }, PASSWORD],
  ['crypt-sha512 (openssl passwd -6)', { type: 'password-crypt-sha512', value: '$6$NaCl$HlU.khKnowqdQw4g9ddYPXx2cNC.jrzZRMCV6EgisrY/Rwv6lZUO1X2p1ya4XRmsBZkJZWGza7Lp5Q7FqNhXg/' }, 'x'],
  // md5
  ['md5', { type: 'password-md5', value: '9cc2ae8a1ba7a93da39b46fc1019c481' }, PASSWORD],
  ['md5 upper-case hex', { type: 'password-md5', value: '9CC2AE8A1BA7A93DA39B46FC1019C481' }, PASSWORD],
  ['md5-base64', { type: 'password-md5-base64', value: 'nMKuihunqT2jm0b8EBnEgQ==' }, PASSWORD],
  ['md5-salted-left-hex', { type: 'password-md5-salted-left-hex', value: '0a70ce8476384aa9f95f96d1d81e2c2d', salt: SALT }, PASSWORD],
  ['md5-salted-right-hex', { type: 'password-md5-salted-right-hex', value: 'efb978ba707ca571369423623d9c73ec', salt: SALT }, PASSWORD],
  ['md5-salted-left-base64', { type: 'password-md5-salted-left-base64', value: 'CnDOhHY4Sqn5X5bR2B4sLQ==', salt: SALT }, PASSWORD],
  ['md5-salted-right-base64', { type: 'password-md5-salted-right-base64', value: '77l4unB8pXE2lCNiPZxz7A==', salt: SALT }, PASSWORD],
  ['md5-salted-right-base64 given as hex (as Janrain’s example shows)', { type: 'password-md5-salted-right-base64', value: 'EFB978BA707CA571369423623D9C73EC', salt: SALT }, PASSWORD],
  ['md5-salted-right (no encoding named)', { type: 'password-md5-salted-right', value: 'efb978ba707ca571369423623d9c73ec', salt: SALT }, PASSWORD],
  // sha1
  ['sha1', { type: 'password-sha1', value: 'abf7aad6438836dbe526aa231abde2d0eef74d42' }, PASSWORD],
  ['sha1-salted-right-base64', { type: 'password-sha1-salted-right-base64', value: 'IMMncQlQB+Lz17eNkJByt46Fca8=', salt: SALT }, PASSWORD],
  // sha256
  ['sha256', { type: 'password-sha256', value: 'c4bbcb1fbec99d65bf59d85c8cb62ee2db963f0fe106f483d9afa73bd4e39a8a' }, PASSWORD],
  ['sha256-base64', { type: 'password-sha256-base64', value: 'xLvLH77JnWW/WdhcjLYu4tuWPw/hBvSD2a+nO9Tjmoo=' }, PASSWORD],
  ['sha256-salted-left-hex', { type: 'password-sha256-salted-left-hex', value: '9e4ac0a8622fa39201910912524078c7e7d1ed3ba71465d94f8f8658de984e2b', salt: SALT }, PASSWORD],
  ['sha256-salted-right-hex', { type: 'password-sha256-salted-right-hex', value: '01af333256755735f439990ebff344e407f8a1c3f07bb404f7fdcd7fe98439e8', salt: SALT }, PASSWORD],
  ['sha256-salted-left-base64', { type: 'password-sha256-salted-left-base64', value: 'nkrAqGIvo5IBkQkSUkB4x+fR7TunFGXZT4+GWN6YTis=', salt: SALT }, PASSWORD],
  ['sha256-salted-right-base64', { type: 'password-sha256-salted-right-base64', value: 'Aa8zMlZ1VzX0OZkOv/NE5Af4ocPwe7QE9/3Nf+mEOeg=', salt: SALT }, PASSWORD],
  ['sha-256 alias', { type: 'password-sha-256', value: 'c4bbcb1fbec99d65bf59d85c8cb62ee2db963f0fe106f483d9afa73bd4e39a8a' }, PASSWORD],
  // sha512
  ['sha512', { type: 'password-sha512', value: 'be5ef7679d88ab9a9045f6267e55f5e5784b4b8cd764b5cd855a5244f91c626953cd46c43d7668873fd6efbd3b221249315580031963472a078781fe046e62ae' }, PASSWORD],
  ['sha512-base64', { type: 'password-sha512-base64', value: 'vl73Z52Iq5qQRfYmflX15XhLS4zXZLXNhVpSRPkcYmlTzUbEPXZohz/W7707IhJJMVWAAxljRyoHh4H+BG5irg==' }, PASSWORD],
  ['sha512-salted-left-hex', { type: 'password-sha512-salted-left-hex', value: 'a145885f926018b5b0e74f9e79f930283dad4d40aa89b77341358cd8a644a689350693072d75702905db7c6b44361c6f036877d29e701037ca179477eaecd0b9', salt: SALT }, PASSWORD],
  ['sha512-salted-right-hex', { type: 'password-sha512-salted-right-hex', value: 'd2f0b5730c3341edddcacfb839af613a9551db2d4e1fb9a0709b582b9c750373dfe550f4fafedd868935b478f71ef474f516d7a770524d29ef4353e36056a8ef', salt: SALT }, PASSWORD],
  ['sha512-salted-left-base64', { type: 'password-sha512-salted-left-base64', value: 'oUWIX5JgGLWw50+eefkwKD2tTUCqibdzQTWM2KZEpok1BpMHLXVwKQXbfGtENhxvA2h30p5wEDfKF5R36uzQuQ==', salt: SALT }, PASSWORD],
  ['sha512-salted-right-base64', { type: 'password-sha512-salted-right-base64', value: '0vC1cwwzQe3dys+4Oa9hOpVR2y1OH7mgcJtYK5x1A3Pf5VD0+v7dhok1tHj3HvR09RbXp3BSTSnvQ1PjYFao7w==', salt: SALT }, PASSWORD],
  // pbkdf2
  ['pbkdf2 Django sha1', { type: 'password-pbkdf2', value: 'pbkdf2_sha1$1000$seasalt42$nukJe+JblGitvpfjvIxmo5q0Qsc=' }, PASSWORD],
  ['pbkdf2 Django sha256', { type: 'password-pbkdf2-sha256', value: 'pbkdf2_sha256$10000$seasalt42$t8go9t44Wb6Y1Sfq1a2e6WU9u3YTZYnhdgyew0c/8hE=' }, PASSWORD],
  ['pbkdf2 Django sha512', { type: 'password-pbkdf2', value: 'pbkdf2_sha512$5000$seasalt42$XYWC21cQAGkbEU5ofsEM1ND8h4/mw7fHoRDVTqr21Ppp1J6d/JDvHMtTH8AHoGfgUMZAAzOiFi/3gYRhJAq9qw==' }, PASSWORD],
  ['pbkdf2 passlib sha256', { type: 'password-pbkdf2', value: '$pbkdf2-sha256$2000$Dx4tPEtaaXiHlqW0w9Lh8A$a1.HRTZSmg1KANn0SeRsQI8iAjWLHxWmCtXbq2VDYwE' }, PASSWORD],
  ['pbkdf2 passlib sha512', { type: 'password-pbkdf2-sha512', value: '$pbkdf2-sha512$2000$Dx4tPEtaaXiHlqW0w9Lh8A$kNCNOeB1bkyWqeCEt6W3PRu3CSMIKCjqinW93naB.55q67X6sU/jrpGo8rFzUtLHI92bln8W4hOJRgsfY4Gp5w' }, PASSWORD],
  ['pbkdf2 passlib sha1', { type: 'password-pbkdf2-sha1', value: '$pbkdf2$2000$Dx4tPEtaaXiHlqW0w9Lh8A$NuU6Y8wRp53LESwtie1DldFUbT0' }, PASSWORD],
  ['pbkdf2-sha1 bare key + salt + iterations', { type: 'password-pbkdf2-sha1', value: '9ee9097be25b9468adbe97e3bc8c66a39ab442c7', salt: 'seasalt42', iterations: 1000 }, PASSWORD],
  ['pbkdf2-sha256 bare key + salt + iterations (string)', { type: 'password-pbkdf2-sha256', value: 'b7c828f6de3859be98d527ead5ad9ee9653dbb76136589e1760c9ec3473ff211', salt: 'seasalt42', iterations: '10000' }, PASSWORD],
  ['pbkdf2-sha512 bare key + salt + rounds', { type: 'password-pbkdf2-sha512', value: '5d8582db571000691b114e687ec10cd4d0fc878fe6c3b7c7a110d54eaaf6d4fa69d49e9dfc90ef1ccb531fc007a067e050c6400333a2162ff7818461240abdab', salt: 'seasalt42', rounds: 5000 }, PASSWORD],
];

describe('verifyLegacyPassword known answers', () => {
  it.each(vectors)('%s matches its password', async (_name, stored, password) => {
    expect(await verifyLegacyPassword(stored, password)).toBe(true);
  });

  it.each(vectors)('%s refuses a wrong password', async (_name, stored, password) => {
    expect(await verifyLegacyPassword(stored, `${password}x`)).toBe(false);
    expect(await verifyLegacyPassword(stored, password.length > 1 ? password.slice(0, -1) : 'y')).toBe(false);
  });

  it.each(vectors)('%s is a known type that needs rehashing', (_name, stored) => {
    expect(isLegacyPasswordType(stored.type)).toBe(true);
    expect(needsRehash(stored)).toBe(true);
  });
});

describe('verifyLegacyPassword edge cases', () => {
  it('a salted type without its salt, or with another salt, never matches', async () => {
    expect(await verifyLegacyPassword({ type: 'password-md5-salted-right-hex', value: 'efb978ba707ca571369423623d9c73ec' }, PASSWORD)).toBe(false);
    expect(await verifyLegacyPassword({ type: 'password-md5-salted-right-hex', value: 'efb978ba707ca571369423623d9c73ec', salt: 'other' }, PASSWORD)).toBe(false);
    // Left and right are not interchangeable.
    expect(await verifyLegacyPassword({ type: 'password-md5-salted-left-hex', value: 'efb978ba707ca571369423623d9c73ec', salt: SALT }, PASSWORD)).toBe(false);
  });

  it('unknown types, malformed values and digests of the wrong length never match', async () => {
    expect(await verifyLegacyPassword({ type: 'password-rot13', value: 'pbeerpg' }, 'correct')).toBe(false);
    expect(await verifyLegacyPassword({ type: 'password-md5', value: 'not a hash' }, PASSWORD)).toBe(false);
    expect(await verifyLegacyPassword({ type: 'password-sha256', value: '9cc2ae8a1ba7a93da39b46fc1019c481' }, PASSWORD)).toBe(false);
    expect(await verifyLegacyPassword({ type: 'password-bcrypt', value: '$2x$05$abcdefghijklmnopqrstuuFiPhXf1sVd3pCCRO.uVh34H/qI/ZsuS' }, PASSWORD)).toBe(false);
    expect(await verifyLegacyPassword({ type: 'password-bcrypt', value: '$2b$05$short' }, PASSWORD)).toBe(false);
    expect(await verifyLegacyPassword({ type: 'password-crypt-sha256', value: '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1' }, 'Hello world!')).toBe(false);
    expect(await verifyLegacyPassword({ type: 'password-pbkdf2', value: 'pbkdf2_sha256$10000$seasalt42$!!!' }, PASSWORD)).toBe(false);
    expect(await verifyLegacyPassword({ type: 'password-pbkdf2-sha256', value: 'b7c828f6de3859be98d527ead5ad9ee9653dbb76136589e1760c9ec3473ff211' }, PASSWORD)).toBe(false);
    expect(await verifyLegacyPassword({ type: 'password-argon2id', value: '$argon2id$v=19$m=19456,t=2,p=1$abc$def' }, PASSWORD)).toBe(false);
    expect(isLegacyPasswordType('password-argon2id')).toBe(false);
  });

  it('refuses absurd work factors instead of computing them', async () => {
    const started = performance.now();
    expect(await verifyLegacyPassword({ type: 'password-crypt-sha512', value: '$6$rounds=999999999$salt$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1' }, 'x')).toBe(false);
    expect(await verifyLegacyPassword({ type: 'password-bcrypt', value: '$2b$31$abcdefghijklmnopqrstuuFiPhXf1sVd3pCCRO.uVh34H/qI/ZsuS' }, 'x')).toBe(false);
    expect(await verifyLegacyPassword({ type: 'password-pbkdf2', value: 'pbkdf2_sha256$999999999$s$t8go9t44Wb6Y1Sfq1a2e6WU9u3YTZYnhdgyew0c/8hE=' }, 'x')).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('type names are case-insensitive and accept the usual spellings', () => {
    for (const t of ['PASSWORD-BCRYPT', 'password-sha512-crypt', 'password-sha-512', 'password-pbkdf2-hmac-sha256', 'password-sha2-256-salted-left-base64']) {
      expect(isLegacyPasswordType(t)).toBe(true);
    }
  });

  it('shaCryptHash reproduces the specification’s salt-truncation vector', () => {
    // Drepper's specification: "$5$rounds=5000$toolongsaltstring" hashes with the salt cut to 16 characters.
    expect(shaCryptHash('sha256', Buffer.from('This is just a test'), Buffer.from('toolongsaltstrin'), 5000)).toBe('Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5');
  });
});

describe('needsRehash', () => {
  it('is false only for argon2id with the current parameters', async () => {
    const current = { type: 'password-argon2id', value: await hashPassword('x') };
    expect(needsRehash(current)).toBe(false);
    expect(needsRehash({ type: 'password-argon2id', value: current.value.replace('m=19456', 'm=65536') })).toBe(true);
    expect(needsRehash({ type: 'password-argon2id', value: current.value.replace('t=2', 't=1') })).toBe(true);
    expect(needsRehash({ type: 'password-argon2id', value: '$argon2i$v=19$m=19456,t=2,p=1$abc$def' })).toBe(true);
    expect(needsRehash(undefined)).toBe(true);
  });
});
