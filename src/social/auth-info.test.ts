import { beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/fixtures.js';
import { call, describeEachDatabase } from '../../test/server.js';
import { findAppByApiKey } from '../partner/apps.js';
import { xmlOk } from './test-helpers.js';
import { CompiledQuery } from 'kysely';
import { consumeStatement, issueToken, TOKEN_LIFETIME_MS, type SignInAnswer } from './tokens.js';

const TOKEN_URL = 'https://www.shop.example/rpx/token';

const ANSWER: SignInAnswer = {
  profile: {
    identifier: 'https://www.google.com/profiles/123456789123456789123',
    providerName: 'Google',
    displayName: 'sam',
    preferredUsername: 'sam',
    name: { givenName: 'Sam', familyName: 'Knot', formatted: 'Sam Knot' },
    email: 'sam@example.com',
    verifiedEmail: 'sam@example.com',
  },
  accessCredentials: { type: 'OAuth2', accessToken: 'ya29.upstream', expires: 1900000000, scopes: 'openid profile email' },
  merged_poco: { emails: [{ type: 'other', value: 'sam@example.com' }], name: { givenName: 'Sam', familyName: 'Knot', formatted: 'Sam Knot' } },
  extended: { friends: ['https://www.google.com/profiles/1', 'https://www.google.com/profiles/2'] },
};

describeEachDatabase('auth_info', (server) => {
  const api = (path: string, params: Record<string, string> = {}) => call(server().url, `/api/v2/${path}`, params);
  const runtime = () => server().running.runtime;

  /** Issues a token the way a finished sign-in does, as of `now`. */
  async function tokenFor(app: TestApp, options: { oneTime?: boolean; now?: number; answer?: SignInAnswer; tokenUrl?: string } = {}): Promise<string> {
    const { store, sealer } = runtime();
    const row = (await findAppByApiKey(store.db, app.apiKey))!;
    const answer = options.answer ?? ANSWER;
    return store.write((tx) =>
      issueToken(tx, sealer, row.id, { identifier: String(answer.profile.identifier), answer, tokenUrl: options.tokenUrl ?? TOKEN_URL, oneTime: options.oneTime ?? true }, options.now),
    );
  }

  let app: TestApp;
  let other: TestApp;
  beforeAll(async () => {
    app = await createTestApp(server(), { domain: 'www.shop.example' });
    other = await createTestApp(server());
  });

  it('answers the profile and access credentials for a fresh token, once', async () => {
    const token = await tokenFor(app);
    expect(token).toMatch(/^[0-9a-f]{40}$/);
    const first = await api('auth_info', { apiKey: app.apiKey, token });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ stat: 'ok', profile: ANSWER.profile, accessCredentials: ANSWER.accessCredentials });
    const again = await api('auth_info', { apiKey: app.apiKey, token });
    expect(again.status).toBe(404);
    expect(again.json).toMatchObject({ stat: 'fail', err: { code: 2, msg: 'Data not found' } });
  });

  it('adds merged_poco and friends with extended=true', async () => {
    const r = await api('auth_info', { apiKey: app.apiKey, token: await tokenFor(app), extended: 'true' });
    expect(r.json).toEqual({ stat: 'ok', profile: ANSWER.profile, accessCredentials: ANSWER.accessCredentials, merged_poco: ANSWER.merged_poco, friends: ANSWER.extended!.friends });
  });

  it('gives exactly one success to concurrent calls with one token', async () => {
    for (let round = 0; round < 3; round++) {
      const token = await tokenFor(app);
      const answers = await Promise.all(Array.from({ length: 8 }, () => api('auth_info', { apiKey: app.apiKey, token })));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      for (const a of answers.filter((x) => x.status !== 200)) expect(a.json.err.code).toBe(2);
    }
  });

  it('lets a token be exchanged again until it expires when the app does not want one-time tokens', async () => {
    const token = await tokenFor(app, { oneTime: false });
    for (let i = 0; i < 3; i++) expect((await api('auth_info', { apiKey: app.apiKey, token })).json.profile).toEqual(ANSWER.profile);
    const old = await tokenFor(app, { oneTime: false, now: Date.now() - TOKEN_LIFETIME_MS - 1000 });
    expect((await api('auth_info', { apiKey: app.apiKey, token: old })).json.err.code).toBe(2);
  });

  it('refuses an expired token with code 2', async () => {
    const token = await tokenFor(app, { now: Date.now() - TOKEN_LIFETIME_MS - 1 });
    const r = await api('auth_info', { apiKey: app.apiKey, token });
    expect(r.json).toMatchObject({ stat: 'fail', err: { code: 2, msg: 'Data not found' } });
  });

  it('proves a token by the digest of all of it: a token differing after its selector is refused and leaves the real one', async () => {
    const token = await tokenFor(app);
    const forged = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
    expect((await api('auth_info', { apiKey: app.apiKey, token: forged })).json).toMatchObject({ stat: 'fail', err: { code: 2 } });
    expect((await api('auth_info', { apiKey: app.apiKey, token })).json.profile).toEqual(ANSWER.profile);
  });

  it('finds the token through its selector index, not by reading the application\'s live tokens', async () => {
    if (server().kind !== 'sqlite') return; // PostgreSQL plans from its statistics.
    for (const withUrl of [false, true]) {
      const { sql: text, parameters } = consumeStatement(runtime().store.db, withUrl, 1, 'selector', 'digest', 'url').compile();
      const plan = await runtime().store.db.executeQuery(CompiledQuery.raw(`explain query plan ${text}`, [...parameters]));
      expect(JSON.stringify(plan.rows)).toContain('social_tokens_selector');
    }
  });

  it('refuses a different tokenUrl with "Token URL mismatch" and keeps the token for the right one', async () => {
    const token = await tokenFor(app);
    const wrong = await api('auth_info', { apiKey: app.apiKey, token, tokenUrl: 'https://evil.example/rpx/token' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.err.code).toBe(3);
    expect(wrong.json.err.msg).toMatch(/^Token URL mismatch/);
    // The URL the site was called on carries the token: it still matches.
    const right = await api('auth_info', { apiKey: app.apiKey, token, tokenUrl: `${TOKEN_URL}?token=${token}` });
    expect(right.status).toBe(200);
    expect(right.json.profile.identifier).toBe(ANSWER.profile.identifier);
  });

  it("never exchanges another application's token, and leaves it to its owner", async () => {
    const token = await tokenFor(other);
    const stolen = await api('auth_info', { apiKey: app.apiKey, token });
    expect(stolen.json).toMatchObject({ stat: 'fail', err: { code: 2 } });
    expect((await api('auth_info', { apiKey: other.apiKey, token })).status).toBe(200);
  });

  it('refuses a wrong or missing apiKey, and a missing or malformed token', async () => {
    const token = await tokenFor(app);
    const wrongKey = await api('auth_info', { apiKey: 'ab'.repeat(20), token });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.json).toMatchObject({ stat: 'fail', err: { code: 3, msg: 'Invalid apiKey' } });
    expect((await api('auth_info', { token })).json.err).toMatchObject({ code: 0, msg: 'Missing parameter: apiKey' });
    expect((await api('auth_info', { apiKey: app.apiKey })).json.err).toMatchObject({ code: 0, msg: 'Missing parameter: token' });
    expect((await api('auth_info', { apiKey: app.apiKey, token: "' or 1=1 --" })).json.err.code).toBe(2);
    // The token survived all of that.
    expect((await api('auth_info', { apiKey: app.apiKey, token })).status).toBe(200);
  });

  it('reports the primary key of a mapped identifier', async () => {
    await api('map', { apiKey: app.apiKey, identifier: String(ANSWER.profile.identifier), primaryKey: '42' });
    const r = await api('auth_info', { apiKey: app.apiKey, token: await tokenFor(app) });
    expect(r.json.profile).toEqual({ ...ANSWER.profile, primaryKey: '42' });
    const reusable = await api('auth_info', { apiKey: app.apiKey, token: await tokenFor(app, { oneTime: false }) });
    expect(reusable.json.profile.primaryKey).toBe('42');
    await api('unmap', { apiKey: app.apiKey, identifier: String(ANSWER.profile.identifier), primaryKey: '42' });
    expect((await api('auth_info', { apiKey: app.apiKey, token: await tokenFor(app) })).json.profile.primaryKey).toBeUndefined();
  });

  it('stores only the token digest and a sealed answer', async () => {
    const token = await tokenFor(app);
    const { store } = runtime();
    const rows = await store.db.selectFrom('social_tokens').selectAll().execute();
    const text = JSON.stringify(rows);
    expect(text).not.toContain(token);
    expect(text).not.toContain('sam@example.com');
    expect(text).not.toContain('ya29.upstream');
    expect(rows.some((r) => r.token_url === TOKEN_URL)).toBe(true);
  });

  it('answers XML', async () => {
    const answer: SignInAnswer = { profile: { identifier: 'https://x.example/1', providerName: 'X', name: { formatted: 'A & B' } }, accessCredentials: { type: 'OAuth2' } };
    const r = await api('auth_info', { apiKey: app.apiKey, token: await tokenFor(app, { answer }), format: 'xml' });
    expect(r.text).toBe(
      xmlOk('<profile><identifier>https://x.example/1</identifier><providerName>X</providerName><name><formatted>A &amp; B</formatted></name></profile><accessCredentials><type>OAuth2</type></accessCredentials>'),
    );
    const missing = await api('auth_info', { apiKey: app.apiKey, token: 'f'.repeat(40), format: 'xml' });
    expect(missing.text).toMatch(/<rsp stat="fail"><err code="2" msg="Data not found"/);
  });

  it('exchanges several tokens at once with the legacy auth_infos', async () => {
    const a = await tokenFor(app);
    const b = await tokenFor(app, { answer: { profile: { identifier: 'https://b.example/2', providerName: 'B' } } });
    const foreign = await tokenFor(other);
    const r = await api('auth_infos', { apiKey: app.apiKey, tokens: JSON.stringify([a, b, foreign]) });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      stat: 'ok',
      auth_infos: {
        [a]: { stat: 'ok', profile: ANSWER.profile, accessCredentials: ANSWER.accessCredentials },
        [b]: { stat: 'ok', profile: { identifier: 'https://b.example/2', providerName: 'B' } },
        [foreign]: { stat: 'fail', err: { code: 2, msg: 'Data not found' } },
      },
    });
    // Each was consumed like a single auth_info.
    expect((await api('auth_infos', { apiKey: app.apiKey, tokens: `${a},${b}` })).json.auth_infos[a].err.code).toBe(2);
    expect((await api('auth_infos', { apiKey: app.apiKey })).json.err.code).toBe(0);
  });
});
