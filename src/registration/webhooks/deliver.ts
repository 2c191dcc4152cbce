import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, hostOf, isPrivateAddress, RefusedAddressError } from './callback-address.js';
import { SET_MEDIA_TYPE } from './security-event.js';

/**
 * One delivery attempt: an HTTP POST of the signed token to the callback, through the guarded
 * lookup, never following redirects, answered within the timeout or abandoned.
 */

export interface Outcome {
  /** 2xx: delivered. */
  ok: boolean;
  /** Worth trying again later: network errors, timeouts, 408, 425, 429 and 5xx. */
  retryable: boolean;
  statusCode?: number;
  error?: string;
  durationMs: number;
  /** The worker is stopping: this was no attempt at all. */
  aborted?: boolean;
}

/** How much of an answer's body is read before the connection is dropped (bodies are ignored). */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface Sender {
  post(callback: string, token: string, signal: AbortSignal): Promise<Outcome>;
  close(): void;
}

export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

export function createSender(options: { allowPrivate: boolean; timeoutMs: number; userAgent: string }): Sender {
  const lookup = guardedLookup(options.allowPrivate);
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64, timeout: options.timeoutMs }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64, timeout: options.timeoutMs }),
  };

  function post(callback: string, token: string, signal: AbortSignal): Promise<Outcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const failed = (error: string, retryable = true): Outcome => ({ ok: false, retryable, error, durationMs: elapsed() });
    let url: URL;
    try {
      url = new URL(callback);
    } catch {
      return Promise.resolve(failed('callback is not a URL', false));
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.resolve(failed('callback is not an http or https URL', false));
    const host = hostOf(url);
    // A literal address is connected to without any lookup: check it here.
    if (!options.allowPrivate && isIP(host) && isPrivateAddress(host)) return Promise.resolve(failed(new RefusedAddressError(host).message));
    if (signal.aborted) return Promise.resolve({ ok: false, retryable: true, aborted: true, durationMs: 0 });

    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const finish = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const body = Buffer.from(token, 'utf8');
      const request = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        lookup,
        headers: {
          'content-type': SET_MEDIA_TYPE,
          'content-length': String(body.length),
          accept: 'application/json',
          'user-agent': options.userAgent,
        },
      });
      const timer = setTimeout(() => {
        finish(failed(`no answer within ${options.timeoutMs / 1000} s`));
        request.destroy();
      }, options.timeoutMs);
      const onAbort = () => {
        finish({ ok: false, retryable: true, aborted: true, durationMs: elapsed() });
        request.destroy();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      request.on('error', (err: NodeJS.ErrnoException) => {
        const detail = err instanceof RefusedAddressError ? err.message : [err.code, err.message].filter(Boolean).join(': ');
        finish(failed(detail.slice(0, 500) || 'connection failed'));
      });
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) response.destroy();
        });
        const done = () => {
          if (status >= 200 && status < 300) finish({ ok: true, retryable: false, statusCode: status, durationMs: elapsed() });
          else finish({ ok: false, retryable: retryableStatus(status), statusCode: status, error: `HTTP ${status}`, durationMs: elapsed() });
        };
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      });
      request.end(body);
    });
  }

  return {
    post,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
