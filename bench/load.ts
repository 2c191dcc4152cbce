import autocannon from 'autocannon';
import type { LoadRequest } from './benchmark.js';

export const DEFAULT_CONNECTIONS = 32;

function encode(request: LoadRequest): { method: 'GET' | 'POST'; path: string; body?: string; headers: Record<string, string> } {
  const method = request.method ?? 'POST';
  const form = new URLSearchParams(request.form ?? {}).toString();
  if (method === 'GET') return { method, path: form ? `${request.path}?${form}` : request.path, headers: { ...request.headers } };
  return { method, path: request.path, body: form, headers: { 'content-type': 'application/x-www-form-urlencoded', ...request.headers } };
}

/** Sends each request once and returns the answers, to check them before measuring. */
export async function sendOnce(base: string, requests: LoadRequest[]): Promise<Array<{ status: number; body: string }>> {
  const out = [];
  for (const r of requests) {
    const e = encode(r);
    const res = await fetch(`${base}${e.path}`, { method: e.method, headers: e.headers, body: e.body });
    out.push({ status: res.status, body: await res.text() });
  }
  return out;
}

/** Applies the load for `seconds` and returns answered requests per second; any failure throws. */
export async function applyLoad(base: string, requests: LoadRequest[], seconds: number, connections = DEFAULT_CONNECTIONS): Promise<number> {
  const result = await autocannon({ url: base, connections, duration: seconds, requests: requests.map(encode) });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0) throw new Error(`load on ${base}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`);
  return result.requests.total / result.duration;
}
