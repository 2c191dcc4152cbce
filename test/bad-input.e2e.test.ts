import { expect, it } from 'vitest';
import { createTestApp, type TestApp } from './fixtures.js';
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

  it('every route the server registers answers hostile parameters with a Janrain-shaped error, never a 5xx', async () => {
    const app = await createTestApp(server());
    const routes = registeredRoutes(server().running.app.printRoutes({ commonPrefix: false }));
    expect(routes.length).toBeGreaterThan(100);
    const problems: string[] = [];
    const random = seeded(20261207);
    const credentials = credentialStyles(app);
    for (const route of routes) {
      for (let i = 0; i < REQUESTS_PER_ROUTE; i++) {
        const params: Record<string, string> = { ...credentials[i % credentials.length] };
        const count = 1 + Math.floor(random() * 6);
        for (let j = 0; j < count; j++) params[pick(random, PARAMETER_NAMES)] = pick(random, HOSTILE_VALUES);
        const path = route.path.replace(/:[A-Za-z_]+/g, () => pick(random, [app.appId, app.realm, 'standard', 'x', '%2e%2e']));
        const answer = await send(server().url, route.method, path, params, i % 3 === 0 ? 'json' : 'form');
        const problem = janrainShapeProblem(answer);
        if (problem) problems.push(`${route.method} ${path} ${JSON.stringify(params).slice(0, 200)}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  }, 180_000);
});

const REQUESTS_PER_ROUTE = 12;

const PARAMETER_NAMES = ['type_name', 'uuid', 'id', 'key_attribute', 'key_value', 'attribute_name', 'attributes', 'all_attributes', 'value', 'filter', 'max_results', 'first_result', 'sort_on', 'show_total_count', 'timeout', 'token', 'identifier', 'primaryKey', 'flow', 'flow_version', 'locale', 'redirect_uri', 'form', 'response_type', 'code', 'grant_type', 'refresh_token', 'access_token', 'signInEmailAddress', 'currentPassword', 'newPassword', 'emailAddress', 'for_client_id', 'features', 'key', 'items', 'keys', 'definition', 'attr_def', 'attr_defs', 'constraints', 'description', 'url', 'events', 'entity_types', 'providers', 'domains', 'domain', 'email', 'name', 'realm', 'verification_code', 'merge_token', 'provider', 'clientId', 'issuer', 'whitelist', 'format', 'callback', 'include_record'];

const HOSTILE_VALUES = ['', ' ', 'null', '[]', '{}', '{"a":', '-1', '0', '99999999999999999999', '1e309', 'NaN', '%zz', 'x'.repeat(70_000), '\u202e\u{1f600}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '['.repeat(3000) + ']'.repeat(3000), '{"a":'.repeat(2000) + '1' + '}'.repeat(2000), 'true', "' OR 1=1 --", '__proto__', 'a..b', 'statuses#-1', 'http://127.0.0.1:1/x', 'javascript:alert(1)', '2026-13-45', 'email = ', 'id > 0 and (', '["email",{"a":[1]}]', '{"email":{"a":1}}', 'user', 'standard', 'signInForm'];

function credentialStyles(app: TestApp): Array<Record<string, string>> {
  return [
    {},
    { apiKey: app.apiKey },
    { client_id: app.ownerClientId, client_secret: app.ownerClientSecret, type_name: 'user' },
    { partnerKey: TEST_PARTNER_KEY, apiKey: app.apiKey, appId: app.appId },
    { client_id: app.loginClientId, flow: 'standard', locale: 'en-US', redirect_uri: 'https://site.example.com/' },
  ];
}

interface Route {
  method: string;
  path: string;
}

/** The routes of fastify's printRoutes({ commonPrefix: false }): one `path (METHOD, ...)` per line. */
function registeredRoutes(printed: string): Route[] {
  const routes: Route[] = [];
  for (const line of printed.split('\n')) {
    const match = /(\/\S*) \(([A-Z, ]+)\)/.exec(line);
    if (!match) continue;
    for (const method of match[2].split(', ')) if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, path: match[1] });
  }
  return routes;
}

async function send(base: string, method: string, path: string, params: Record<string, string>, encoding: 'form' | 'json'): Promise<{ status: number; type: string; text: string }> {
  const inQuery = method === 'GET' || method === 'DELETE';
  const query = new URLSearchParams(params).toString();
  const res = await fetch(`${base}${path}${inQuery ? `?${query}` : ''}`, {
    method,
    redirect: 'manual',
    headers: inQuery ? {} : { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: inQuery ? undefined : encoding === 'json' ? JSON.stringify(params) : query,
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** What is wrong with an answer by DESIGN.md's rules for bad input, or undefined. */
function janrainShapeProblem(answer: { status: number; type: string; text: string }): string | undefined {
  if (answer.status >= 500) return `HTTP ${answer.status}: ${answer.text.slice(0, 200)}`;
  if (/\n\s+at .+:\d+:\d+/.test(answer.text)) return `a stack trace: ${answer.text.slice(0, 200)}`;
  if (!answer.type.startsWith('application/json')) return undefined;
  const body = JSON.parse(answer.text);
  if (body.stat === 'fail' && !(typeof body.err?.code === 'number' && typeof body.err?.msg === 'string')) return `a Social Login failure without err.code and err.msg: ${answer.text.slice(0, 200)}`;
  if (body.stat === 'error' && !(typeof body.code === 'number' && typeof body.error === 'string' && typeof body.error_description === 'string' && typeof body.request_id === 'string')) {
    return `a Registration error without code, error, error_description and request_id: ${answer.text.slice(0, 200)}`;
  }
  return undefined;
}

/** mulberry32: the same hostile requests on every run, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, values: T[]): T {
  return values[Math.floor(random() * values.length)];
}
