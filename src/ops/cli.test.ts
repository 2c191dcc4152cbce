import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds } from '../../test/databases.js';
import { TEST_PARTNER_KEY } from '../../test/server.js';

const CLI = resolve(import.meta.dirname, '../../bin/openrain.js');

interface Served {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: () => string;
}

/** Starts `openrain serve` as a real child process and waits until it says where it listens. */
function serve(env: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve'], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`openrain serve did not start:\n${out}`)), 20_000);
    child.stderr!.on('data', (d) => (out += d));
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"openrain is serving"'));
      if (line) {
        clearTimeout(timer);
        ready({ child, url: JSON.parse(line).url, exited, output: () => out });
      }
    });
    exited.then((code) => fail(new Error(`openrain serve exited with ${code}:\n${out}`)));
  });
}

interface Answer {
  status: number;
  body: string;
}

/** A POST on its own connection that keeps the last bytes of its body back until `sendRest()`. */
function post(url: string, path: string, body: string): { answer: Promise<Answer>; sendRest: () => void; started: Promise<void> } {
  const target = new URL(path, url);
  let sendRest = () => {};
  let started = () => {};
  const startedP = new Promise<void>((r) => (started = r));
  const answer = new Promise<Answer>((done, fail) => {
    const req = request(target, { method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('response aborted')));
    });
    req.on('error', fail);
    const cut = body.length - 5;
    req.write(body.slice(0, cut), () => started());
    sendRest = () => req.end(body.slice(cut));
  });
  // Failures are reported where the answer is awaited, not as unhandled rejections before it.
  answer.catch(() => {});
  return { answer, sendRest, started: startedP };
}

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'openrain-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('openrain serve', () => {
  it('on SIGTERM stops accepting, answers every accepted request in full, then exits 0', async () => {
    const dir = tempDir();
    const served = await serve({ DATABASE_URL: `sqlite:${join(dir, 'openrain.db')}`, OPENRAIN_DATA_DIR: dir, OPENRAIN_PARTNER_KEY: TEST_PARTNER_KEY });
    cleanups.push(() => {
      if (served.child.exitCode === null) served.child.kill('SIGKILL');
    });
    expect((await fetch(`${served.url}/healthz`)).status).toBe(200);

    const body = new URLSearchParams({ partnerKey: TEST_PARTNER_KEY, padding: 'x'.repeat(2000) }).toString();
    // Requests whose bodies are still arriving when the signal comes: certainly in flight.
    const held = Array.from({ length: 8 }, () => post(served.url, '/partner/v2/apps', body));
    await Promise.all(held.map((h) => h.started));
    // And a burst of ordinary requests racing the signal.
    const burst = Array.from({ length: 60 }, (_, i) =>
      fetch(`${served.url}/${i % 2 ? 'readyz' : 'partner/v2/apps'}`, { method: i % 2 ? 'GET' : 'POST', headers: i % 2 ? {} : { 'content-type': 'application/x-www-form-urlencoded' }, body: i % 2 ? undefined : body }).then(
        async (res) => ({ accepted: true as const, status: res.status, text: await res.text() }),
        (err: Error) => ({ accepted: false as const, err }),
      ),
    );
    await new Promise((r) => setTimeout(r, 5));
    served.child.kill('SIGTERM');

    // The server must wait for the held requests rather than exit under them.
    await new Promise((r) => setTimeout(r, 500));
    expect(served.child.exitCode).toBeNull();
    await expect(fetch(`${served.url}/healthz`)).rejects.toThrow();

    for (const h of held) h.sendRest();
    for (const { status, body: text } of await Promise.all(held.map((h) => h.answer))) {
      expect(status).toBeGreaterThan(0);
      expect(JSON.parse(text)).toHaveProperty('stat');
    }
    const results = await Promise.all(burst);
    for (const r of results) {
      // A request the server never accepted fails to connect; one it accepted must be answered in full.
      if (!r.accepted) continue;
      expect(() => JSON.parse(r.text)).not.toThrow();
      expect([200, 400, 401, 403, 404, 503]).toContain(r.status);
    }
    expect(results.filter((r) => r.accepted).length).toBeGreaterThan(0);
    expect(await served.exited).toBe(0);
    expect(served.output()).toContain('shut down cleanly');
  });
});

describe('openrain migrate', async () => {
  for (const kind of await databaseKinds()) {
    it(`applies every migration once, then says the ${kind} database is up to date`, async () => {
      const database = await createTestDatabase(kind);
      cleanups.push(() => database.drop());
      const run = () => spawnSync(process.execPath, [CLI, 'migrate'], { env: { ...process.env, DATABASE_URL: database.url, OPENRAIN_DATA_DIR: database.dataDir }, encoding: 'utf8', timeout: 30_000 });
      const first = run();
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      expect(first.stdout).toMatch(/^applied: 0001_/);
      const second = run();
      expect(second.status).toBe(0);
      expect(second.stdout.trim()).toBe('database is up to date');
    });
  }

  it('rejects a bad DATABASE_URL with a message and a non-zero exit', () => {
    const r = spawnSync(process.execPath, [CLI, 'migrate'], { env: { ...process.env, DATABASE_URL: 'mysql://nope' }, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DATABASE_URL must start with sqlite: or postgres://');
  });
});
