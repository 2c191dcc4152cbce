import type { FastifyReply, FastifyRequest } from 'fastify';
import { ParameterError, RegistrationError, RequestError, SocialError, socialErrors } from './errors.js';
import { isValidCallback, sendRegistration, sendSocial, type Presentation } from './render.js';

export type Surface = 'social' | 'registration' | 'oauth_token';

/** Which envelope a path answers in when no route claimed it (404s, body-parse failures). */
export function surfaceOfPath(url: string): Surface | undefined {
  const path = url.split('?')[0];
  if (path.startsWith('/api/v2/') || path.startsWith('/partner/v2/') || path.startsWith('/plugin/')) return 'social';
  if (path === '/oauth/token') return 'oauth_token';
  if (/^\/(entity|entityType|clients|settings|access|webhooks|versions|oauth|widget_data)([./]|$)/.test(path)) return 'registration';
  return undefined;
}

function presentationOf(request: FastifyRequest, params?: Record<string, string>): Presentation {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const pick = (name: string) => {
    const v = params?.[name] ?? query[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const callback = pick('callback');
  return { format: pick('format'), callback: callback && isValidCallback(callback) ? callback : undefined };
}

/** Turns anything thrown while serving a call into that surface's error envelope. */
export function sendError(request: FastifyRequest, reply: FastifyReply, surface: Surface, err: unknown, params?: Record<string, string>): void {
  const requestId = request.id;
  if (surface === 'social') {
    const e = toSocialError(request, err);
    const body = { stat: 'fail', err: { code: e.code, msg: e.message }, request_id: requestId };
    const xml = { stat: 'fail', err: { '@_code': String(e.code), '@_msg': e.message, '@_request_id': requestId } };
    sendSocial(reply, e.status, body, presentationOf(request, params), xml);
    return;
  }
  const e = toRegistrationError(request, err);
  const body: Record<string, unknown> = { stat: 'error', code: e.code, error: e.error, error_description: e.description, request_id: requestId };
  if (e.options.argumentName) body.argument_name = e.options.argumentName;
  Object.assign(body, e.options.extra);
  if (surface === 'oauth_token') {
    // oauth/token follows RFC 6749: HTTP 400, `error: invalid_request`, the specific name in sub_error.
    body.sub_error = e.error;
    body.error = 'invalid_request';
    sendRegistration(reply, e.code === 500 ? 500 : 400, body);
    return;
  }
  sendRegistration(reply, 200, body);
}

function toSocialError(request: FastifyRequest, err: unknown): SocialError {
  if (err instanceof SocialError) return err;
  if (err instanceof ParameterError) return err.kind === 'missing' ? socialErrors.missingParameter(err.parameter) : socialErrors.invalidParameter(err.parameter, err.detail);
  if (err instanceof RequestError) return new SocialError(1, err.message, err.status);
  if (err instanceof RegistrationError) return new SocialError(1, err.description, 400);
  logUnexpected(request, err);
  return new SocialError(-1, 'Service Temporarily Unavailable', 500);
}

function toRegistrationError(request: FastifyRequest, err: unknown): RegistrationError {
  if (err instanceof RegistrationError) return err;
  if (err instanceof ParameterError) {
    const code = err.kind === 'missing' ? 100 : err.kind === 'duplicate' ? 201 : 200;
    return new RegistrationError(code, err.message, { argumentName: err.parameter });
  }
  if (err instanceof RequestError) return new RegistrationError(200, err.message);
  if (err instanceof SocialError) return new RegistrationError(200, err.message);
  logUnexpected(request, err);
  return new RegistrationError(500, 'unexpected error; quote the request_id when reporting it');
}

function logUnexpected(request: FastifyRequest, err: unknown): void {
  request.log.error({ err }, 'unexpected error while serving the request');
}
