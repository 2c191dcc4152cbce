import { request as httpRequest } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RegistrationError, socialErrors } from './errors.js';
import { boolParam, jsonParam, listParam } from './params.js';
import { installWire, registrationRoute, socialRoute } from './wire.js';

let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  app = Fastify({ logger: false, genReqId: () => 'abcdefgh12345678', bodyLimit: 8 * 1024 * 1024 });
  await installWire(app);
  const echoSchema = z.object({ name: z.string().min(1), flag: boolParam.optional(), list: listParam().optional(), data: jsonParam(z.record(z.string(), z.unknown())).optional() });
  socialRoute(app, '/api/v2/echo', async ({ params }) => ({ echo: params.parse(echoSchema) }));
  socialRoute(app, '/api/v2/list', async () => ({ identifiers: ['a', 'b'], mappings: { '1': ['x'] } }));
  socialRoute(app, '/api/v2/missing', async () => {
    throw socialErrors.dataNotFound();
  });
  socialRoute(app, '/api/v2/boom', async () => {
    throw new Error('secret stack detail');
  });
  socialRoute(app, '/partner/v2/raw', async () => ({ partnerresponse: { stat: 'ok', apikey: 'k' } }), { raw: true });
  registrationRoute(app, '/entity.echo', async ({ params }) => ({ result: params.parse(echoSchema) }));
  registrationRoute(app, '/entity.fail', async () => {
    throw new RegistrationError(310, 'record not found', { argumentName: 'uuid' });
  });
  registrationRoute(app, '/entity.boom', async () => {
    throw new Error('secret stack detail');
  });
  registrationRoute(
    app,
    '/oauth/token',
    async () => {
      throw new RegistrationError(415, 'authorization code expired');
    },
    { surface: 'oauth_token' },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app.close();
});

const form = (params: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });

async function json(path: string, init?: RequestInit) {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, body: JSON.parse(await res.text()), headers: res.headers };
}

describe('parameters', () => {
  it('reads urlencoded bodies, merges the query string and ignores unknown parameters', async () => {
    const r = await json('/api/v2/echo?flag=true&timeout=5', form({ name: 'a b', list: 'x, y', unknown: '1' }));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ stat: 'ok', echo: { name: 'a b', flag: true, list: ['x', 'y'] } });
  });

  it('reads multipart bodies', async () => {
    const fd = new FormData();
    fd.set('name', 'multi');
    fd.set('list', '["p","q"]');
    const r = await json('/api/v2/echo', { method: 'POST', body: fd });
    expect(r.body.echo).toEqual({ name: 'multi', list: ['p', 'q'] });
  });

  it('reads JSON bodies, turning structured values back into JSON text', async () => {
    const r = await json('/entity.echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'j', flag: false, data: { a: 1 }, list: ['z'] }) });
    expect(r.body).toEqual({ stat: 'ok', result: { name: 'j', flag: false, data: { a: 1 }, list: ['z'] } });
  });

  it('reads a form body sent with GET', async () => {
    const body = 'name=from-get-body&flag=false';
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${base}/api/v2/echo`, { method: 'GET', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let out = '';
        res.on('data', (c) => (out += c));
        res.on('end', () => resolve(out));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(JSON.parse(text)).toEqual({ stat: 'ok', echo: { name: 'from-get-body', flag: false } });
  });

  it('names a missing parameter (Social code 0, Registration 100)', async () => {
    const s = await json('/api/v2/echo', form({}));
    expect(s.status).toBe(400);
    expect(s.body).toMatchObject({ stat: 'fail', err: { code: 0, msg: 'Missing parameter: name' } });
    const r = await json('/entity.echo', form({}));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ stat: 'error', code: 100, error: 'missing_argument', argument_name: 'name' });
    expect(r.body.request_id).toMatch(/^[a-z0-9]{16}$/);
  });

  it('rejects malformed JSON and list parameters with code 1 naming the parameter', async () => {
    const a = await json('/api/v2/echo', form({ name: 'x', data: '{oops' }));
    expect(a.body.err).toEqual({ code: 1, msg: 'Invalid parameter: data (is not valid JSON)' });
    const b = await json('/api/v2/echo', form({ name: 'x', list: '["a", 1]' }));
    expect(b.body.err.code).toBe(1);
    expect(b.body.err.msg).toContain('list');
    const c = await json('/api/v2/echo', form({ name: 'x', flag: 'maybe' }));
    expect(c.body.err.msg).toContain('flag');
  });

  it('rejects a malformed JSON body', async () => {
    const r = await json('/api/v2/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(r.status).toBe(400);
    expect(r.body.err).toMatchObject({ code: 1 });
    expect(r.body.err.msg).toContain('body');
  });

  it('rejects binary and over-long values, duplicate conflicting values', async () => {
    const bin = await json('/api/v2/echo', form({ name: 'a\u0000b' }));
    expect(bin.body.err.msg).toBe('Invalid parameter: name (contains binary data)');
    const dup = await json('/entity.echo', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=a&name=b' });
    expect(dup.body).toMatchObject({ code: 201, error: 'duplicate_argument', argument_name: 'name' });
    const long = await json('/api/v2/echo', form({ name: 'x'.repeat(4 * 1024 * 1024 + 1) }));
    expect(long.body.err.msg).toBe('Invalid parameter: name (too long)');
  });

  it('answers a 10 MB body and a wrong content type with a clean error', async () => {
    const big = await json('/api/v2/echo', form({ name: 'x'.repeat(10 * 1024 * 1024) }));
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ stat: 'fail', err: { code: 1 } });
    const wrong = await json('/entity.echo', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name=x' });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ stat: 'error', code: 200 });
    expect(wrong.body.error_description).toContain('content type');
  });
});

describe('envelopes', () => {
  it('renders compact XML with singular children for arrays', async () => {
    const res = await fetch(`${base}/api/v2/list?format=xml`);
    expect(res.headers.get('content-type')).toContain('application/xml');
    const text = await res.text();
    expect(text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><rsp stat="ok"><identifiers><identifier>a</identifier><identifier>b</identifier></identifiers><mappings><mapping key="1"><item>x</item></mapping></mappings></rsp>',
    );
  });

  it('renders XML errors as an err element with attributes', async () => {
    const res = await fetch(`${base}/api/v2/missing?format=xml`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><rsp stat="fail"><err code="2" msg="Data not found" request_id="abcdefgh12345678"></err></rsp>');
  });

  it('wraps JSONP in a validated callback and ignores format', async () => {
    const res = await fetch(`${base}/api/v2/list?callback=window.cb&format=xml`);
    expect(res.headers.get('content-type')).toContain('application/javascript');
    expect(await res.text()).toBe('/**/window.cb({"stat":"ok","identifiers":["a","b"],"mappings":{"1":["x"]}});');
    const bad = await json('/api/v2/list?callback=alert(1)');
    expect(bad.status).toBe(400);
    expect(bad.body.err).toMatchObject({ code: 1, msg: 'Invalid parameter: callback (must be a JavaScript identifier path)' });
  });

  it('leaves raw Partner bodies as they are', async () => {
    const r = await json('/partner/v2/raw', form({}));
    expect(r.body).toEqual({ partnerresponse: { stat: 'ok', apikey: 'k' } });
  });

  it('turns an unexpected exception into code -1 / 500 with a request id and no stack', async () => {
    const s = await fetch(`${base}/api/v2/boom`);
    const text = await s.text();
    expect(s.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ stat: 'fail', err: { code: -1, msg: 'Service Temporarily Unavailable' }, request_id: 'abcdefgh12345678' });
    expect(text).not.toContain('secret');
    const r = await json('/entity.boom', form({}));
    expect(r.body).toMatchObject({ stat: 'error', code: 500, error: 'unexpected_error', request_id: 'abcdefgh12345678' });
    expect(JSON.stringify(r.body)).not.toContain('secret');
  });

  it('answers Registration errors at HTTP 200 with argument_name, and oauth/token at 400 with sub_error', async () => {
    const r = await json('/entity.fail', form({}));
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toEqual({ stat: 'error', code: 310, error: 'record_not_found', error_description: 'record not found', argument_name: 'uuid', request_id: 'abcdefgh12345678' });
    const t = await json('/oauth/token', form({}));
    expect(t.status).toBe(400);
    expect(t.body).toMatchObject({ stat: 'error', error: 'invalid_request', sub_error: 'authorization_code_expired', code: 415 });
  });

  it('answers unknown calls in the envelope of their surface', async () => {
    const s = await json('/api/v2/nope', form({}));
    expect(s.status).toBe(404);
    expect(s.body).toMatchObject({ stat: 'fail', err: { code: 1 } });
    const r = await json('/entity.nope', form({}));
    expect(r.body).toMatchObject({ stat: 'error', code: 200 });
  });
});
