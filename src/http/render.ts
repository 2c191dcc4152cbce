import type { FastifyReply } from 'fastify';
import { toXml } from './xml.js';

/** JavaScript identifier paths only (`cb`, `window.app.cb`), so a callback cannot inject script. */
const CALLBACK = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

export function isValidCallback(name: string): boolean {
  return name.length <= 128 && CALLBACK.test(name);
}

export interface Presentation {
  format?: string;
  callback?: string;
}

/** Sends a Social Login / Partner body as JSON, compact XML or JSONP. */
export function sendSocial(reply: FastifyReply, status: number, body: Record<string, unknown>, how: Presentation, xmlBody?: Record<string, unknown>): void {
  reply.code(status).header('cache-control', 'no-store');
  if (how.callback) {
    reply.header('content-type', 'application/javascript; charset=utf-8').header('x-content-type-options', 'nosniff');
    // The leading comment defeats content-sniffing attacks that reuse a JSONP response as another type.
    reply.send(`/**/${how.callback}(${JSON.stringify(body)});`);
    return;
  }
  if (how.format?.toLowerCase() === 'xml') {
    const { stat, ...rest } = xmlBody ?? body;
    reply.header('content-type', 'application/xml; charset=utf-8').send(toXml({ stat: String(stat) }, rest));
    return;
  }
  reply.header('content-type', 'application/json; charset=utf-8').send(asPayload(JSON.stringify(body)));
}

/** Registration answers are always JSON, never cached. */
export function sendRegistration(reply: FastifyReply, status: number, body: Record<string, unknown>): void {
  reply.code(status).header('cache-control', 'no-store').header('content-type', 'application/json; charset=utf-8').send(asPayload(JSON.stringify(body)));
}

/** Past this many characters an answer is sent as bytes (a page of 1000 records is ~1 MB). */
const LARGE_ANSWER = 64 * 1024;

/**
 * A long answer as bytes: given a string, fastify measures its UTF-8 length and the socket then
 * encodes it again, two passes over every byte; a Buffer is encoded once and carries its length.
 * Short answers stay strings, which cost less than allocating a Buffer.
 */
function asPayload(text: string): string | Buffer {
  return text.length > LARGE_ANSWER ? Buffer.from(text, 'utf8') : text;
}
