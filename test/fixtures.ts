import { call, TEST_PARTNER_KEY, type TestServer } from './server.js';

export interface TestApp {
  apiKey: string;
  appId: string;
  /** The realm label (`myapp`); the app's pages are at `http://<realm>.localhost:8080`. */
  realm: string;
  /** The full realm host app/create answered (`myapp.localhost`). */
  realmHost: string;
  inviteUrl: string;
  ownerClientId: string;
  ownerClientSecret: string;
  loginClientId: string;
  loginClientSecret: string;
}

let counter = 0;

/**
 * Creates an application over HTTP with the Partner API (`app/create`), as an operator would.
 * `overrides` are extra or replacing app/create parameters (`realm`, `apiKey`, `name`, `domain`, `email`).
 */
export async function createTestApp(server: TestServer, overrides: Record<string, string> = {}): Promise<TestApp> {
  counter += 1;
  const res = await call(server.url, '/partner/v2/app/create', {
    partnerKey: TEST_PARTNER_KEY,
    email: `admin${counter}@example.com`,
    domain: `site${counter}.example.com`,
    ...overrides,
  });
  const r = res.json?.partnerresponse;
  if (res.status !== 200 || r?.stat !== 'ok') throw new Error(`app/create failed: ${res.status} ${res.text}`);
  return {
    apiKey: r.apikey,
    appId: r.appid,
    realm: String(r.realm).split('.')[0],
    realmHost: r.realm,
    inviteUrl: r.inviteurl,
    ownerClientId: r.capture_owner_client_id,
    ownerClientSecret: r.capture_owner_client_secret,
    loginClientId: r.capture_login_client_id,
    loginClientSecret: r.capture_login_client_secret,
  };
}
