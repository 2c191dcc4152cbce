import { expect } from 'vitest';
import type { TestApp } from '../../../test/fixtures.js';
import { call, type TestServer } from '../../../test/server.js';

/** Helpers the Registration access tests share: clients, records and grants made over HTTP. */

// A type alias (not an interface), so that it passes where form parameters are expected.
export type Credentials = {
  client_id: string;
  client_secret: string;
};

export const owner = (app: TestApp): Credentials => ({ client_id: app.ownerClientId, client_secret: app.ownerClientSecret });
export const login = (app: TestApp): Credentials => ({ client_id: app.loginClientId, client_secret: app.loginClientSecret });

export function basic(credentials: Credentials): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${credentials.client_id}:${credentials.client_secret}`).toString('base64')}` };
}

let counter = 0;

/** clients/add as the owner; answers the new client's credentials. */
export async function addClient(server: TestServer, app: TestApp, features: string[]): Promise<Credentials> {
  const r = await call(server.url, '/clients/add', { ...owner(app), description: `test client ${features.join('+')}`, features: JSON.stringify(features) });
  expect(r.json).toMatchObject({ stat: 'ok' });
  return { client_id: r.json.client_id, client_secret: r.json.client_secret };
}

/** A user record of the standard `user` type. */
export async function createUser(server: TestServer, app: TestApp, attributes: Record<string, unknown> = {}): Promise<{ id: number; uuid: string; email: string }> {
  counter += 1;
  const email = `user${counter}.${Date.now()}@example.com`;
  const r = await call(server.url, '/entity.create', { ...owner(app), type_name: 'user', attributes: JSON.stringify({ email, givenName: 'Test', ...attributes }) });
  expect(r.json).toMatchObject({ stat: 'ok' });
  return { id: r.json.id, uuid: r.json.uuid, email };
}

/** access/getAuthorizationCode (by the owner) for `client`, then oauth/token as that client. */
export async function tokensFor(server: TestServer, app: TestApp, user: { uuid: string }, client: Credentials, redirectUri = 'https://site.example.com/oauth'): Promise<{ access_token: string; refresh_token: string; expires_in: number }> {
  const code = await call(server.url, '/access/getAuthorizationCode', { ...owner(app), type_name: 'user', uuid: user.uuid, redirect_uri: redirectUri, for_client_id: client.client_id });
  expect(code.json).toMatchObject({ stat: 'ok' });
  const r = await call(server.url, '/oauth/token', { ...client, grant_type: 'authorization_code', code: code.json.authorizationCode, redirect_uri: redirectUri });
  expect(r.status).toBe(200);
  return r.json;
}
