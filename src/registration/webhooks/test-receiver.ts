import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';

/** A webhook receiver for tests: a real HTTP server on loopback that records every request. */

export interface Received {
  path: string;
  contentType: string | undefined;
  token: string;
  claims: JWTPayload & { events: Record<string, Record<string, unknown>> };
  /** The status answered, or undefined when the request was never answered (held, then dropped). */
  status?: number;
  at: number;
}

/** Decides the answer to one request: a status, or a promise of one (to hold the request open). */
export type Behaviour = (request: Received, all: Received[]) => number | Promise<number>;

export interface Receiver {
  url: string;
  received: Received[];
  behaviour: Behaviour;
  /** Requests answered 2xx, by jti. */
  deliveredJtis(): string[];
  close(): Promise<void>;
}

export async function startReceiver(behaviour: Behaviour = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const open = new Set<ServerResponse>();
  const receiver: Receiver = {
    url: '',
    received,
    behaviour,
    deliveredJtis: () => received.filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300).map((r) => String(r.claims.jti)),
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const token = Buffer.concat(chunks).toString('utf8');
      const entry: Received = { path: req.url ?? '', contentType: req.headers['content-type'], token, claims: decodeJwt(token) as Received['claims'], at: Date.now() };
      received.push(entry);
      open.add(res);
      res.on('close', () => open.delete(res));
      void Promise.resolve(receiver.behaviour(entry, received)).then((status) => {
        if (res.destroyed) return;
        entry.status = status;
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** Verifies a received token against the application's JWKS as a receiver would. */
export async function verifyEvent(token: string, jwks: { keys: unknown[] }, expected: { issuer: string; audience: string }) {
  const keys = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
  return jwtVerify(token, keys, { issuer: expected.issuer, audience: expected.audience, typ: 'secevent+jwt', algorithms: ['RS256'] });
}

export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
