import { request } from 'node:http';
import type { CallResult } from '../../test/server.js';

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>';

/** The compact XML body a Social Login call answers, for exact comparison. */
export const xmlOk = (inner: string) => `${XML_HEAD}<rsp stat="ok">${inner}</rsp>`;

/**
 * Posts a form with an explicit Host header (fetch does not let a caller choose it), as a
 * browser on `http://<realm>.localhost:8080` would send it.
 */
export function callWithHost(base: string, path: string, params: Record<string, string>, host: string): Promise<CallResult> {
  const body = new URLSearchParams(params).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method: 'POST', headers: { host, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          resolve({ status: res.statusCode ?? 0, headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
