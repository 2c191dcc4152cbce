import pino from 'pino';
import { afterAll, beforeAll, describe } from 'vitest';
import { loadConfig } from '../src/config.js';
import { start, type Running } from '../src/main.js';
import { createTestDatabase, databaseKinds, type DatabaseKind, type TestDatabase } from './databases.js';

/** The partner key every test server is started with (OPENRAIN_PARTNER_KEY). */
export const TEST_PARTNER_KEY = 'test0partner0key0000000000000000000000000';

export interface TestServer {
  kind: DatabaseKind;
  /** Where the server listens (`http://127.0.0.1:PORT`). */
  url: string;
  running: Running;
  database: TestDatabase;
  stop(): Promise<void>;
}

/** Starts the real server on a free loopback port over an existing test database. */
export function startServerOn(database: TestDatabase, env: Record<string, string> = {}): Promise<Running> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    OPENRAIN_DATA_DIR: database.dataDir,
    OPENRAIN_PUBLIC_URL: 'http://localhost:8080',
    OPENRAIN_PARTNER_KEY: TEST_PARTNER_KEY,
    LOG_LEVEL: process.env.OPENRAIN_TEST_LOG ?? 'silent',
    ...env,
  });
  return start(config, pino({ level: config.logLevel }));
}

/** Starts the real server on a free loopback port over a fresh database. */
export async function startTestServer(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestServer> {
  const database = await createTestDatabase(kind);
  const running = await startServerOn(database, env);
  return {
    kind,
    url: running.url,
    running,
    database,
    async stop() {
      await running.close();
      await database.drop();
    },
  };
}

const kinds = await databaseKinds();

/**
 * Runs a suite once per database (SQLite, and PostgreSQL where it answers) against a server
 * started for that suite. `server()` gives the running server inside tests.
 */
export function describeEachDatabase(title: string, body: (server: () => TestServer) => void, env: Record<string, string> = {}): void {
  describe.each(kinds)(`${title} [%s]`, (kind) => {
    let current: TestServer | undefined;
    beforeAll(async () => {
      current = await startTestServer(kind, env);
    });
    afterAll(async () => {
      await current?.stop();
    });
    body(() => {
      if (!current) throw new Error('the test server did not start');
      return current;
    });
  });
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  json: any;
}

/** Posts form parameters to a path, as Janrain's clients do. */
export async function call(base: string, path: string, params: Record<string, string> = {}, init: { method?: string; headers?: Record<string, string> } = {}): Promise<CallResult> {
  const method = init.method ?? 'POST';
  const body = new URLSearchParams(params).toString();
  const url = method === 'GET' ? `${base}${path}${body ? `?${body}` : ''}` : `${base}${path}`;
  const res = await fetch(url, {
    method,
    headers: method === 'GET' ? init.headers : { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
    body: method === 'GET' ? undefined : body,
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
