import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { digest, randomHex } from '../crypto/secrets.js';
import type { Runtime } from '../runtime.js';
import { enableDemoProvider } from '../providers/demo/mount.js';
import { addDomainPatterns } from '../social/whitelist.js';
import { realmUrl } from './apps.js';
import { createApp } from './create-app.js';
import { setPartnerKey } from './partner-key.js';

/**
 * `<data dir>/bootstrap.json`, written once on first start (mode 0600). Operators' scripts read
 * it, so its keys are a contract: add keys, never rename or remove them.
 *
 *   version                     1
 *   createdAt                   ISO 8601 time of the first start
 *   publicUrl                   OPENRAIN_PUBLIC_URL (or its default)
 *   partnerKey                  the generated partner key; absent when OPENRAIN_PARTNER_KEY set it
 *   partnerKeySource            "generated" | "OPENRAIN_PARTNER_KEY"
 *   demo.appId                  the demo application's appId
 *   demo.apiKey                 its Social Login apiKey
 *   demo.realm                  its realm label ("demo")
 *   demo.realmUrl               where its pages are served (http://demo.localhost:8080)
 *   demo.inviteUrl              its first admin's invitation link
 *   demo.adminEmail             that admin
 *   demo.captureOwnerClientId / demo.captureOwnerClientSecret   its owner API client
 *   demo.captureLoginClientId / demo.captureLoginClientSecret   its login client
 */
export interface BootstrapFile {
  version: 1;
  createdAt: string;
  publicUrl: string;
  partnerKey?: string;
  partnerKeySource: 'generated' | 'OPENRAIN_PARTNER_KEY';
  demo: {
    appId: string;
    apiKey: string;
    realm: string;
    realmUrl: string;
    inviteUrl: string;
    adminEmail: string;
    captureOwnerClientId: string;
    captureOwnerClientSecret: string;
    captureLoginClientId: string;
    captureLoginClientSecret: string;
  };
}

export const BOOTSTRAP_FILE = 'bootstrap.json';
export const DEMO_REALM = 'demo';
const DEMO_ADMIN = 'admin@localhost';
const PARTNER_KEY_DIGEST = 'partner_key_digest';

export interface BootstrapResult {
  /** True when this start initialised the store. */
  created: boolean;
  file: string;
}

/**
 * First start: on an empty store, creates the partner key (or takes OPENRAIN_PARTNER_KEY) and
 * the demo application, writes the credentials to bootstrap.json and prints them once. Later
 * starts only say where the file is. When OPENRAIN_PARTNER_KEY is set, its digest replaces the
 * stored one on every start, so rotating the key is a restart with the new value.
 */
export async function bootstrap(runtime: Runtime, print: (text: string) => void): Promise<BootstrapResult> {
  const { config, store } = runtime;
  const file = resolve(join(config.dataDir, BOOTSTRAP_FILE));
  const envKey = config.partnerKey;
  const partnerKey = envKey ?? randomHex(20);

  // Claiming the empty store and storing the key is one statement, so of several processes
  // starting together on one PostgreSQL database exactly one creates the demo application.
  const created = await store.write(async (tx) => {
    const inserted = await tx
      .insertInto('installation')
      .values({ name: PARTNER_KEY_DIGEST, value: digest(partnerKey) })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    const claimed = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
    if (!claimed && envKey) await setPartnerKey(tx, envKey);
    return claimed;
  });

  if (!created) {
    print(existsSync(file) ? `openrain: credentials from the first start are in ${file}\n` : `openrain: this store was initialised before (no ${file} here); OPENRAIN_PARTNER_KEY sets the partner key\n`);
    return { created: false, file };
  }

  const demo = await createApp(runtime, { email: DEMO_ADMIN, domain: 'localhost', name: 'Demo', realm: DEMO_REALM });
  // Sites under development run on any *.localhost host (and the realm itself is demo.localhost).
  await addDomainPatterns(store, demo.app.id, ['localhost', '*.localhost']);
  // Sign-in works offline: the demo application signs users in at the built-in demo provider.
  await enableDemoProvider(runtime, demo.app);

  const contents: BootstrapFile = {
    version: 1,
    createdAt: new Date().toISOString(),
    publicUrl: config.publicUrl,
    ...(envKey ? {} : { partnerKey }),
    partnerKeySource: envKey ? 'OPENRAIN_PARTNER_KEY' : 'generated',
    demo: {
      appId: demo.app.app_id,
      apiKey: demo.apiKey,
      realm: demo.app.realm,
      realmUrl: realmUrl(config, demo.app.realm),
      inviteUrl: demo.inviteUrl,
      adminEmail: DEMO_ADMIN,
      captureOwnerClientId: demo.registration.owner.client_id,
      captureOwnerClientSecret: demo.registration.owner.client_secret,
      captureLoginClientId: demo.registration.login.client_id,
      captureLoginClientSecret: demo.registration.login.client_secret,
    },
  };
  writePrivateFile(file, `${JSON.stringify(contents, null, 2)}\n`);
  print(describeBootstrap(contents, file));
  return { created: true, file };
}

/** Writes a file only its owner can read, replacing any older one atomically. */
function writePrivateFile(file: string, text: string): void {
  mkdirSync(resolve(file, '..'), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

function describeBootstrap(c: BootstrapFile, file: string): string {
  const lines = [
    '',
    'openrain: first start: created the partner key and a demo application.',
    `  public URL              ${c.publicUrl}`,
    c.partnerKey ? `  partnerKey              ${c.partnerKey}` : '  partnerKey              (from OPENRAIN_PARTNER_KEY)',
    `  demo appId              ${c.demo.appId}`,
    `  demo apiKey             ${c.demo.apiKey}`,
    `  demo realm              ${c.demo.realmUrl}`,
    `  demo owner client       ${c.demo.captureOwnerClientId} / ${c.demo.captureOwnerClientSecret}`,
    `  demo login client       ${c.demo.captureLoginClientId} / ${c.demo.captureLoginClientSecret}`,
    `  demo admin invitation   ${c.demo.inviteUrl}`,
    `These are shown once; they are saved in ${file} (readable only by you).`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}
