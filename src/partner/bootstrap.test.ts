import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { start } from '../../src/main.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../test/databases.js';
import { call } from '../../test/server.js';
import { bootstrap } from './bootstrap.js';

const kinds = await databaseKinds();

describe.each(kinds)('first start [%s]', (kind) => {
  let database: TestDatabase;
  afterAll(async () => {
    await database?.drop();
  });

  const configFor = (env: Record<string, string> = {}) =>
    loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, OPENRAIN_DATA_DIR: database.dataDir, OPENRAIN_PUBLIC_URL: 'http://localhost:8080', LOG_LEVEL: 'silent', ...env });

  it('creates the partner key and a demo application, writes bootstrap.json (0600), and reuses them on the next start', async () => {
    database = await createTestDatabase(kind);
    const first = await start(configFor());
    const file = join(database.dataDir, 'bootstrap.json');
    let json: any;
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      json = JSON.parse(readFileSync(file, 'utf8'));
      expect(json).toMatchObject({ version: 1, publicUrl: 'http://localhost:8080', partnerKeySource: 'generated', demo: { realm: 'demo', realmUrl: 'http://demo.localhost:8080', adminEmail: 'admin@localhost' } });
      expect(json.partnerKey).toMatch(/^[0-9a-f]{40}$/);
      expect(json.demo.apiKey).toMatch(/^[0-9a-f]{40}$/);
      expect(json.demo.appId).toMatch(/^[a-z]{20}$/);
      for (const k of ['captureOwnerClientId', 'captureOwnerClientSecret', 'captureLoginClientId', 'captureLoginClientSecret']) expect(json.demo[k]).toMatch(/^[a-z0-9]{32}$/);

      // The credentials work.
      const apps = await call(first.url, '/partner/v2/apps', { partnerKey: json.partnerKey });
      expect(apps.json.apps).toEqual([{ appId: json.demo.appId, applicationDomain: 'http://demo.localhost:8080/', apiKey: json.demo.apiKey }]);
      const patterns = await first.runtime.store.db.selectFrom('social_domain_patterns').select('pattern').execute();
      expect(patterns.map((p) => p.pattern).sort()).toEqual(['*.localhost', 'localhost']);
    } finally {
      await first.close();
    }

    // Second start: nothing new is created, the file is untouched, the old key still works.
    const before = readFileSync(file, 'utf8');
    const second = await start(configFor());
    try {
      expect(readFileSync(file, 'utf8')).toBe(before);
      const apps = await call(second.url, '/partner/v2/apps', { partnerKey: json.partnerKey });
      expect(apps.json.apps).toHaveLength(1);
      const printed: string[] = [];
      const again = await bootstrap(second.runtime, (t) => printed.push(t));
      expect(again.created).toBe(false);
      expect(printed.join('')).toContain(file);
      expect(printed.join('')).not.toContain(json.partnerKey);
    } finally {
      await second.close();
    }

    // OPENRAIN_PARTNER_KEY replaces the stored key on every start.
    const rotated = 'rotated0partner0key000000000000000000000';
    const third = await start(configFor({ OPENRAIN_PARTNER_KEY: rotated }));
    try {
      expect((await call(third.url, '/partner/v2/apps', { partnerKey: rotated })).json.stat).toBe('ok');
      expect((await call(third.url, '/partner/v2/apps', { partnerKey: json.partnerKey })).json.err.code).toBe(3);
    } finally {
      await third.close();
    }
  });

  it('with OPENRAIN_PARTNER_KEY on an empty store, the key is neither written nor printed; the rest is printed once', async () => {
    const own = await createTestDatabase(kind);
    const printed: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    const key = 'env0partner0key0000000000000000000000000';
    const config = loadConfig({ PORT: '0', DATABASE_URL: own.url, OPENRAIN_DATA_DIR: own.dataDir, OPENRAIN_PUBLIC_URL: 'http://localhost:8080', OPENRAIN_PARTNER_KEY: key, LOG_LEVEL: 'info' });
    let running;
    try {
      running = await start(config, pino({ level: 'silent' }));
    } finally {
      spy.mockRestore();
    }
    try {
      const json = JSON.parse(readFileSync(join(own.dataDir, 'bootstrap.json'), 'utf8'));
      expect(json.partnerKey).toBeUndefined();
      expect(json.partnerKeySource).toBe('OPENRAIN_PARTNER_KEY');
      expect(readFileSync(join(own.dataDir, 'bootstrap.json'), 'utf8')).not.toContain(key);
      expect((await call(running.url, '/partner/v2/apps', { partnerKey: key })).json.apps).toHaveLength(1);
      const text = printed.join('');
      expect(text).toContain(json.demo.apiKey);
      expect(text).toContain(json.demo.captureOwnerClientSecret);
      expect(text).toContain('http://demo.localhost:8080');
      expect(text).not.toContain(key);
    } finally {
      await running.close();
      await own.drop();
    }
  });
});
