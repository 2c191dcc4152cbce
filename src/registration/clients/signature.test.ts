import { describe, expect, it } from 'vitest';
import { formatSignatureDate, isFresh, parseSignatureDate, signingString, signRefresh, signRequest, SIGNATURE_WINDOW_MS } from './signature.js';

describe('signed requests (NOTES.md §3.3)', () => {
  it('reproduces the known answer', () => {
    const params = { param1: 'this is a string', param2: '10', param3: 'one=1\ntwo=2,three=3' };
    expect(signRequest('bar', '/entity', '2000-01-01 01:01:01', params)).toBe('G3N5RxCVc0d6rDLmBRGvcg2hCVY=');
  });

  it('signs sorted raw k=v lines, leaving out client_id, client_secret and access_token', () => {
    const s = signingString('/entity.find', '2016-02-26 19:08:44', { type_name: 'user', filter: "lastUpdated >= '2016-01-01'", client_id: 'c', client_secret: 's', access_token: 't' });
    expect(s).toBe("/entity.find\n2016-02-26 19:08:44\nfilter=lastUpdated >= '2016-01-01'\ntype_name=user\n");
    expect(signingString('/entity', 'd', {})).toBe('/entity\nd\n');
  });

  it('reads Janrain dates (and HTTP dates) as UTC; impossible dates are not dates', () => {
    expect(parseSignatureDate('2000-01-01 01:01:01')).toBe(Date.UTC(2000, 0, 1, 1, 1, 1));
    expect(parseSignatureDate('Sat, 01 Jan 2000 01:01:01 GMT')).toBe(Date.UTC(2000, 0, 1, 1, 1, 1));
    for (const bad of ['2000-02-31 00:00:00', '2000-01-01 24:00:00', '2000-01-01T01:01:01Z', 'yesterday', '']) expect(parseSignatureDate(bad)).toBeUndefined();
    expect(formatSignatureDate(Date.UTC(2000, 0, 1, 1, 1, 1))).toBe('2000-01-01 01:01:01');
  });

  it('is fresh within five minutes either way, stale outside', () => {
    const now = Date.UTC(2020, 5, 1, 12, 0, 0);
    expect(isFresh(formatSignatureDate(now - SIGNATURE_WINDOW_MS), now)).toBe(true);
    expect(isFresh(formatSignatureDate(now + SIGNATURE_WINDOW_MS), now)).toBe(true);
    expect(isFresh(formatSignatureDate(now - SIGNATURE_WINDOW_MS - 1000), now)).toBe(false);
    expect(isFresh(formatSignatureDate(now + SIGNATURE_WINDOW_MS + 1000), now)).toBe(false);
  });

  it('signs the mobile refresh string refresh_access_token\\n<date>\\n<token>\\n', () => {
    // HMAC-SHA1("secret", "refresh_access_token\n2000-01-01 01:01:01\ntoken\n"), computed independently with openssl.
    expect(signRefresh('secret', '2000-01-01 01:01:01', 'token')).toBe('lPRB0VDBok1cLBVu1NsKq7zymuA=');
  });
});

