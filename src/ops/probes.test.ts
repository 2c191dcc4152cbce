import { describe, expect, it } from 'vitest';
import { call, describeEachDatabase } from '../../test/server.js';

/** The value of one sample line of the Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
    const have = labelText.split(',');
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describeEachDatabase('operations endpoints', (server) => {
  it('/healthz says the process is up', async () => {
    const r = await call(server().url, '/healthz', {}, { method: 'GET' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'ok' });
    expect(r.headers.get('x-request-id')).toMatch(/^[a-z0-9]{16}$/);
  });

  it('/readyz says the database answers', async () => {
    const r = await call(server().url, '/readyz', {}, { method: 'GET' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'ready' });
  });

  it('/metrics counts requests by method, route pattern and status, and times them by route', async () => {
    const base = server().url;
    const before = await call(base, '/metrics', {}, { method: 'GET' });
    expect(before.status).toBe(200);
    expect(before.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const countBefore = sample(before.text, 'http_requests_total', { method: 'GET', route: '/healthz', status: '200' }) ?? 0;

    for (let i = 0; i < 3; i++) await call(base, '/healthz', {}, { method: 'GET' });
    await call(base, '/no/such/path/12345', {}, { method: 'GET' });
    await call(base, '/no/such/path/67890', {}, { method: 'GET' });

    const after = await call(base, '/metrics', {}, { method: 'GET' });
    expect(sample(after.text, 'http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).toBe(countBefore + 3);
    // Unknown paths share one label value: the raw URL never becomes a label.
    expect(sample(after.text, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(2);
    expect(after.text).not.toContain('/no/such/path');
    expect(sample(after.text, 'http_request_duration_seconds_count', { route: '/healthz' })).toBeGreaterThanOrEqual(3);
    expect(sample(after.text, 'http_request_duration_seconds_bucket', { route: '/healthz', le: '+Inf' })).toBeGreaterThanOrEqual(3);
    // Process default metrics are there too.
    expect(after.text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(after.text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('keeps each server instance its own metrics registry', async () => {
    const r = await call(server().url, '/metrics', {}, { method: 'GET' });
    // One registry per server: a metric registered twice would make prom-client throw, and a
    // shared registry would show the other suites' counts.
    expect(r.text.match(/^# TYPE http_requests_total counter$/gm)).toHaveLength(1);
  });
});

describeEachDatabase('readiness with the database gone', (server) => {
  it('/readyz answers 503 without details once the database is closed, while /healthz stays up', async () => {
    await server().running.runtime.store.close();
    const r = await call(server().url, '/readyz', {}, { method: 'GET' });
    expect(r.status).toBe(503);
    expect(r.json).toEqual({ status: 'unavailable' });
    const h = await call(server().url, '/healthz', {}, { method: 'GET' });
    expect(h.status).toBe(200);
  });
});

describe('metrics registries', () => {
  it('are independent per server (tests start several in one process)', async () => {
    const { startTestServer } = await import('../../test/server.js');
    const a = await startTestServer('sqlite');
    const b = await startTestServer('sqlite');
    try {
      await call(a.url, '/healthz', {}, { method: 'GET' });
      await call(a.url, '/healthz', {}, { method: 'GET' });
      const mb = await call(b.url, '/metrics', {}, { method: 'GET' });
      expect(sample(mb.text, 'http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).toBeUndefined();
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
