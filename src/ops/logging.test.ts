import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { start, type Running } from '../main.js';
import { createTestDatabase, type TestDatabase } from '../../test/databases.js';
import { TEST_PARTNER_KEY } from '../../test/server.js';
import Fastify from 'fastify';
import { createLogger, lazyRequestLoggers, REDACTED_PATHS, redactUrl, requestLogController, requestLogger } from './logging.js';

const SECRETS = {
  apiKey: '0123456789abcdef0123456789abcdef01234567',
  password: 'correct horse battery staple',
  clientSecret: 'clientsecretvalue00000000000000',
  bearer: 'bearertokenvalue0000000000000000',
  cookie: 'sessioncookievalue0000000000000',
};

let database: TestDatabase;
let running: Running;
const lines: Array<Record<string, unknown>> = [];
let raw = '';

beforeAll(async () => {
  database = await createTestDatabase('sqlite');
  const sink = new Writable({
    write(chunk, _encoding, done) {
      raw += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, OPENRAIN_DATA_DIR: database.dataDir, OPENRAIN_PARTNER_KEY: TEST_PARTNER_KEY, LOG_LEVEL: 'info' });
  // A plain pino logger, as an embedding caller would pass: the server must scrub on its own.
  running = await start(config, pino({ level: 'info' }, sink));
});

afterAll(async () => {
  await running?.close();
  await database?.drop();
});

describe('request logs', () => {
  it('carry the request id on every line of a request and never a credential', async () => {
    const res = await fetch(`${running.url}/api/v2/no_such_call?apiKey=${SECRETS.apiKey}&format=json&client_secret=${SECRETS.clientSecret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${SECRETS.bearer}`, cookie: `session=${SECRETS.cookie}` },
      body: new URLSearchParams({ password: SECRETS.password, client_secret: SECRETS.clientSecret }).toString(),
    });
    await res.text();
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^[a-z0-9]{16}$/);
    // The completion line is written just after the answer leaves.
    await new Promise((r) => setTimeout(r, 50));

    const mine = lines.filter((l) => l.request_id === requestId);
    // One access-log line per request at info: what was asked, the answer, the time.
    expect(mine.map((l) => l.msg)).toEqual(['request completed']);
    const completed = mine[0] as { req: { url: string; method: string }; res: { statusCode: number }; responseTime: number };
    expect(completed.req.method).toBe('POST');
    expect(completed.req.url).toBe('/api/v2/no_such_call?apiKey=[REDACTED]&format=json&client_secret=[REDACTED]');
    expect(completed.res.statusCode).toBe(404);
    expect(completed.responseTime).toBeGreaterThan(0);
    for (const secret of Object.values(SECRETS)) expect(raw).not.toContain(secret);
  });

  it('leave probe and scrape requests out', async () => {
    const before = lines.length;
    for (const path of ['/healthz', '/readyz', '/metrics']) await (await fetch(`${running.url}${path}`)).text();
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.slice(before)).toEqual([]);
  });
});

describe('request loggers', () => {
  it('are made on first use and still carry the request id, redaction and the level', async () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _e, done) {
        out += chunk.toString();
        done();
      },
    });
    const app = Fastify({ loggerInstance: requestLogger(createLogger('info', sink)), logController: requestLogController(), childLoggerFactory: lazyRequestLoggers, genReqId: () => 'lazyrequest00001' });
    app.post('/logs', async (request) => {
      request.log.debug({ params: { password: SECRETS.password } }, 'below the level');
      request.log.warn({ params: { password: SECRETS.password } }, 'handler line');
      return { level: request.log.level };
    });
    try {
      const res = await app.inject({ method: 'POST', url: '/logs' });
      expect(res.json()).toEqual({ level: 'info' });
      await new Promise((r) => setTimeout(r, 50));
      const logged = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logged.map((l) => [l.msg, l.request_id])).toEqual([
        ['handler line', 'lazyrequest00001'],
        ['request completed', 'lazyrequest00001'],
      ]);
      expect(out).not.toContain(SECRETS.password);
    } finally {
      await app.close();
    }
  });

  it("write their access line as pino's own path would, key for key", async () => {
    const lineOf = async (logger: ReturnType<typeof createLogger>, sink: { out: string }) => {
      // As the server builds it: the controller knows the logger fastify is given, and the route lives in a plugin.
      const log = requestLogger(logger);
      const app = Fastify({ loggerInstance: log, logController: requestLogController(log), childLoggerFactory: lazyRequestLoggers, genReqId: () => 'accessline000001' });
      await app.register(async (plugin) => {
        plugin.post('/access', async () => ({ ok: true }));
      });
      try {
        await app.inject({ method: 'POST', url: `/access?apiKey=${SECRETS.apiKey}&q="quoted"\\`, remoteAddress: '203.0.113.9' });
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        await app.close();
      }
      return JSON.parse(sink.out.trim().split('\n').pop()!) as Record<string, unknown>;
    };
    const sinkOf = () => {
      const sink = { out: '', stream: undefined as unknown as Writable };
      sink.stream = new Writable({
        write(chunk, _e, done) {
          sink.out += chunk.toString();
          done();
        },
      });
      return sink;
    };
    const direct = sinkOf();
    const generic = sinkOf();
    const written = await lineOf(createLogger('info', direct.stream), direct);
    // The same options as createLogger, but a logger it did not make: pino's generic path.
    const viaPino = await lineOf(pino({ level: 'info', redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' } }, generic.stream), generic);
    const comparable = (line: Record<string, unknown>) => ({ ...line, time: typeof line.time, responseTime: typeof line.responseTime });
    expect(Object.keys(written)).toEqual(Object.keys(viaPino));
    expect(comparable(written)).toEqual(comparable(viaPino));
    expect((written.req as { url: string }).url).toBe('/access?apiKey=[REDACTED]&q=%22quoted%22\\');
    expect(direct.out).not.toContain(SECRETS.apiKey);
  });
});

describe('the process logger', () => {
  it('redacts authorization and cookie headers and credential fields in logged objects', () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _e, done) {
        out += chunk.toString();
        done();
      },
    });
    const log = createLogger('info', sink);
    log.info({ req: { headers: { authorization: `Bearer ${SECRETS.bearer}`, cookie: SECRETS.cookie } } }, 'request with headers');
    log.info({ headers: { authorization: `Bearer ${SECRETS.bearer}`, cookie: SECRETS.cookie } }, 'bare headers');
    log.child({ request_id: 'r1' }).info({ params: { password: SECRETS.password, apiKey: SECRETS.apiKey, client_secret: SECRETS.clientSecret } }, 'with params');
    log.info({ req: { method: 'GET', url: `/api/v2/x?apiKey=${SECRETS.apiKey}` } }, 'a request');
    for (const secret of Object.values(SECRETS)) expect(out).not.toContain(secret);
    expect(out).toContain('"request_id":"r1"');
    expect(out).toContain('/api/v2/x?apiKey=[REDACTED]');
  });

  it('blanks credential-bearing query parameters in URLs', () => {
    expect(redactUrl('/oauth/token?code=abc&redirect_uri=x')).toBe('/oauth/token?code=[REDACTED]&redirect_uri=x');
    expect(redactUrl('/x?partnerKey=1&realm=demo&refresh_token=2&new_password=3&state=4')).toBe('/x?partnerKey=[REDACTED]&realm=demo&refresh_token=[REDACTED]&new_password=[REDACTED]&state=[REDACTED]');
    expect(redactUrl('/x?api%4Bey=1&flag')).toBe('/x?api%4Bey=[REDACTED]&flag');
    expect(redactUrl('/plain/path')).toBe('/plain/path');
  });
});
