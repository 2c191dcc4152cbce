import { CompiledQuery, type Compilable } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/fixtures.js';
import { call, describeEachDatabase } from '../../../test/server.js';
import type { Db } from '../../store/store.js';
import { formatSignatureDate, signRefresh } from '../clients/signature.js';
import { anyDue, sweepDue } from '../../store/sweep.js';
import { EXPIRED_CODE_KEPT_MS } from './codes.js';
import { EXPIRED_ACCESS_KEPT_MS, SPENT_REFRESH_KEPT_MS } from './grants.js';
import { issueTokens, rotateInOneStatement, selectAccessToken, spendRefresh } from './tokens.js';
import { addClient, basic, createUser, login, owner, tokensFor, type Credentials } from './test-helpers.js';

async function planOf(db: Db, statement: Compilable): Promise<string> {
  const { sql: text, parameters } = statement.compile();
  return JSON.stringify((await db.executeQuery(CompiledQuery.raw(`explain query plan ${text}`, [...parameters]))).rows);
}

const REDIRECT = 'https://site.example.com/oauth';

describeEachDatabase('access codes and tokens', (server) => {
  let app: TestApp;
  let issuer: Credentials;
  const post = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) => call(server().url, path, params, { headers });

  beforeAll(async () => {
    app = await createTestApp(server());
    issuer = await addClient(server(), app, ['access_issuer']);
  });

  describe('access/getAccessToken', () => {
    it('answers accessToken (camelCase) that reads the record, by uuid, id or key_attribute', async () => {
      const user = await createUser(server(), app);
      const selectors: Record<string, string>[] = [{ uuid: user.uuid }, { id: String(user.id) }, { key_attribute: 'email', key_value: JSON.stringify(user.email) }];
      for (const selector of selectors) {
        const r = await post('/access/getAccessToken', { ...issuer, type_name: 'user', ...selector });
        expect(r.json).toEqual({ stat: 'ok', accessToken: expect.stringMatching(/^[a-z0-9]{32}$/) });
        const read = await post('/entity', { access_token: r.json.accessToken, attributes: '["email"]' });
        expect(read.json).toMatchObject({ stat: 'ok', result: { email: user.email } });
      }
    });

    it('errors: no record 310, unknown type 222, no selector 100, two selectors 201, bad lifetime 200', async () => {
      const user = await createUser(server(), app);
      expect((await post('/access/getAccessToken', { ...issuer, type_name: 'user', uuid: '00000000-0000-4000-8000-000000000000' })).json).toMatchObject({ stat: 'error', code: 310, error: 'record_not_found' });
      expect((await post('/access/getAccessToken', { ...issuer, type_name: 'nosuch', uuid: user.uuid })).json).toMatchObject({ code: 222, error: 'unknown_entity_type' });
      expect((await post('/access/getAccessToken', { ...issuer, type_name: 'user' })).json).toMatchObject({ code: 100, argument_name: 'uuid' });
      expect((await post('/access/getAccessToken', { ...issuer, type_name: 'user', uuid: user.uuid, id: String(user.id) })).json).toMatchObject({ code: 201 });
      expect((await post('/access/getAccessToken', { ...issuer, uuid: user.uuid, lifetime: '0' })).json).toMatchObject({ code: 200, argument_name: 'lifetime' });
      expect((await post('/access/getAccessToken', { ...issuer, uuid: user.uuid, for_client_id: 'nosuchclient' })).json).toMatchObject({ code: 200, argument_name: 'for_client_id' });
    });

    it('a token past its lifetime is 414', async () => {
      const user = await createUser(server(), app);
      const r = await post('/access/getAccessToken', { ...issuer, uuid: user.uuid, lifetime: '1' });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await post('/entity', { access_token: r.json.accessToken })).json).toMatchObject({ stat: 'error', code: 414, error: 'access_token_expired' });
    });

    it('the client setting access_token_lifetime decides expires_in, else 3600', async () => {
      const user = await createUser(server(), app);
      const client = await addClient(server(), app, ['direct_access']);
      expect((await tokensFor(server(), app, user, client)).expires_in).toBe(3600);
      expect((await post('/settings/set', { ...owner(app), for_client_id: client.client_id, key: 'access_token_lifetime', value: '120' })).json).toMatchObject({ stat: 'ok' });
      expect((await tokensFor(server(), app, user, client)).expires_in).toBe(120);
      // Another client of the application keeps the default; refreshes follow the setting too.
      const other = await addClient(server(), app, ['direct_access']);
      const theirs = await tokensFor(server(), app, user, other);
      expect(theirs.expires_in).toBe(3600);
      expect((await post('/settings/set_default', { ...owner(app), key: 'access_token_lifetime', value: '600' })).json.stat).toBe('ok');
      const refreshed = await post('/oauth/token', { ...other, grant_type: 'refresh_token', refresh_token: theirs.refresh_token });
      expect(refreshed.json.expires_in).toBe(600);
      expect((await tokensFor(server(), app, user, client)).expires_in).toBe(120);
      expect((await post('/settings/set', { ...owner(app), for_client_id: client.client_id, key: 'access_token_lifetime', value: 'soon' })).json.stat).toBe('ok');
      expect((await tokensFor(server(), app, user, client)).expires_in).toBe(3600);
      await post('/settings/delete_default', { ...owner(app), key: 'access_token_lifetime' });
    });
  });

  describe('getAuthorizationCode and oauth/token', () => {
    it('exchanges a code for Bearer tokens, handing back transaction_state', async () => {
      const user = await createUser(server(), app);
      const code = await post('/access/getAuthorizationCode', { ...issuer, type_name: 'user', id: String(user.id), redirect_uri: REDIRECT, for_client_id: app.loginClientId, transaction_state: '{"step":"recover"}' });
      expect(code.json).toEqual({ stat: 'ok', authorizationCode: expect.stringMatching(/^[a-z0-9]{32}$/) });
      const r = await post('/oauth/token', { grant_type: 'authorization_code', code: code.json.authorizationCode, redirect_uri: REDIRECT }, basic(login(app)));
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.json).toEqual({
        stat: 'ok',
        access_token: expect.stringMatching(/^[a-z0-9]{32}$/),
        refresh_token: expect.stringMatching(/^[a-z0-9]{32}$/),
        expires_in: 3600,
        token_type: 'Bearer',
        transaction_state: { step: 'recover' },
      });
      expect(Object.keys(r.json)).toEqual(['stat', 'access_token', 'expires_in', 'refresh_token', 'token_type', 'transaction_state']);
      const read = await post('/entity', { attributes: '["email"]' }, { authorization: `Bearer ${r.json.access_token}` });
      expect(read.json).toMatchObject({ stat: 'ok', result: { email: user.email } });
    });

    it('oauth/token errors are HTTP 400 with error invalid_request and the name in sub_error', async () => {
      const user = await createUser(server(), app);
      const fresh = async (lifetime?: string) =>
        (await post('/access/getAuthorizationCode', { ...issuer, uuid: user.uuid, redirect_uri: REDIRECT, for_client_id: app.loginClientId, ...(lifetime ? { lifetime } : {}) })).json.authorizationCode as string;
      const expectError = (r: { status: number; json: any }, code: number, subError: string) => {
        expect(r.status).toBe(400);
        expect(r.json).toMatchObject({ stat: 'error', code, error: 'invalid_request', sub_error: subError, request_id: expect.stringMatching(/^[a-z0-9]{16}$/) });
      };
      expectError(await post('/oauth/token', { ...login(app), grant_type: 'authorization_code', code: await fresh(), redirect_uri: 'https://elsewhere.example.com/' }), 420, 'redirect_uri_mismatch');
      const short = await fresh('1');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expectError(await post('/oauth/token', { ...login(app), grant_type: 'authorization_code', code: short, redirect_uri: REDIRECT }), 415, 'authorization_code_expired');
      expectError(await post('/oauth/token', { ...login(app), grant_type: 'authorization_code', code: 'nosuchcode', redirect_uri: REDIRECT }), 200, 'invalid_argument');
      expectError(await post('/oauth/token', { ...login(app), grant_type: 'password' }), 200, 'invalid_argument');
      expectError(await post('/oauth/token', { ...login(app), grant_type: 'authorization_code', redirect_uri: REDIRECT }), 100, 'missing_argument');
      expectError(await post('/oauth/token', { ...login(app) }), 100, 'missing_argument');
      expectError(await post('/oauth/token', { ...login(app), grant_type: 'x'.repeat(65) }), 200, 'invalid_argument');
      expectError(await post('/oauth/token', { ...login(app), grant_type: 'refresh_token' }), 100, 'missing_argument');
      expectError(await post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: '' }), 100, 'missing_argument');
      expectError(await post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: 'x'.repeat(257) }), 200, 'invalid_argument');
      expectError(await post('/oauth/token', { client_id: app.loginClientId, client_secret: 'wrong', grant_type: 'refresh_token', refresh_token: 'x' }), 402, 'invalid_client_credentials');
      // Bound to the client it was issued for: the owner cannot exchange the login client's code.
      expectError(await post('/oauth/token', { ...owner(app), grant_type: 'authorization_code', code: await fresh(), redirect_uri: REDIRECT }), 200, 'invalid_argument');
    });

    it('of two concurrent exchanges of one code exactly one succeeds, and presenting it again revokes what it gave', async () => {
      const user = await createUser(server(), app);
      const code = (await post('/access/getAuthorizationCode', { ...issuer, uuid: user.uuid, redirect_uri: REDIRECT, for_client_id: app.loginClientId })).json.authorizationCode;
      const exchange = () => post('/oauth/token', { ...login(app), grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
      const answers = await Promise.all([exchange(), exchange(), exchange()]);
      const won = answers.filter((a) => a.status === 200);
      expect(won).toHaveLength(1);
      // The losers presented a spent code: the tokens of the winning exchange are revoked.
      expect((await post('/entity', { access_token: won[0].json.access_token })).json).toMatchObject({ stat: 'error', code: 402 });
      const refreshed = await post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: won[0].json.refresh_token });
      expect(refreshed.status).toBe(400);
    });
  });

  describe('refresh tokens', () => {
    it('rotate on every use: each answer has a new refresh token and the old one is spent', async () => {
      const user = await createUser(server(), app);
      let tokens = await tokensFor(server(), app, user, login(app));
      for (let i = 0; i < 3; i++) {
        const r = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, basic(login(app)));
        expect(r.json).toEqual({ stat: 'ok', access_token: expect.any(String), refresh_token: expect.any(String), expires_in: 3600, token_type: 'Bearer' });
        // The answer's text keeps its order (clients may compare it byte for byte).
        expect(Object.keys(r.json)).toEqual(['stat', 'access_token', 'expires_in', 'refresh_token', 'token_type']);
        expect(r.json.refresh_token).not.toBe(tokens.refresh_token);
        expect((await post('/entity', { access_token: r.json.access_token })).json.stat).toBe('ok');
        tokens = r.json;
      }
    });

    it('a refresh token of another client does not work for this one (and revokes nothing)', async () => {
      const user = await createUser(server(), app);
      const tokens = await tokensFor(server(), app, user, login(app));
      const other = await addClient(server(), app, ['direct_access']);
      const r = await post('/oauth/token', { ...other, grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      expect(r.status).toBe(400);
      expect((await post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status).toBe(200);
    });

    it('of two concurrent uses exactly one succeeds; reuse revokes the whole family', async () => {
      const user = await createUser(server(), app);
      const first = await tokensFor(server(), app, user, login(app));
      const use = (token: string) => post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: token });
      const answers = await Promise.all([use(first.refresh_token), use(first.refresh_token)]);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      const loser = answers.find((a) => a.status !== 200)!;
      expect(loser.json).toMatchObject({ error: 'invalid_request', sub_error: 'invalid_argument', argument_name: 'refresh_token' });
      // The spent token came back, so its family is gone: the winner's tokens included.
      const winner = answers.find((a) => a.status === 200)!.json;
      expect((await use(winner.refresh_token)).status).toBe(400);
      expect((await post('/entity', { access_token: winner.access_token })).json).toMatchObject({ stat: 'error', code: 402 });
    });

    it('sequential reuse of a spent token revokes the tokens issued after it', async () => {
      const user = await createUser(server(), app);
      const first = await tokensFor(server(), app, user, login(app));
      const second = (await post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: first.refresh_token })).json;
      expect(second.stat).toBe('ok');
      expect((await post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: first.refresh_token })).status).toBe(400);
      expect((await post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: second.refresh_token })).status).toBe(400);
      expect((await post('/entity', { access_token: second.access_token })).json.code).toBe(402);
      // Other grants of the same user are another family and keep working.
      const other = await tokensFor(server(), app, user, login(app));
      expect((await post('/entity', { access_token: other.access_token })).json.stat).toBe('ok');
    });

    it('tokens from before selectors (migration 0222 copies them with none) keep working: read, rotate, revoke on reuse', async () => {
      const user = await createUser(server(), app);
      const first = await tokensFor(server(), app, user, login(app));
      await server().running.runtime.store.db.updateTable('oauth_tokens').set({ selector: null }).where('entity_id', '=', user.id).execute();
      expect((await post('/entity', { access_token: first.access_token })).json.stat).toBe('ok');
      const second = (await post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: first.refresh_token })).json;
      expect(second.stat).toBe('ok');
      expect((await post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: first.refresh_token })).status).toBe(400);
      expect((await post('/entity', { access_token: second.access_token })).json.code).toBe(402);
    });

    it('on PostgreSQL a refresh is one statement (spend, next pair, sweep); a spent token or a changed lifetime setting leaves it to the transaction', async () => {
      if (server().kind !== 'postgres') return; // SQLite has no data-modifying WITH: its refresh is the transaction, in the shared commit.
      const runtime = server().running.runtime;
      const db = runtime.store.db;
      const user = await createUser(server(), app);
      const client = await addClient(server(), app, ['direct_access']);
      const first = await tokensFor(server(), app, user, client);
      const rows = () => db.selectFrom('oauth_tokens').select(['id', 'kind', 'family', 'used_at', 'expires_at', 'created_at']).where('entity_id', '=', user.id).orderBy('id').execute();
      const [firstAccess, firstRefresh] = await rows();
      const appId = Number((await db.selectFrom('oauth_tokens').select('app_id').where('id', '=', firstAccess.id).executeTakeFirstOrThrow()).app_id);
      // The first access token is due for the sweep (as if a day past its expiry).
      await db.updateTable('oauth_tokens').set({ sweep_at: Date.now() - 1 }).where('id', '=', firstAccess.id).execute();

      const second = await rotateInOneStatement(runtime, appId, client.client_id, first.refresh_token);
      expect(second).toMatchObject({ expires_in: 3600, access_token: expect.stringMatching(/^[a-z0-9]{32}$/), refresh_token: expect.stringMatching(/^[a-z0-9]{32}$/) });
      const after = await rows();
      // Swept, spent, and the next pair of the same family, access token first.
      expect(after.map((r) => [Number(r.id), r.kind, r.family, r.used_at === null])).toEqual([
        [Number(firstRefresh.id), 'refresh', firstRefresh.family, false],
        [expect.any(Number), 'access', firstRefresh.family, true],
        [expect.any(Number), 'refresh', firstRefresh.family, true],
      ]);
      expect(Number(after[1].expires_at) - Number(after[1].created_at)).toBe(3600 * 1000);
      expect((await post('/entity', { access_token: second!.access_token })).json.stat).toBe('ok');

      // A spent token: nothing spent, nothing revoked, no row added; the transaction revokes.
      expect(await rotateInOneStatement(runtime, appId, client.client_id, first.refresh_token)).toBeUndefined();
      expect(await rows()).toEqual(after);
      expect((await post('/entity', { access_token: second!.access_token })).json.stat).toBe('ok');

      // The setting changed since this process last saw it: the statement spends nothing, the
      // transaction rotates with the new lifetime, and the statement knows it from then on.
      expect((await post('/settings/set', { ...owner(app), for_client_id: client.client_id, key: 'access_token_lifetime', value: '120' })).json.stat).toBe('ok');
      expect(await rotateInOneStatement(runtime, appId, client.client_id, second!.refresh_token!)).toBeUndefined();
      expect(await rows()).toEqual(after);
      const third = (await post('/oauth/token', { ...client, grant_type: 'refresh_token', refresh_token: second!.refresh_token! })).json;
      expect(third).toMatchObject({ stat: 'ok', expires_in: 120 });
      expect(await rotateInOneStatement(runtime, appId, client.client_id, third.refresh_token)).toMatchObject({ expires_in: 120 });
    });

    it('finds a presented token through the unique selector index, not by reading the record\'s tokens; sweeps through the sweep index', async () => {
      if (server().kind !== 'sqlite') return; // PostgreSQL plans from its statistics.
      const db = server().running.runtime.store.db;
      // The statements the code runs, current tokens and tokens from before selectors.
      const statements = [spendRefresh(db, 1, 2, 'a', 'b', 1, 'c'), spendRefresh(db, 1, 2, null, 'b', 1, 'c'), selectAccessToken(db, 'a', 'b'), selectAccessToken(db, null, 'b')];
      for (const statement of statements) expect(await planOf(db, statement)).toContain('USING INDEX oauth_tokens_selector');
      expect(await planOf(db, anyDue(db, 'oauth_tokens', 'sweep_at', 1, 2))).toContain('COVERING INDEX oauth_tokens_sweep (app_id=? AND sweep_at<?)');
      expect(await planOf(db, sweepDue(db, 'oauth_tokens', 'sweep_at', 1, 2, 20))).toContain('INDEX oauth_tokens_sweep (app_id=? AND sweep_at<?)');
    });

    it('a later grant of the application sweeps its dead tokens; live ones and recently dead ones stay', async () => {
      const db = server().running.runtime.store.db;
      const user = await createUser(server(), app);
      const first = await tokensFor(server(), app, user, login(app));
      const second = (await post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: first.refresh_token })).json;
      const rows = async () =>
        (await db.selectFrom('oauth_tokens').select(['id', 'kind', 'expires_at', 'used_at', 'sweep_at']).where('entity_id', '=', user.id).orderBy('id').execute()).map((r) => ({
          id: Number(r.id),
          kind: r.kind,
          expiresAt: r.expires_at === null ? null : Number(r.expires_at),
          usedAt: r.used_at === null ? null : Number(r.used_at),
          sweepAt: r.sweep_at === null ? null : Number(r.sweep_at),
        }));
      const [firstAccess, firstRefresh, secondAccess, secondRefresh] = await rows();
      // Access tokens are kept a day past their expiry, spent refresh tokens 30 days; a live refresh token has no sweep time.
      expect(firstAccess).toMatchObject({ kind: 'access', sweepAt: firstAccess.expiresAt! + EXPIRED_ACCESS_KEPT_MS });
      expect(firstRefresh).toMatchObject({ kind: 'refresh', sweepAt: firstRefresh.usedAt! + SPENT_REFRESH_KEPT_MS });
      expect(secondRefresh).toMatchObject({ kind: 'refresh', usedAt: null, sweepAt: null });

      // The first pair's time has come (as if a month had passed); the next grant takes them away.
      await db.updateTable('oauth_tokens').set({ sweep_at: Date.now() - 1 }).where('id', 'in', [firstAccess.id, firstRefresh.id]).execute();
      const third = await tokensFor(server(), app, user, login(app));
      const after = await rows();
      expect(after).toHaveLength(4);
      expect(after.slice(0, 2).map((r) => r.id)).toEqual([secondAccess.id, secondRefresh.id]);
      // A spent token swept away is unknown: refused, and no longer able to revoke its family.
      expect((await post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: first.refresh_token })).status).toBe(400);
      expect((await post('/entity', { access_token: second.access_token })).json.stat).toBe('ok');
      expect((await post('/entity', { access_token: third.access_token })).json.stat).toBe('ok');
    });

    it('a grant sweeps a bounded batch, so a backlog of dead tokens goes over several grants', async () => {
      const db = server().running.runtime.store.db;
      const user = await createUser(server(), app);
      for (let i = 0; i < 13; i++) await tokensFor(server(), app, user, login(app));
      await db.updateTable('oauth_tokens').set({ sweep_at: Date.now() - 1 }).where('entity_id', '=', user.id).execute();
      const count = async () => Number((await db.selectFrom('oauth_tokens').select((eb) => eb.fn.countAll().as('n')).where('entity_id', '=', user.id).executeTakeFirstOrThrow()).n);
      expect(await count()).toBe(26);
      const other = await createUser(server(), app);
      await tokensFor(server(), app, other, login(app));
      expect(await count()).toBe(6);
      await tokensFor(server(), app, other, login(app));
      expect(await count()).toBe(0);
    });

    it('stores tokens and codes as digests only', async () => {
      const user = await createUser(server(), app);
      const tokens = await tokensFor(server(), app, user, login(app));
      const db = server().running.runtime.store.db;
      const rows = JSON.stringify([
        await db.selectFrom('oauth_tokens').selectAll().execute(),
        await db.selectFrom('authorization_codes').selectAll().execute(),
      ]);
      expect(rows).not.toContain(tokens.access_token);
      expect(rows).not.toContain(tokens.refresh_token);
    });
  });

  describe('oauth/refresh_access_token', () => {
    async function mobileToken(refreshSecret: string): Promise<string> {
      const user = await createUser(server(), app);
      const { runtime } = server().running;
      const appRow = await runtime.store.db.selectFrom('apps').select('id').where('app_id', '=', app.appId).executeTakeFirstOrThrow();
      const issued = await runtime.store.write((tx) =>
        issueTokens(runtime, tx, { app: appRow, client: { clientId: app.loginClientId }, subject: { id: user.id, uuid: user.uuid, typeName: 'user' }, refreshSecret }),
      );
      return issued.access_token;
    }

    it('a signature over the access token with the refresh_secret gives a new token; the old one stops working', async () => {
      const token = await mobileToken('app-chosen-secret');
      const date = formatSignatureDate(Date.now());
      const r = await post('/oauth/refresh_access_token', { client_id: app.loginClientId, access_token: token, date, signature: signRefresh('app-chosen-secret', date, token) });
      expect(r.json).toEqual({ stat: 'ok', access_token: expect.stringMatching(/^[a-z0-9]{32}$/), expires_in: 3600 });
      expect((await post('/entity', { access_token: r.json.access_token })).json.stat).toBe('ok');
      expect((await post('/entity', { access_token: token })).json.code).toBe(402);
    });

    it('refuses a wrong signature, a stale date, another client and a replay (402)', async () => {
      const token = await mobileToken('s3cret');
      const now = formatSignatureDate(Date.now());
      const stale = formatSignatureDate(Date.now() - 6 * 60 * 1000);
      const attempt = (params: Record<string, string>) => post('/oauth/refresh_access_token', { client_id: app.loginClientId, access_token: token, ...params });
      expect((await attempt({ date: now, signature: signRefresh('other', now, token) })).json).toMatchObject({ code: 402 });
      expect((await attempt({ date: stale, signature: signRefresh('s3cret', stale, token) })).json).toMatchObject({ code: 402, argument_name: 'date' });
      expect((await attempt({ client_id: issuer.client_id, date: now, signature: signRefresh('s3cret', now, token) })).json).toMatchObject({ code: 402 });
      expect((await attempt({ client_id: 'nosuchclient', date: now, signature: signRefresh('s3cret', now, token) })).json).toMatchObject({ code: 402 });
      const good = { date: now, signature: signRefresh('s3cret', now, token) };
      const both = await Promise.all([attempt(good), attempt(good)]);
      expect(both.filter((a) => a.json.stat === 'ok')).toHaveLength(1);
      expect((await attempt(good)).json.code).toBe(402);
    });
  });

  describe('creation tokens', () => {
    it('let the holder create exactly one record of the type, with no client credentials', async () => {
      const r = await post('/access/getCreationToken', { ...issuer, type_name: 'user', lifetime: '600' });
      expect(r.json).toEqual({ stat: 'ok', creation_token: expect.stringMatching(/^[a-z0-9]{32}$/) });
      const create = (email: string) => post('/entity.create', { creation_token: r.json.creation_token, attributes: JSON.stringify({ email }) });
      const made = await create(`made.${Date.now()}@example.com`);
      expect(made.json).toMatchObject({ stat: 'ok', id: expect.any(Number), uuid: expect.any(String) });
      expect((await create(`again.${Date.now()}@example.com`)).json).toMatchObject({ stat: 'error', code: 402 });
    });

    it('two concurrent uses give exactly one record; an expired token is 417; another type is 403', async () => {
      const token = (await post('/access/getCreationToken', { ...issuer, type_name: 'user' })).json.creation_token;
      const answers = await Promise.all([0, 1, 2].map((i) => post('/entity.create', { creation_token: token, attributes: JSON.stringify({ email: `race${i}.${Date.now()}@example.com` }) })));
      expect(answers.filter((a) => a.json.stat === 'ok')).toHaveLength(1);
      const short = (await post('/access/getCreationToken', { ...issuer, type_name: 'user', lifetime: '1' })).json.creation_token;
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await post('/entity.create', { creation_token: short, attributes: '{}' })).json).toMatchObject({ code: 417, error: 'creation_token_expired' });
      const typed = (await post('/access/getCreationToken', { ...issuer, type_name: 'user' })).json.creation_token;
      expect((await post('/entity.create', { creation_token: typed, type_name: 'other', attributes: '{}' })).json).toMatchObject({ code: 403 });
      expect((await post('/access/getCreationToken', { ...issuer, type_name: 'nosuch' })).json).toMatchObject({ code: 222 });
    });
  });

  describe('verification codes', () => {
    it('getVerificationCode → verification_code; useVerificationCode (no credentials) → uuid and sets emailVerified to now', async () => {
      const user = await createUser(server(), app);
      const r = await post('/access/getVerificationCode', { ...issuer, type_name: 'user', uuid: user.uuid });
      expect(r.json).toEqual({ stat: 'ok', verification_code: expect.stringMatching(/^[a-z0-9]{32}$/) });
      const before = Date.now();
      const used = await post('/access/useVerificationCode', { verification_code: r.json.verification_code });
      expect(used.json).toEqual({ stat: 'ok', uuid: user.uuid });
      const read = await post('/entity', { ...owner(app), type_name: 'user', uuid: user.uuid, attributes: '["emailVerified"]' });
      const verified = Date.parse(String(read.json.result.emailVerified).replace(' ', 'T').replace(/ \+0000$/, 'Z'));
      expect(verified).toBeGreaterThanOrEqual(before - 1000);
      expect(verified).toBeLessThanOrEqual(Date.now() + 1000);
      expect((await post('/access/useVerificationCode', { verification_code: r.json.verification_code })).json).toMatchObject({ code: 200, argument_name: 'verification_code' });
    });

    it('concurrent uses: exactly one success; expired 416; attribute must be a dateTime (200) that exists (223)', async () => {
      const user = await createUser(server(), app);
      const code = (await post('/access/getVerificationCode', { ...issuer, uuid: user.uuid, attribute_name: 'lastLogin' })).json.verification_code;
      const answers = await Promise.all([0, 1, 2].map(() => post('/access/useVerificationCode', { verification_code: code })));
      expect(answers.filter((a) => a.json.stat === 'ok')).toHaveLength(1);
      const short = (await post('/access/getVerificationCode', { ...issuer, uuid: user.uuid, lifetime: '1' })).json.verification_code;
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await post('/access/useVerificationCode', { verification_code: short })).json).toMatchObject({ code: 416, error: 'verification_code_expired' });
      expect((await post('/access/getVerificationCode', { ...issuer, uuid: user.uuid, attribute_name: 'email' })).json).toMatchObject({ code: 200, argument_name: 'attribute_name' });
      expect((await post('/access/getVerificationCode', { ...issuer, uuid: user.uuid, attribute_name: 'nosuch' })).json).toMatchObject({ code: 223 });
    });

    it('credentials of another application confine the code to theirs', async () => {
      const user = await createUser(server(), app);
      const code = (await post('/access/getVerificationCode', { ...issuer, uuid: user.uuid })).json.verification_code;
      const other = await createTestApp(server());
      expect((await post('/access/useVerificationCode', { ...owner(other), verification_code: code })).json).toMatchObject({ code: 200 });
      expect((await post('/access/useVerificationCode', { ...owner(app), verification_code: code })).json).toMatchObject({ stat: 'ok', uuid: user.uuid });
    });
  });

  describe('entity.deleteAccess', () => {
    it('revokes every token, refresh token and code of the record; other records keep theirs', async () => {
      const user = await createUser(server(), app);
      const bystander = await createUser(server(), app);
      const tokens = await tokensFor(server(), app, user, login(app));
      const direct = (await post('/access/getAccessToken', { ...issuer, uuid: user.uuid })).json.accessToken;
      const pending = (await post('/access/getAuthorizationCode', { ...issuer, uuid: user.uuid, redirect_uri: REDIRECT, for_client_id: app.loginClientId })).json.authorizationCode;
      const theirs = (await post('/access/getAccessToken', { ...issuer, uuid: bystander.uuid })).json.accessToken;
      expect((await post('/entity', { access_token: tokens.access_token })).json.stat).toBe('ok');

      expect((await post('/entity.deleteAccess', { ...issuer, type_name: 'user', uuid: user.uuid })).json).toEqual({ stat: 'ok' });
      expect((await post('/entity', { access_token: tokens.access_token })).json).toMatchObject({ stat: 'error', code: 402 });
      expect((await post('/entity', { access_token: direct })).json.code).toBe(402);
      expect((await post('/oauth/token', { ...login(app), grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status).toBe(400);
      expect((await post('/oauth/token', { ...login(app), grant_type: 'authorization_code', code: pending, redirect_uri: REDIRECT })).status).toBe(400);
      expect((await post('/entity', { access_token: theirs })).json.stat).toBe('ok');
    });

    it('needs a record (310) and a feature that issues access (403 for direct_read_access)', async () => {
      expect((await post('/entity.deleteAccess', { ...issuer, type_name: 'user', id: '999999999' })).json).toMatchObject({ code: 310 });
      const reader = await addClient(server(), app, ['direct_read_access']);
      const user = await createUser(server(), app);
      expect((await post('/entity.deleteAccess', { ...reader, type_name: 'user', uuid: user.uuid })).json).toMatchObject({ code: 403, error: 'client_permission_error' });
    });
  });

  describe('codes long expired', () => {
    it('are swept by the next code of their kind: a day past expiry, not before', async () => {
      const db = server().running.runtime.store.db;
      const user = await createUser(server(), app);
      const issue = {
        authorization_codes: () => post('/access/getAuthorizationCode', { ...issuer, uuid: user.uuid, redirect_uri: REDIRECT, for_client_id: app.loginClientId }),
        verification_codes: () => post('/access/getVerificationCode', { ...issuer, uuid: user.uuid }),
        creation_tokens: () => post('/access/getCreationToken', { ...issuer, type_name: 'user' }),
      };
      for (const [table, make] of Object.entries(issue) as Array<[keyof typeof issue, () => Promise<unknown>]>) {
        await make();
        await make();
        const ids = (await db.selectFrom(table).select('id').orderBy('id', 'desc').limit(2).execute()).map((r) => Number(r.id));
        const now = Date.now();
        await db.updateTable(table).set({ expires_at: now - EXPIRED_CODE_KEPT_MS - 1000 }).where('id', '=', ids[1]).execute();
        await db.updateTable(table).set({ expires_at: now - EXPIRED_CODE_KEPT_MS + 60_000 }).where('id', '=', ids[0]).execute();
        await make();
        const left = (await db.selectFrom(table).select('id').where('id', 'in', ids).execute()).map((r) => Number(r.id));
        expect(left, table).toEqual([ids[0]]);
      }
    });

    it('are found through the expiry index', async () => {
      if (server().kind !== 'sqlite') return; // PostgreSQL plans from its statistics.
      const db = server().running.runtime.store.db;
      for (const table of ['authorization_codes', 'verification_codes', 'creation_tokens'] as const) {
        expect(await planOf(db, anyDue(db, table, 'expires_at', 1, 2))).toContain(`COVERING INDEX ${table}_expiry (app_id=? AND expires_at<?)`);
        expect(await planOf(db, sweepDue(db, table, 'expires_at', 1, 2, 20))).toContain(`INDEX ${table}_expiry (app_id=? AND expires_at<?)`);
      }
    });
  });
});
