import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The webhook receiver of the webhook benchmarks, in the load generator's process: answers
 * every POST 200 at once (or holds it unanswered, for benchmarks that must keep delivery idle)
 * and counts what arrived per path. It does not keep the runner alive.
 */
export interface BenchReceiver {
  url: string;
  count(path: string): number;
}

export async function startBenchReceiver(options: { hold?: boolean } = {}): Promise<BenchReceiver> {
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      counts.set(path, (counts.get(path) ?? 0) + 1);
      if (!options.hold) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: (path) => counts.get(path) ?? 0 };
}
