import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ParameterError, RequestError } from './errors.js';
import { sendError, surfaceOfPath, type Surface } from './envelope.js';
import { checkValues, flattenSource, Params, type RawParams } from './params.js';
import { isValidCallback, sendRegistration, sendSocial } from './render.js';

/** Largest request body accepted; bulk imports of 1000 records fit well inside it. */
export const BODY_LIMIT = 8 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyContextConfig {
    surface?: Surface;
  }
  interface FastifyRequest {
    /** A body sent with GET, which fastify itself does not read. */
    getBody?: unknown;
  }
}

/** Installs body parsing and the error envelopes that every surface shares. */
export async function installWire(app: FastifyInstance): Promise<void> {
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fieldSize: BODY_LIMIT, fileSize: BODY_LIMIT, files: 20, fields: 2000, parts: 2020 },
  });
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ParameterError('invalid', 'body', 'malformed JSON'), undefined);
    }
  });

  // Hooks every request passes through take a callback: an async hook costs a promise and a
  // microtask per request even when it has nothing to wait for.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  // Some Janrain clients send their parameters as a form body on GET.
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.method !== 'GET' || !request.routeOptions.config.surface) return done();
    const length = Number(request.headers['content-length'] ?? 0);
    if (!(length > 0) && !request.headers['transfer-encoding']) return done();
    readGetBody(request).then((body) => {
      request.getBody = body;
      done();
    }, done);
  });

  app.setErrorHandler((err, request, reply) => {
    const surface = request.routeOptions.config?.surface ?? surfaceOfPath(request.url);
    const mapped = mapFrameworkError(err);
    if (surface) return sendError(request, reply, surface, mapped);
    if (mapped instanceof RequestError) return reply.code(mapped.status).send({ error: mapped.message, request_id: request.id });
    request.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ error: 'internal error', request_id: request.id });
  });

  app.setNotFoundHandler((request, reply) => {
    const surface = surfaceOfPath(request.url);
    const path = request.url.split('?')[0];
    if (surface === 'social') return sendSocial(reply, 404, { stat: 'fail', err: { code: 1, msg: `Unknown API call: ${path}` }, request_id: request.id }, {});
    if (surface) return sendRegistration(reply, 404, { stat: 'error', code: 200, error: 'invalid_argument', error_description: `unknown API call: ${path}`, request_id: request.id });
    return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found');
  });
}

function mapFrameworkError(err: unknown): unknown {
  if (err instanceof ParameterError || !(err instanceof Error)) return err;
  const code = (err as { code?: string }).code ?? '';
  const status = (err as { statusCode?: number }).statusCode;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || code === 'FST_REQ_FILE_TOO_LARGE' || /^FST_(FILES|PARTS|FIELDS)_LIMIT$/.test(code) || status === 413)
    return new RequestError(413, `request body too large (at most ${BODY_LIMIT} bytes)`);
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415)
    return new RequestError(415, 'unsupported content type: send application/x-www-form-urlencoded, multipart/form-data or application/json');
  if (status !== undefined && status >= 400 && status < 500) return new RequestError(status, `malformed request: ${err.message}`);
  return err;
}

function readGetBody(request: FastifyRequest): Promise<unknown> {
  const type = String(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.raw.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        request.raw.destroy();
        reject(new RequestError(413, `request body too large (at most ${BODY_LIMIT} bytes)`));
      } else chunks.push(chunk);
    });
    request.raw.on('error', reject);
    request.raw.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (type === 'application/json') {
        try {
          resolve(text.trim() ? JSON.parse(text) : {});
        } catch {
          reject(new ParameterError('invalid', 'body', 'malformed JSON'));
        }
      } else if (type === 'application/x-www-form-urlencoded' || type === '') {
        resolve(formToObject(new URLSearchParams(text)));
      } else reject(new RequestError(415, 'unsupported content type for a GET body: send application/x-www-form-urlencoded or application/json'));
    });
  });
}

function formToObject(form: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(form.keys())) {
    const all = form.getAll(key);
    out[key] = all.length === 1 ? all[0] : all;
  }
  return out;
}

/** Query string and body merged into one set of parameters; the body is read last. */
export function readParams(request: FastifyRequest): Params {
  const raw: RawParams = {};
  flattenSource(request.query, raw);
  flattenSource(request.method === 'GET' ? request.getBody : request.body, raw);
  checkValues(raw);
  return new Params(raw);
}

export interface Call {
  params: Params;
  request: FastifyRequest;
  reply: FastifyReply;
}

type Body = Record<string, unknown>;

export interface SocialRouteOptions {
  /** The handler's body is the whole answer (Partner `partnerresponse`); no `stat` is added. */
  raw?: boolean;
  /** Reshapes the body for XML where the generic array rule is not the documented form. */
  xml?: (body: Body) => Body;
}

/** A Social Login or Partner call: answers `{stat:"ok",…}` in JSON, XML or JSONP. */
export function socialRoute(app: FastifyInstance, url: string, handler: (call: Call) => Promise<Body | void>, options: SocialRouteOptions = {}): void {
  app.route({
    method: ['GET', 'POST'],
    url,
    config: { surface: 'social' },
    handler: async (request, reply) => {
      let params: Params | undefined;
      try {
        params = readParams(request);
        const result = (await handler({ params, request, reply })) ?? {};
        if (reply.sent) return;
        const body = options.raw ? result : { stat: 'ok', ...result };
        const xmlBody = options.xml ? { stat: 'ok', ...options.xml(result) } : options.raw ? { stat: 'ok', ...result } : body;
        const how = { format: params.get('format'), callback: validCallback(params) };
        sendSocial(reply, 200, body, how, xmlBody);
      } catch (err) {
        sendError(request, reply, 'social', err, params?.raw);
      }
    },
  });
}

function validCallback(params: Params): string | undefined {
  const callback = params.get('callback');
  if (callback === undefined || callback === '') return undefined;
  // Throwing here renders the error as plain JSON, since the name is not safe to echo.
  if (!isValidCallback(callback)) throw new ParameterError('invalid', 'callback', 'must be a JavaScript identifier path');
  return callback;
}

/** A Registration call: answers `{stat:"ok",…}` as JSON; errors at HTTP 200 (oauth/token: 400). */
export function registrationRoute(app: FastifyInstance, url: string, handler: (call: Call) => Promise<Body | void>, options: { surface?: 'registration' | 'oauth_token' } = {}): void {
  const surface = options.surface ?? 'registration';
  app.route({
    method: ['GET', 'POST'],
    url,
    config: { surface },
    handler: async (request, reply) => {
      try {
        const params = readParams(request);
        const result = (await handler({ params, request, reply })) ?? {};
        if (reply.sent) return;
        sendRegistration(reply, 200, { stat: 'ok', ...result });
      } catch (err) {
        sendError(request, reply, surface, err);
      }
    },
  });
}
