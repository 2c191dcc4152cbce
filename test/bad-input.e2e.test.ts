import { expect, it } from 'vitest';
import { createTestApp } from './fixtures.js';
import { call, describeEachDatabase, TEST_PARTNER_KEY } from './server.js';

/** Issue 2's "Bad input": each answers a clean Janrain error and leaves stored data as it was. */
describeEachDatabase('bad input against the real server', (server) => {
  const post = (path: string, body: string | FormData, contentType?: string) =>
    fetch(`${server().url}${path}`, { method: 'POST', headers: contentType ? { 'content-type': contentType } : undefined, body }).then(async (res) => ({
      status: res.status,
      text: await res.text(),
    }));
  const patterns = async (apiKey: string) => (await call(server().url, '/api/v2/get_domain_patterns', { apiKey })).json.domains;
  const appCount = async () => (await call(server().url, '/partner/v2/apps', { partnerKey: TEST_PARTNER_KEY })).json.apps.length;

  it('missing and wrong keys get codes 0 and 3', async () => {
    expect((await call(server().url, '/api/v2/get_domain_patterns', {})).json.err).toEqual({ code: 0, msg: 'Missing parameter: apiKey' });
    expect((await call(server().url, '/api/v2/get_domain_patterns', { apiKey: 'f'.repeat(40) })).json.err).toEqual({ code: 3, msg: 'Invalid apiKey' });
    expect((await call(server().url, '/partner/v2/apps', {})).json.err.code).toBe(0);
    expect((await call(server().url, '/partner/v2/apps', { partnerKey: 'nope' })).json.err).toEqual({ code: 3, msg: 'Invalid partnerKey' });
  });

  it('a 10 MB body is refused with 413 and creates nothing', async () => {
    const before = await appCount();
    const body = new URLSearchParams({ partnerKey: TEST_PARTNER_KEY, email: 'big@example.com', domain: 'big.example.com', name: 'x'.repeat(10 * 1024 * 1024) }).toString();
    const res = await post('/partner/v2/app/create', body, 'application/x-www-form-urlencoded');
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toMatchObject({ stat: 'fail', err: { code: 1 } });
    expect(await appCount()).toBe(before);
  });

  it('a wrong content type, malformed JSON, a malformed list, binary and over-long values leave the whitelist as it was', async () => {
    const app = await createTestApp(server());
    const before = await patterns(app.apiKey);
    const wrongType = await post('/api/v2/set_domain_patterns', `apiKey=${app.apiKey}&domains=evil.example`, 'text/plain');
    expect(wrongType.status).toBe(415);
    expect(JSON.parse(wrongType.text).err.code).toBe(1);
    const badJson = await post('/api/v2/set_domain_patterns', `{"apiKey":"${app.apiKey}","domains":`, 'application/json');
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.text).err).toMatchObject({ code: 1 });
    const badList = await call(server().url, '/api/v2/set_domain_patterns', { apiKey: app.apiKey, domains: '["a.example",' });
    expect(badList.json.err.code).toBe(1);
    expect(badList.json.err.msg).toContain('domains');
    const binary = await call(server().url, '/api/v2/set_domain_patterns', { apiKey: app.apiKey, domains: 'a.example\u0000' });
    expect(binary.json.err).toEqual({ code: 1, msg: 'Invalid parameter: domains (contains binary data)' });
    const tooMany = await call(server().url, '/api/v2/set_domain_patterns', { apiKey: app.apiKey, domains: Array.from({ length: 5000 }, (_, i) => `h${i}.example`).join(',') });
    expect(tooMany.json.err.code).toBe(1);
    const multipartBinary = new FormData();
    multipartBinary.set('apiKey', app.apiKey);
    multipartBinary.set('domains', 'b.example\u0001');
    expect(JSON.parse((await post('/api/v2/set_domain_patterns', multipartBinary)).text).err.code).toBe(1);
    expect(await patterns(app.apiKey)).toEqual(before);
  });

  it('Registration calls answer the same problems in their own envelope at HTTP 200', async () => {
    const app = await createTestApp(server());
    const badJson = await post('/entity.count', `{"client_id":"${app.ownerClientId}"`, 'application/json');
    expect(badJson.status).toBe(200);
    expect(JSON.parse(badJson.text)).toMatchObject({ stat: 'error', code: 200, error: 'invalid_argument', argument_name: 'body' });
    const wrongType = await post('/entity.count', 'type_name=user', 'application/octet-stream');
    expect(JSON.parse(wrongType.text)).toMatchObject({ stat: 'error', code: 200 });
    expect(JSON.parse(wrongType.text).request_id).toMatch(/^[a-z0-9]{16}$/);
  });
});
