import { randomPKCECodeVerifier, randomNonce } from 'openid-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SocialError } from '../http/errors.js';
import { findAppByApiKey, type AppRow } from '../partner/apps.js';
import { createTestApp, type TestApp } from '../../test/fixtures.js';
import { call, describeEachDatabase } from '../../test/server.js';
import { ALICE, followToCallback, startOAuth2Upstream, startOidcUpstream, type OAuth2Upstream, type OidcUpstream } from './testing/upstreams.js';
import { beginSignIn, completeSignIn, fetchContacts, providerOfIdentifier, providerOfIdentifierForApp, refreshProfile, UpstreamError, type PendingSignIn } from './upstream.js';

const CALLBACK_BASE = 'http://app.localhost:8080';
const OIDC_CALLBACK = `${CALLBACK_BASE}/oidc:acme/callback`;
const OAUTH_CALLBACK = `${CALLBACK_BASE}/oauth2:plain/callback`;
const OIDC_CLIENT = { clientId: 'openrain-test', clientSecret: 'a-long-enough-test-client-secret-1234', redirectUris: [OIDC_CALLBACK] };
const OAUTH_CLIENT = { clientId: 'plain-client', clientSecret: 'plain-secret-value-0000', redirectUris: [OAUTH_CALLBACK] };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describeEachDatabase('upstream sign-in against real providers', (server) => {
  let oidcUp: OidcUpstream;
  let oauthUp: OAuth2Upstream;
  let app: TestApp;
  let row: AppRow;
  const runtime = () => server().running.runtime;
  const api = (path: string, params: Record<string, string>) => call(server().url, path, { apiKey: app.apiKey, ...params });

  beforeAll(async () => {
    oidcUp = await startOidcUpstream([OIDC_CLIENT]);
    oauthUp = await startOAuth2Upstream(OAUTH_CLIENT);
    app = await createTestApp(server());
    row = (await findAppByApiKey(runtime().store.db, app.apiKey)) as AppRow;
  });
  afterAll(async () => {
    await oidcUp?.close();
    await oauthUp?.close();
  });

  it('configures an OpenID Connect provider by issuer (discovered at once) and answers its secret masked', async () => {
    const set = await api('/api/v2/set_provider_config', { provider: 'oidc:acme', issuer: oidcUp.issuer, clientId: OIDC_CLIENT.clientId, clientSecret: OIDC_CLIENT.clientSecret, displayName: 'Acme' });
    expect(set.json).toEqual({ stat: 'ok' });
    const got = await api('/api/v2/get_provider_config', { provider: 'oidc:acme' });
    expect(got.json.providers[0]).toMatchObject({ provider: 'oidc:acme', kind: 'oidc', issuer: oidcUp.issuer, clientId: OIDC_CLIENT.clientId, clientSecret: '********1234', pkce: true, scopes: ['openid', 'profile', 'email'] });
    expect(got.text).not.toContain(OIDC_CLIENT.clientSecret);
    const xml = await api('/api/v2/get_provider_config', { format: 'xml' });
    expect(xml.status).toBe(200);
    expect(xml.text).toContain('<scope>openid</scope>');
    expect(xml.text).not.toContain(OIDC_CLIENT.clientSecret);
  });

  it('refuses a provider whose discovery fails, names outside oidc:/oauth2:, non-https endpoints and the demo provider', async () => {
    expect((await api('/api/v2/set_provider_config', { provider: 'oidc:nowhere', issuer: 'http://127.0.0.1:9/', clientId: 'x', clientSecret: 'y' })).json.err).toMatchObject({ code: 1 });
    expect((await api('/api/v2/set_provider_config', { provider: 'acme', issuer: oidcUp.issuer, clientId: 'x', clientSecret: 'y' })).json.err).toMatchObject({ code: 1 });
    const plainHttp = await api('/api/v2/set_provider_config', { provider: 'oauth2:x', authorizationEndpoint: 'http://idp.example.com/a', tokenEndpoint: 'https://idp.example.com/t', userInfoEndpoint: 'https://idp.example.com/u', clientId: 'x', clientSecret: 'y' });
    expect(plainHttp.json.err).toMatchObject({ code: 1 });
    expect(plainHttp.json.err.msg).toContain('authorizationEndpoint');
    expect((await api('/api/v2/set_provider_config', { provider: 'oauth2:x', tokenEndpoint: 'https://idp.example.com/t', userInfoEndpoint: 'https://idp.example.com/u', clientId: 'x', clientSecret: 'y' })).json.err).toMatchObject({ code: 0 });
    expect((await api('/api/v2/set_provider_config', { provider: 'demo', clientId: 'x', clientSecret: 'y' })).json.err).toMatchObject({ code: 1 });
  });

  it('lets set_auth_providers offer an own provider, and only a configured one', async () => {
    expect((await api('/api/v2/set_auth_providers', { providers: '["google","oidc:acme"]' })).json).toEqual({ stat: 'ok' });
    expect((await api('/api/v2/set_auth_providers', { providers: '["oidc:unknown"]' })).json.err).toMatchObject({ code: 1 });
  });

  async function signIn(): Promise<{ pending: PendingSignIn; callback: URL; authorizationUrl: string }> {
    const { authorizationUrl, pending } = await beginSignIn(runtime(), row, 'oidc:acme', { redirectUri: OIDC_CALLBACK });
    const callback = await followToCallback(authorizationUrl, OIDC_CALLBACK);
    return { pending, callback, authorizationUrl };
  }

  it('signs in through discovery with PKCE, state and nonce, and normalises the OpenID Connect claims', async () => {
    const { pending, callback, authorizationUrl } = await signIn();
    const sent = new URL(authorizationUrl).searchParams;
    expect(sent.get('code_challenge_method')).toBe('S256');
    expect(sent.get('state')).toBe(pending.state);
    expect(sent.get('nonce')).toBe(pending.nonce);
    expect(sent.get('scope')).toBe('openid profile email');
    expect(JSON.parse(JSON.stringify(pending))).toEqual(pending);

    const identity = await completeSignIn(runtime(), row, pending, { url: callback });
    expect(identity.profile).toEqual({
      identifier: `${oidcUp.issuer}#${ALICE.sub}`,
      providerName: 'Acme',
      displayName: 'Alice Example',
      preferredUsername: 'alice',
      name: { formatted: 'Alice Example', givenName: 'Alice', familyName: 'Example' },
      email: 'alice@example.com',
      verifiedEmail: 'alice@example.com',
      photo: 'https://img.example.com/alice.png',
    });
    expect(identity.accessCredentials).toMatchObject({ type: 'OAuth2', accessToken: identity.upstreamTokens.accessToken, uid: ALICE.sub });
    expect(identity.mergedPoco).toMatchObject({ emails: [{ type: 'other', value: 'alice@example.com', primary: true }], displayName: 'Alice Example' });
    expect(identity.upstreamTokens).toMatchObject({ subject: ALICE.sub, accessToken: expect.any(String), refreshToken: expect.any(String), expiresAt: expect.any(Number) });
    expect(await providerOfIdentifierForApp(runtime(), row, identity.profile.identifier)).toBe('oidc:acme');
  });

  it('reports state tampering, a nonce mismatch, a PKCE verifier mismatch and a denial with the right kinds', async () => {
    const tampered = await signIn();
    tampered.callback.searchParams.set('state', 'x'.repeat(43));
    expect(await rejection(completeSignIn(runtime(), row, tampered.pending, { url: tampered.callback }))).toMatchObject({ kind: 'state_mismatch' });

    const nonce = await signIn();
    expect(await rejection(completeSignIn(runtime(), row, { ...nonce.pending, nonce: randomNonce() }, { url: nonce.callback }))).toMatchObject({ kind: 'invalid_response' });

    const pkce = await signIn();
    const wrongVerifier = await rejection(completeSignIn(runtime(), row, { ...pkce.pending, codeVerifier: randomPKCECodeVerifier() }, { url: pkce.callback }));
    expect(wrongVerifier).toBeInstanceOf(UpstreamError);
    expect(wrongVerifier).toMatchObject({ kind: 'provider_error' });

    oidcUp.denyNext('access_denied');
    const denied = await signIn();
    expect(denied.callback.searchParams.get('error')).toBe('access_denied');
    expect(await rejection(completeSignIn(runtime(), row, denied.pending, { url: denied.callback }))).toMatchObject({ kind: 'denied' });
  });

  it('refuses a pending sign-in of another application, an expired one, and a replayed code', async () => {
    const other = (await findAppByApiKey(runtime().store.db, (await createTestApp(server())).apiKey)) as AppRow;
    const first = await signIn();
    expect(await rejection(completeSignIn(runtime(), other, first.pending, { url: first.callback }))).toMatchObject({ kind: 'state_mismatch' });
    expect(await rejection(completeSignIn(runtime(), row, { ...first.pending, issuedAt: Date.now() - 16 * 60 * 1000 }, { url: first.callback }))).toMatchObject({ kind: 'state_mismatch' });
    await completeSignIn(runtime(), row, first.pending, { url: first.callback });
    expect(await rejection(completeSignIn(runtime(), row, first.pending, { url: first.callback }))).toMatchObject({ kind: 'provider_error' });
  });

  it('sends PKCE to an OpenID Connect provider whose discovery advertises S256 even when configured without it', async () => {
    expect((await api('/api/v2/set_provider_config', { provider: 'oidc:acme', pkce: 'false' })).json).toEqual({ stat: 'ok' });
    const { authorizationUrl, pending } = await beginSignIn(runtime(), row, 'oidc:acme', { redirectUri: OIDC_CALLBACK });
    expect(new URL(authorizationUrl).searchParams.get('code_challenge_method')).toBe('S256');
    const identity = await completeSignIn(runtime(), row, pending, { url: await followToCallback(authorizationUrl, OIDC_CALLBACK) });
    expect(identity.profile.identifier).toBe(`${oidcUp.issuer}#${ALICE.sub}`);
    expect((await api('/api/v2/get_provider_config', { provider: 'oidc:acme' })).json.providers[0]).toMatchObject({ pkce: false, clientSecret: '********1234' });
  });

  it('refreshes the profile with the refresh token once the access token has expired', async () => {
    const { pending, callback } = await signIn();
    const identity = await completeSignIn(runtime(), row, pending, { url: callback });
    const stale = { ...identity.upstreamTokens, expiresAt: Date.now() - 1000 };
    const refreshed = await refreshProfile(runtime(), row, 'oidc:acme', stale);
    expect(refreshed.identity.profile.identifier).toBe(identity.profile.identifier);
    expect(refreshed.tokens.accessToken).not.toBe(identity.upstreamTokens.accessToken);
    expect(refreshed.tokens.expiresAt).toBeGreaterThan(Date.now());
    expect(refreshed.tokens.refreshToken).toEqual(expect.any(String));
    // Fresh tokens are used as they are.
    const again = await refreshProfile(runtime(), row, 'oidc:acme', identity.upstreamTokens);
    expect(again.tokens.accessToken).toBe(identity.upstreamTokens.accessToken);
  });

  it('signs in with an OAuth 2.0-only provider: explicit endpoints, PKCE, field mapping, a token response without token_type', async () => {
    const set = await api('/api/v2/set_provider_config', {
      provider: 'oauth2:plain',
      authorizationEndpoint: oauthUp.authorizationEndpoint,
      tokenEndpoint: oauthUp.tokenEndpoint,
      userInfoEndpoint: oauthUp.userInfoEndpoint,
      scopes: 'read,profile',
      clientAuth: 'client_secret_basic',
      fields: JSON.stringify({ id: 'data.id', email: 'data.mail', emailVerified: 'data.mail_confirmed', name: 'data.full_name', username: 'data.login', photo: 'data.avatar' }),
      clientId: OAUTH_CLIENT.clientId,
      clientSecret: OAUTH_CLIENT.clientSecret,
    });
    expect(set.json).toEqual({ stat: 'ok' });
    const listed = (await api('/api/v2/get_provider_config', {})).json.providers.map((p: { provider: string }) => p.provider);
    expect(listed).toEqual(['oauth2:plain', 'oidc:acme']);

    const { authorizationUrl, pending } = await beginSignIn(runtime(), row, 'oauth2:plain', { redirectUri: OAUTH_CALLBACK });
    expect(new URL(authorizationUrl).searchParams.get('code_challenge_method')).toBe('S256');
    expect(new URL(authorizationUrl).searchParams.get('scope')).toBe('read profile');
    expect(pending.nonce).toBeUndefined();
    const callback = await followToCallback(authorizationUrl, OAUTH_CALLBACK);
    const identity = await completeSignIn(runtime(), row, pending, { url: callback });
    expect(identity.profile).toEqual({
      identifier: `${oauthUp.base}#1001`,
      providerName: 'Other',
      displayName: 'Bob Builder',
      preferredUsername: 'bob',
      name: { formatted: 'Bob Builder' },
      email: 'bob@example.org',
      verifiedEmail: 'bob@example.org',
      photo: 'https://img.example.org/bob.png',
    });
    expect(identity.upstreamTokens.extra).toEqual({ uid: '1001' });

    const wrong = await beginSignIn(runtime(), row, 'oauth2:plain', { redirectUri: OAUTH_CALLBACK });
    const wrongCallback = await followToCallback(wrong.authorizationUrl, OAUTH_CALLBACK);
    expect(await rejection(completeSignIn(runtime(), row, { ...wrong.pending, codeVerifier: randomPKCECodeVerifier() }, { url: wrongCallback }))).toMatchObject({ kind: 'provider_error' });

    oauthUp.denyNext();
    const denied = await beginSignIn(runtime(), row, 'oauth2:plain', { redirectUri: OAUTH_CALLBACK });
    const deniedCallback = await followToCallback(denied.authorizationUrl, OAUTH_CALLBACK);
    expect(await rejection(completeSignIn(runtime(), row, denied.pending, { url: deniedCallback }))).toMatchObject({ kind: 'denied' });

    // get_user_data: refresh when expired; a revoked grant is code 9; no contacts API is code 11.
    const refreshed = await refreshProfile(runtime(), row, 'oauth2:plain', { ...identity.upstreamTokens, expiresAt: Date.now() - 1 });
    expect(refreshed.identity.profile.identifier).toBe(identity.profile.identifier);
    oauthUp.revokeAll();
    expect(await rejection(refreshProfile(runtime(), row, 'oauth2:plain', refreshed.tokens))).toMatchObject({ code: 9 });
    expect(await rejection(fetchContacts(runtime(), row, 'oauth2:plain', refreshed.tokens, {}))).toMatchObject({ code: 11 });
  });

  it('answers Janrain codes for providers that cannot sign in: unknown, discontinued, not configured', async () => {
    const err = async (name: string) => (await rejection(beginSignIn(runtime(), row, name, { redirectUri: OIDC_CALLBACK }))) as SocialError;
    expect(await err('nosuch')).toMatchObject({ code: 1, message: 'Invalid provider: nosuch' });
    expect(await err('myspace')).toMatchObject({ code: 11 });
    expect(await err('google')).toMatchObject({ code: 1, message: 'google not configured' });
    expect(await err('oidc:missing')).toMatchObject({ code: 1 });
    const partner = (params: Record<string, string>) => call(server().url, '/partner/v2/app/set_properties', { partnerKey: 'test0partner0key0000000000000000000000000', apiKey: app.apiKey, ...params });
    expect((await partner({ provider: 'apple', consumerKey: 'com.example.web' })).json).toEqual({ stat: 'ok' });
    expect(await err('apple')).toMatchObject({ code: 1, message: 'apple not configured' });
    expect((await partner({ provider: 'apple', privateKey: 'not-a-key' })).json).toEqual({ stat: 'ok' });
    expect(await err('apple')).toMatchObject({ code: 10 });
    expect((await partner({ provider: 'apple', teamId: 'TEAM123456', keyId: 'KEY1234567' })).json).toEqual({ stat: 'ok' });
    expect(await err('apple')).toMatchObject({ code: 10, message: expect.stringContaining('ES256') });
  });

  it('builds a catalog provider authorization request from its data and the permissions the application chose', async () => {
    const partner = (path: string, params: Record<string, string>) => call(server().url, `/partner/v2/${path}`, { partnerKey: 'test0partner0key0000000000000000000000000', apiKey: app.apiKey, ...params });
    expect((await partner('app/set_properties', { provider: 'facebook', fbAppID: '1234', fbSecret: 'fb-secret' })).json).toEqual({ stat: 'ok' });
    expect((await partner('app/set_provider_permissions', { provider: 'facebook', permissions: '["user_birthday"]' })).json).toEqual({ stat: 'ok' });
    const { authorizationUrl, pending } = await beginSignIn(runtime(), row, 'facebook', { redirectUri: `${CALLBACK_BASE}/facebook/callback` });
    const url = new URL(authorizationUrl);
    expect(`${url.origin}${url.pathname}`).toBe('https://www.facebook.com/v23.0/dialog/oauth');
    expect(url.searchParams.get('client_id')).toBe('1234');
    expect(url.searchParams.get('scope')).toBe('public_profile,email,user_birthday');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(`${CALLBACK_BASE}/facebook/callback`);
    expect(pending).toMatchObject({ provider: 'facebook', appId: app.appId });
  });

  it('tells which provider an identifier belongs to', () => {
    expect(providerOfIdentifier('https://www.google.com/profiles/1234567890')).toBe('google');
    expect(providerOfIdentifier('http://www.facebook.com/profile.php?id=42')).toBe('facebook');
    expect(providerOfIdentifier('http://twitter.com/account/profile?user_id=7')).toBe('twitter');
    expect(providerOfIdentifier('http://cid-aa4ae54b5aca67c3.spaces.live.com/')).toBe('microsoft');
    expect(providerOfIdentifier('https://github.com#583231')).toBe('github');
    expect(providerOfIdentifier('http://vk.com/id1')).toBe('vk');
    expect(providerOfIdentifier('https://example.com/someone')).toBeUndefined();
  });
});
