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
  reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}

/** Registration answers are always JSON, never cached. */
export function sendRegistration(reply: FastifyReply, status: number, body: Record<string, unknown>): void {
  reply.code(status).header('cache-control', 'no-store').header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}
