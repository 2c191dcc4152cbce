import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestSmtpServer, type ReceivedMail } from '../src/mail/testing/smtp.js';
import { registerLocalTransport } from '../src/providers/client.js';
import { createTestApp, type TestApp } from './fixtures.js';
import { call, describeEachDatabase, TEST_PARTNER_KEY, type CallResult, type TestServer } from './server.js';
import { isLanding, startOAuth2Upstream, startOidcUpstream, TestBrowser, type Persona, type Upstream } from './upstreams.js';

/**
 * The oauth/*_native calls end to end, in the order a site calls them (seed 004): over HTTP, with
 * the real mail delivery to a real SMTP server and real sign-ins at upstream identity providers
 * (an OpenID Connect provider shaped like Google, an OAuth 2.0 one shaped like GitHub).
 */

const smtp = await startTestSmtpServer();
afterAll(() => smtp.close());

const PUBLIC = 'http://localhost:8080';
const SITE = 'https://www.shop.example';
const TOKEN_URL = `${SITE}/rpx/token`;
const REDIRECT = `${SITE}/signed-in`;
const VERIFY_URL = `${SITE}/verify?from=mail`;
const RECOVER_URL = `${SITE}/reset-password`;

let sequence = 0;
const unique = (prefix: string) => `${prefix}.${Date.now().toString(36)}${(sequence += 1)}`;

/** Mails already read by a test; each wait takes the next unread one. */
const read = new Set<ReceivedMail>();
async function nextMail(to: string, pattern: RegExp, timeoutMs = 20_000): Promise<ReceivedMail> {
  const mail = await smtp.waitFor((m) => !read.has(m) && m.to.includes(to) && pattern.test(m.text), timeoutMs);
  read.add(mail);
  return mail;
}

describeEachDatabase(
  'oauth/*_native end to end',
  (server) => {
    let google: Upstream;
    let github: Upstream;

    beforeAll(async () => {
      google = await startOidcUpstream();
      github = await startOAuth2Upstream();
      const runtime = server().running.runtime;
      for (const upstream of [google, github]) for (const origin of upstream.origins) registerLocalTransport(runtime, origin, upstream.transport);
    });
    afterAll(async () => {
      await google?.close();
      await github?.close();
    });

    interface Site {
      app: TestApp;
      version: string;
      /** The parameters every native call of this site carries. */
      base: Record<string, string>;
      owner: Record<string, string>;
      native(path: string, params?: Record<string, string>): Promise<CallResult>;
      socialToken(provider: 'google' | 'github', persona: Persona): Promise<string>;
      entity(uuid: string, attributes?: string[]): Promise<any>;
      storedPassword(uuid: string): Promise<{ type: string; value: string }>;
    }

    const realmOrigin = (app: TestApp) => `http://${app.realm}.localhost:8080`;

    /** An application set up as a site would: Google and GitHub sign-in, the standard flow, the mail links. */
    async function site(): Promise<Site> {
      const s = server();
      const app = await createTestApp(s, { domain: 'www.shop.example' });
      for (const [provider, upstream] of [['google', google], ['github', github]] as const) {
        const set = await call(s.url, '/partner/v2/app/set_properties', { partnerKey: TEST_PARTNER_KEY, apiKey: app.apiKey, provider, consumerKey: upstream.clientId, consumerSecret: upstream.clientSecret });
        expect(set.json).toEqual({ stat: 'ok' });
        upstream.allowRedirectUri(`${realmOrigin(app)}/${provider}/callback`);
      }
      expect((await call(s.url, '/api/v2/set_auth_providers', { apiKey: app.apiKey, providers: '["google","github"]' })).json).toEqual({ stat: 'ok' });
      const owner = { client_id: app.ownerClientId, client_secret: app.ownerClientSecret };
      const flow = await fetch(`${s.url}/config/${app.appId}/flows/standard`, { headers: { authorization: `Basic ${Buffer.from(`${app.ownerClientId}:${app.ownerClientSecret}`).toString('base64')}` } });
      const version = ((await flow.json()) as { version: string }).version;
      for (const [key, value] of [['verify_email_url', VERIFY_URL], ['password_recover_url', RECOVER_URL]]) {
        expect((await call(s.url, '/settings/set', { ...owner, for_client_id: app.loginClientId, key, value })).json.stat).toBe('ok');
      }
      const base = { client_id: app.loginClientId, flow: 'standard', flow_version: version, locale: 'en-US', redirect_uri: REDIRECT };
      const browser = () => new TestBrowser().route(realmOrigin(app), s.url).route(PUBLIC, s.url).routeUpstream(google).routeUpstream(github);
      return {
        app,
        version,
        base,
        owner,
        native: (path, params = {}) => call(s.url, `/oauth/${path}`, { ...base, ...params }),
        async socialToken(provider, persona) {
          (provider === 'google' ? google : github).next({ persona });
          const result = await browser().go(`${realmOrigin(app)}/${provider}/start?${new URLSearchParams({ token_url: TOKEN_URL })}`);
          if (!isLanding(result)) throw new Error(`sign-in stopped at ${result.url}: ${result.status} ${result.body.slice(0, 300)}`);
          return result.fields.token;
        },
        async entity(uuid, attributes) {
          const res = await call(s.url, '/entity', { ...owner, type_name: 'user', uuid, ...(attributes ? { attributes: JSON.stringify(attributes) } : {}) });
          expect(res.json.stat).toBe('ok');
          return res.json.result;
        },
        async storedPassword(uuid) {
          const row = await s.running.runtime.store.db.selectFrom('entities').select('data').where('uuid', '=', uuid).executeTakeFirstOrThrow();
          const data = typeof row.data === 'string' ? JSON.parse(row.data) : row.data;
          return data.password;
        },
      };
    }

    const registration = (email: string, password = 'first-Secret1', extra: Record<string, string> = {}) => ({
      form: 'registrationForm',
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Ada L.',
      emailAddress: email,
      newPassword: password,
      newPasswordConfirm: password,
      ...extra,
    });
    const signIn = (email: string, password: string, extra: Record<string, string> = {}) => ({ form: 'signInForm', signInEmailAddress: email, currentPassword: password, ...extra });

    function expectError(res: CallResult, code: number, error: string) {
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ stat: 'error', code, error });
      expect(res.json.request_id).toMatch(/^[a-z0-9]{16}$/);
    }

    it('runs the traditional journey: register → verify email from the mail → login → code exchange → refresh → profile update → password change → forgot password → reset → login', async () => {
      const s = await site();
      const email = `${unique('ada')}@example.com`;

      // Register (response_type=code): the record, a code, and the verification mail.
      const registered = await s.native('register_native_traditional', { ...registration(email), response_type: 'code' });
      expect(registered.json).toMatchObject({ stat: 'ok', is_new: true, capture_user: { email, givenName: 'Ada', familyName: 'Lovelace', displayName: 'Ada L.', emailVerified: null } });
      expect(registered.json.authorization_code).toMatch(/^[a-z0-9]{32}$/);
      expect(registered.json.access_token).toBeUndefined();
      expect(registered.json.capture_user.password).toBeUndefined();
      expect(registered.json.capture_user.lastLogin).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
      const uuid = registered.json.capture_user.uuid as string;
      expect((await s.storedPassword(uuid)).type).toBe('password-argon2id');

      const verification = await nextMail(email, /verification_code=/);
      const link = new URL(/https:\/\/www\.shop\.example\/verify\S+/.exec(verification.text)![0]);
      expect(link.searchParams.get('from')).toBe('mail');
      const verified = await call(server().url, '/access/useVerificationCode', { verification_code: link.searchParams.get('verification_code')! });
      expect(verified.json).toEqual({ stat: 'ok', uuid });
      // seed 004: a code not recognized (here: already used) is invalid_argument.
      expectError(await call(server().url, '/access/useVerificationCode', { verification_code: link.searchParams.get('verification_code')! }), 200, 'invalid_argument');
      expect((await s.entity(uuid)).emailVerified).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
      // Verified now: asking again is seed 004's triggered_error.
      expectError(await s.native('verify_email_native', { form: 'resendVerificationForm', signInEmailAddress: email }), 540, 'triggered_error');

      // Login (code), exchange, refresh.
      const before = (await s.entity(uuid)).lastLogin;
      await new Promise((r) => setTimeout(r, 1100));
      const login = await s.native('auth_native_traditional', { ...signIn(email, 'first-Secret1'), response_type: 'code' });
      expect(login.json).toMatchObject({ stat: 'ok', is_new: false, capture_user: { uuid, email } });
      expect(login.json.capture_user.lastLogin > before).toBe(true);
      const tokens = await call(server().url, '/oauth/token', { client_id: s.app.loginClientId, client_secret: s.app.loginClientSecret, grant_type: 'authorization_code', code: login.json.authorization_code, redirect_uri: REDIRECT });
      expect(tokens.json).toMatchObject({ stat: 'ok', token_type: 'Bearer', expires_in: 3600 });
      const refreshed = await call(server().url, '/oauth/token', { client_id: s.app.loginClientId, client_secret: s.app.loginClientSecret, grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token });
      expect(refreshed.json.access_token).toMatch(/^[a-z0-9]{32}$/);
      const accessToken = refreshed.json.access_token as string;
      expect((await call(server().url, '/entity', { access_token: accessToken })).json.result.uuid).toBe(uuid);

      // Profile update: dateselect and composite fields; a date that does not exist is 390.
      const profile = { form: 'editProfileForm', firstName: 'Augusta', lastName: 'King', displayName: 'Countess', emailAddress: email };
      const badDate = await s.native('update_profile_native', { access_token: accessToken, ...profile, 'birthdate[dateselect_year]': '1990', 'birthdate[dateselect_month]': '2', 'birthdate[dateselect_day]': '30' });
      expectError(badDate, 390, 'invalid_form_fields');
      expect(badDate.json.invalid_fields).toEqual({ birthdate: ['Birthdate is not a valid date.'] });
      const updated = await s.native('update_profile_native', {
        access_token: accessToken,
        ...profile,
        'birthdate[dateselect_year]': '1985',
        'birthdate[dateselect_month]': '12',
        'birthdate[dateselect_day]': '10',
        'address[address1]': '12 St James Square',
        'address[city]': 'London',
        'address[zip]': 'SW1Y 4JH',
        'address[stateAbbreviation]': 'LDN',
        'address[country]': 'GB',
        gender: 'female',
      });
      expect(updated.json).toMatchObject({ stat: 'ok', capture_user: { givenName: 'Augusta', familyName: 'King', birthday: '1985-12-10', gender: 'female' } });
      const record = await s.entity(uuid);
      expect(record).toMatchObject({ givenName: 'Augusta', displayName: 'Countess', birthday: '1985-12-10', primaryAddress: { address1: '12 St James Square', city: 'London', zip: 'SW1Y 4JH', country: 'GB' } });
      // The address is unchanged, so it stays verified.
      expect(record.emailVerified).not.toBeNull();
      // update_profile_native takes the access token as `token` too.
      expect((await s.native('update_profile_native', { token: accessToken, ...profile, middleName: 'Byron' })).json.capture_user.middleName).toBe('Byron');

      // Password change: the current password is checked; then the old one stops working.
      const wrongCurrent = await s.native('update_profile_native', { access_token: accessToken, form: 'changePasswordForm', currentPassword: 'not-it-1', newPassword: 'second-Secret2', newPasswordConfirm: 'second-Secret2' });
      expectError(wrongCurrent, 390, 'invalid_form_fields');
      expect(wrongCurrent.json.invalid_fields).toEqual({ currentPassword: ['Your current password is incorrect.'] });
      const weak = await s.native('update_profile_native', { access_token: accessToken, form: 'changePasswordForm', currentPassword: 'first-Secret1', newPassword: 'short', newPasswordConfirm: 'other' });
      expectError(weak, 390, 'invalid_form_fields');
      expect(weak.json.invalid_fields).toEqual({ newPassword: ['Passwords have at least 8 characters.', 'Passwords contain at least one letter and one digit.'], newPasswordConfirm: ['Passwords do not match.'] });
      const changed = await s.native('update_profile_native', { access_token: accessToken, form: 'changePasswordForm', currentPassword: 'first-Secret1', newPassword: 'second-Secret2', newPasswordConfirm: 'second-Secret2' });
      expect(changed.json.stat).toBe('ok');
      await nextMail(email, /password/i);
      expectError(await s.native('auth_native_traditional', signIn(email, 'first-Secret1')), 210, 'invalid_credentials');
      expect((await s.native('auth_native_traditional', signIn(email, 'second-Secret2'))).json.stat).toBe('ok');
      // The sign-in name is an email address: its case does not matter.
      expect((await s.native('auth_native_traditional', signIn(` ${email.toUpperCase()} `, 'second-Secret2'))).json).toMatchObject({ stat: 'ok', capture_user: { uuid } });
      // Without the current password, only a recovery grant may set one.
      const noAuth = await s.native('update_profile_native', { access_token: accessToken, form: 'changePasswordFormNoAuth', newPassword: 'third-Secret3', newPasswordConfirm: 'third-Secret3' });
      expectError(noAuth, 403, 'client_permission_error');

      // Forgot password: the mail's code → oauth/token (with password_recover_url) → changePasswordFormNoAuth.
      const forgot = await s.native('forgot_password_native', { form: 'forgotPasswordForm', signInEmailAddress: email, redirect_uri: RECOVER_URL });
      expect(forgot.json).toEqual({ stat: 'ok' });
      const recovery = await nextMail(email, /reset-password\?code=/);
      const code = new URL(/https:\/\/www\.shop\.example\/reset-password\S+/.exec(recovery.text)![0]).searchParams.get('code')!;
      const exchanged = await call(server().url, '/oauth/token', { client_id: s.app.loginClientId, client_secret: s.app.loginClientSecret, grant_type: 'authorization_code', code, redirect_uri: RECOVER_URL });
      expect(exchanged.json).toMatchObject({ stat: 'ok', transaction_state: { capture: { action: 'password_recover' } } });
      const reset = await s.native('update_profile_native', { access_token: exchanged.json.access_token, form: 'changePasswordFormNoAuth', newPassword: 'third-Secret3', newPasswordConfirm: 'third-Secret3' });
      expect(reset.json.stat).toBe('ok');
      // The reset ends every session, the recovery one included.
      expectError(await call(server().url, '/entity', { access_token: accessToken }), 402, 'invalid_client_credentials');
      expectError(await call(server().url, '/entity', { access_token: exchanged.json.access_token }), 402, 'invalid_client_credentials');
      expectError(await s.native('auth_native_traditional', signIn(email, 'second-Secret2')), 210, 'invalid_credentials');
      const last = await s.native('auth_native_traditional', { ...signIn(email, 'third-Secret3'), response_type: 'token' });
      expect(last.json).toMatchObject({ stat: 'ok', is_new: false, capture_user: { uuid } });
      expect(last.json.access_token).toMatch(/^[a-z0-9]{32}$/);
    });

    const persona = (name: string, extra: Partial<Persona> = {}): Persona & { email: string } => {
      const email = `${unique(name.toLowerCase())}@example.com`;
      return { sub: String(100000 + (sequence += 1)) + Date.now().toString().slice(-6), email, email_verified: true, name: `${name} Example`, given_name: name, family_name: 'Example', picture: `https://img.example.com/${name}.png`, login: name.toLowerCase(), ...extra } as Persona & { email: string };
    };
    const googleId = (p: Persona) => `https://www.google.com/profiles/${p.sub}`;

    it('registers a social identity in two steps (auth_native → 310 with prereg_fields → register_native), then signs it in', async () => {
      const s = await site();
      const grace = persona('Grace');
      const token = await s.socialToken('google', grace);
      const first = await s.native('auth_native', { token, registration_form: 'socialRegistrationForm' });
      expectError(first, 310, 'record_not_found');
      expect(first.json.error_description).toBe('no such user');
      expect(first.json.prereg_fields).toEqual({ firstName: 'Grace', lastName: 'Example', displayName: 'Grace Example', emailAddress: grace.email });
      // The token stays usable for the second step; without registration_form no prereg_fields.
      const again = await s.native('auth_native', { token });
      expectError(again, 310, 'record_not_found');
      expect(again.json.prereg_fields).toBeUndefined();
      // The form's own rules apply.
      const incomplete = await s.native('register_native', { token, form: 'socialRegistrationForm', firstName: 'Grace', emailAddress: grace.email });
      expectError(incomplete, 390, 'invalid_form_fields');
      expect(Object.keys(incomplete.json.invalid_fields).sort()).toEqual(['displayName', 'lastName']);

      const registered = await s.native('register_native', { token, form: 'socialRegistrationForm', firstName: 'Grace', lastName: 'Hopper', displayName: 'Amazing Grace', emailAddress: grace.email, response_type: 'code_and_token' });
      expect(registered.json).toMatchObject({ stat: 'ok', is_new: true, capture_user: { email: grace.email, givenName: 'Grace', familyName: 'Hopper', displayName: 'Amazing Grace' } });
      expect(registered.json.access_token).toMatch(/^[a-z0-9]{32}$/);
      expect(registered.json.authorization_code).toMatch(/^[a-z0-9]{32}$/);
      const user = registered.json.capture_user;
      expect(user.profiles).toEqual([expect.objectContaining({ identifier: googleId(grace), domain: 'google.com', providerSpecifier: 'google', accessCredentials: null })]);
      expect(user.profiles[0].profile).toMatchObject({ verifiedEmail: grace.email });
      expect(user.photos).toEqual([expect.objectContaining({ type: 'other', value: grace.picture })]);
      // Google vouched for the address: it is verified without a mail.
      expect(user.emailVerified).toMatch(/^\d{4}-/);
      // The token is used up.
      const twice = await s.native('register_native', { token, form: 'socialRegistrationForm', firstName: 'G', lastName: 'H', displayName: 'GH', emailAddress: `${unique('other')}@example.com` });
      expectError(twice, 200, 'invalid_argument');
      expect(twice.json.error_description).toBe('invalid token');

      await new Promise((r) => setTimeout(r, 1100));
      const next = await s.socialToken('google', grace);
      const login = await s.native('auth_native', { token: next });
      expect(login.json).toMatchObject({ stat: 'ok', is_new: false, capture_user: { uuid: user.uuid } });
      expect(login.json.access_token).toMatch(/^[a-z0-9]{32}$/);
      expect(login.json.capture_user.lastLogin > user.lastLogin).toBe(true);
      expect(login.json.capture_user.profiles[0].lastUsed > user.profiles[0].lastUsed).toBe(true);
      expectError(await s.native('auth_native', { token: next }), 200, 'invalid_argument');
      expectError(await s.native('auth_native', { token: 'f'.repeat(40) }), 200, 'invalid_argument');
    });

    it('thin_registration makes the record from the social profile at once; without an email it is still 310', async () => {
      const s = await site();
      const linus = persona('Linus');
      const created = await s.native('auth_native', { token: await s.socialToken('github', linus), thin_registration: 'true' });
      expect(created.json).toMatchObject({ stat: 'ok', is_new: true, capture_user: { email: linus.email, displayName: 'Linus Example' } });
      expect(created.json.capture_user.emailVerified).toMatch(/^\d{4}-/);
      expect(created.json.capture_user.profiles).toEqual([expect.objectContaining({ identifier: `https://github.com#${linus.sub}`, domain: 'github.com', providerSpecifier: 'github' })]);
      const back = await s.native('auth_native', { token: await s.socialToken('github', linus), thin_registration: 'true' });
      expect(back.json).toMatchObject({ stat: 'ok', is_new: false, capture_user: { uuid: created.json.capture_user.uuid } });

      // An address the provider does not vouch for is stored unverified and gets the verification mail.
      const unvouched = persona('Unvouched', { email_verified: false });
      const thin = await s.native('auth_native', { token: await s.socialToken('google', unvouched), thin_registration: 'true' });
      expect(thin.json).toMatchObject({ stat: 'ok', is_new: true, capture_user: { email: unvouched.email, emailVerified: null } });
      await nextMail(unvouched.email, /verification_code=/);

      const silent = persona('Silent', { email: undefined, email_verified: undefined });
      expectError(await s.native('auth_native', { token: await s.socialToken('google', silent), thin_registration: 'true' }), 310, 'record_not_found');
    });

    it('answers 380 for a verified email of a password account and merges the identity through auth_native_traditional with merge_token', async () => {
      const s = await site();
      const email = `${unique('ada')}@example.com`;
      const account = await s.native('register_native_traditional', registration(email));
      const uuid = account.json.capture_user.uuid;
      const ada = persona('Ada', { email });
      const token = await s.socialToken('google', ada);
      const conflict = await s.native('auth_native', { token, registration_form: 'socialRegistrationForm', thin_registration: 'true' });
      expectError(conflict, 380, 'email_address_in_use');
      expect(conflict.json.prereg_fields).toBeUndefined();
      expect(conflict.json).toMatchObject({
        error_description: 'a user already exists with that email address',
        existing_provider: 'capture',
        existing_display_name: 'Ada L.',
        existing_photo: null,
        existing_date_created: account.json.capture_user.created,
      });
      // A wrong password merges nothing and keeps the merge token.
      expectError(await s.native('auth_native_traditional', signIn(email, 'wrong-Secret1', { merge_token: token })), 210, 'invalid_credentials');
      const merged = await s.native('auth_native_traditional', signIn(email, 'first-Secret1', { merge_token: token }));
      expect(merged.json).toMatchObject({ stat: 'ok', is_new: false, capture_user: { uuid } });
      expect(merged.json.capture_user.profiles.map((p: any) => p.identifier)).toEqual([googleId(ada)]);
      expectError(await s.native('auth_native_traditional', signIn(email, 'first-Secret1', { merge_token: token })), 200, 'invalid_argument');
      // Google now signs in to the same account.
      const social = await s.native('auth_native', { token: await s.socialToken('google', ada) });
      expect(social.json).toMatchObject({ stat: 'ok', capture_user: { uuid } });
    });

    it('answers 380 naming the provider of an existing social account and merges through auth_native (token of that provider, merge_token of the new one)', async () => {
      const s = await site();
      const mia = persona('Mia');
      const existing = await s.native('auth_native', { token: await s.socialToken('github', mia), thin_registration: 'true' });
      const uuid = existing.json.capture_user.uuid;
      const googleMia = { ...mia, sub: `${mia.sub}9` };
      const googleToken = await s.socialToken('google', googleMia);
      const conflict = await s.native('auth_native', { token: googleToken });
      expectError(conflict, 380, 'email_address_in_use');
      expect(conflict.json).toMatchObject({ existing_provider: 'github', existing_display_name: 'Mia Example', existing_photo: { id: expect.any(Number), value: mia.picture, type: 'other' }, existing_date_created: existing.json.capture_user.created });
      // token must sign in to an account.
      expectError(await s.native('auth_native', { token: await s.socialToken('google', persona('Nobody')), merge_token: googleToken }), 310, 'record_not_found');
      const merged = await s.native('auth_native', { token: await s.socialToken('github', mia), merge_token: googleToken, response_type: 'code' });
      expect(merged.json).toMatchObject({ stat: 'ok', is_new: false, capture_user: { uuid } });
      expect(merged.json.authorization_code).toMatch(/^[a-z0-9]{32}$/);
      expect(merged.json.capture_user.profiles.map((p: any) => p.providerSpecifier).sort()).toEqual(['github', 'google']);
      expect((await s.native('auth_native', { token: await s.socialToken('google', googleMia) })).json.capture_user.uuid).toBe(uuid);
      expectError(await s.native('auth_native', { token: await s.socialToken('github', mia), merge_token: googleToken }), 200, 'invalid_argument');

      // An identity already linked to another account is not merged: unique_violation.
      const other = persona('Other');
      await s.native('auth_native', { token: await s.socialToken('github', other), thin_registration: 'true' });
      const clash = await s.native('auth_native', { token: await s.socialToken('github', other), merge_token: await s.socialToken('google', googleMia) });
      expectError(clash, 361, 'unique_violation');
    });

    it('never merges on an unverified email: no 380, no thin record, and register_native finds the address taken', async () => {
      const s = await site();
      const email = `${unique('victim')}@example.com`;
      await s.native('register_native_traditional', registration(email));
      const mallory = persona('Mallory', { email, email_verified: false });
      const token = await s.socialToken('google', mallory);
      const answer = await s.native('auth_native', { token, thin_registration: 'true', registration_form: 'socialRegistrationForm' });
      expectError(answer, 310, 'record_not_found');
      expect(answer.json.existing_provider).toBeUndefined();
      const taken = await s.native('register_native', { token, form: 'socialRegistrationForm', firstName: 'M', lastName: 'M', displayName: 'M', emailAddress: email });
      expectError(taken, 390, 'invalid_form_fields');
      expect(taken.json.invalid_fields).toEqual({ emailAddress: ['Email address is already in use.'] });
      const count = await call(server().url, '/entity.count', { ...s.owner, type_name: 'user', filter: `email = '${email}'` });
      expect(count.json.total_count).toBe(1);
    });

    it('links and unlinks social identities; an identity of another account is unique_violation', async () => {
      const s = await site();
      const email = `${unique('lin')}@example.com`;
      const reg = await s.native('register_native_traditional', registration(email));
      const accessToken = reg.json.access_token as string;
      const kai = persona('Kai');
      const linked = await s.native('link_account_native', { access_token: accessToken, token: await s.socialToken('google', kai) });
      expect(linked.json.stat).toBe('ok');
      expect(linked.json.capture_user.profiles.map((p: any) => p.identifier)).toEqual([googleId(kai)]);
      // Seed 004: the site reads the linked accounts with entity.
      const listed = await call(server().url, '/entity', { access_token: accessToken, attributes: '["profiles.domain", "profiles.identifier"]' });
      expect(listed.json.result.profiles).toEqual([{ id: expect.any(Number), domain: 'google.com', identifier: googleId(kai) }]);
      // Linking it again changes nothing.
      expect((await s.native('link_account_native', { access_token: accessToken, token: await s.socialToken('google', kai) })).json.capture_user.profiles).toHaveLength(1);

      const other = await s.native('register_native_traditional', registration(`${unique('other')}@example.com`));
      const clash = await s.native('link_account_native', { access_token: other.json.access_token, token: await s.socialToken('google', kai) });
      expectError(clash, 361, 'unique_violation');

      const unlinked = await s.native('unlink_account_native', { access_token: accessToken, identifier_to_remove: googleId(kai) });
      expect(unlinked.json.stat).toBe('ok');
      expect(unlinked.json.capture_user.profiles).toEqual([]);
      expectError(await s.native('unlink_account_native', { access_token: accessToken, identifier_to_remove: googleId(kai) }), 310, 'record_not_found');
      expect((await s.native('link_account_native', { access_token: other.json.access_token, token: await s.socialToken('google', kai) })).json.stat).toBe('ok');

      // The only way into a social-only account is not unlinked.
      const solo = persona('Solo');
      const thin = await s.native('auth_native', { token: await s.socialToken('github', solo), thin_registration: 'true' });
      expectError(await s.native('unlink_account_native', { access_token: thin.json.access_token, identifier_to_remove: `https://github.com#${solo.sub}` }), 200, 'invalid_argument');
      // Without an access token the call is refused.
      expectError(await s.native('link_account_native', { token: await s.socialToken('google', persona('Nobody')) }), 100, 'missing_argument');
    });

    it('lets exactly one of several parallel registrations with one email through', async () => {
      const s = await site();
      const email = `${unique('twin')}@example.com`;
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => s.native('register_native_traditional', registration(i % 2 ? email.toUpperCase() : email, `twin-Secret${i}`))));
      const ok = answers.filter((a) => a.json.stat === 'ok');
      expect(ok).toHaveLength(1);
      for (const refused of answers.filter((a) => a.json.stat !== 'ok')) {
        expectError(refused, 390, 'invalid_form_fields');
        expect(refused.json.invalid_fields).toEqual({ emailAddress: ['Email address is already in use.'] });
      }
      const count = await call(server().url, '/entity.count', { ...s.owner, type_name: 'user', filter: `email = '${email}'` });
      expect(count.json.total_count).toBe(1);
    });

    it('signs in records imported with every supported legacy hash type and replaces each hash with argon2id', async () => {
      const s = await site();
      const PASSWORD = 'correct horse battery staple';
      const SALT = 'S41t';
      const legacy: Array<[string, Record<string, unknown>, string]> = [
        ['bcrypt', { type: 'password-bcrypt', value: '$2b$05$abcdefghijklmnopqrstuuFiPhXf1sVd3pCCRO.uVh34H/qI/ZsuS' }, PASSWORD],
        ['bcrypt-2a', { type: 'password-bcrypt', value: '$2a$05$abcdefghijklmnopqrstuuFiPhXf1sVd3pCCRO.uVh34H/qI/ZsuS' }, PASSWORD],
        ['crypt-sha256', { type: 'password-crypt-sha256', value: '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA' }, 'Hello world!'],
        ['crypt-sha512', { type: 'password-crypt-sha512', value: '$6$rounds=5000$Zr0RQ5ZJ7kmT6kPn$gBISyshLgAKLzZQvwH.j/5z787e3f98QRkeTZ14lzljCaU/qW0j6oYjEyVK6QmsjR85H88ugZ3lWr56kznV3K0' }, PASSWORD],
        ['md5', { type: 'password-md5', value: '9cc2ae8a1ba7a93da39b46fc1019c481' }, PASSWORD],
        ['md5-base64', { type: 'password-md5-base64', value: 'nMKuihunqT2jm0b8EBnEgQ==' }, PASSWORD],
        ['md5-salted-left-hex', { type: 'password-md5-salted-left-hex', value: '0a70ce8476384aa9f95f96d1d81e2c2d', salt: SALT }, PASSWORD],
        ['md5-salted-right-hex', { type: 'password-md5-salted-right-hex', value: 'efb978ba707ca571369423623d9c73ec', salt: SALT }, PASSWORD],
        ['md5-salted-left-base64', { type: 'password-md5-salted-left-base64', value: 'CnDOhHY4Sqn5X5bR2B4sLQ==', salt: SALT }, PASSWORD],
        ['md5-salted-right-base64', { type: 'password-md5-salted-right-base64', value: '77l4unB8pXE2lCNiPZxz7A==', salt: SALT }, PASSWORD],
        ['sha1', { type: 'password-sha1', value: 'abf7aad6438836dbe526aa231abde2d0eef74d42' }, PASSWORD],
        ['sha256', { type: 'password-sha256', value: 'c4bbcb1fbec99d65bf59d85c8cb62ee2db963f0fe106f483d9afa73bd4e39a8a' }, PASSWORD],
        ['sha256-salted-right-base64', { type: 'password-sha256-salted-right-base64', value: 'Aa8zMlZ1VzX0OZkOv/NE5Af4ocPwe7QE9/3Nf+mEOeg=', salt: SALT }, PASSWORD],
        ['sha256-salted-left-hex', { type: 'password-sha256-salted-left-hex', value: '9e4ac0a8622fa39201910912524078c7e7d1ed3ba71465d94f8f8658de984e2b', salt: SALT }, PASSWORD],
        ['sha512', { type: 'password-sha512', value: 'be5ef7679d88ab9a9045f6267e55f5e5784b4b8cd764b5cd855a5244f91c626953cd46c43d7668873fd6efbd3b221249315580031963472a078781fe046e62ae' }, PASSWORD],
        ['sha512-salted-left-base64', { type: 'password-sha512-salted-left-base64', value: 'oUWIX5JgGLWw50+eefkwKD2tTUCqibdzQTWM2KZEpok1BpMHLXVwKQXbfGtENhxvA2h30p5wEDfKF5R36uzQuQ==', salt: SALT }, PASSWORD],
        ['pbkdf2-django', { type: 'password-pbkdf2-sha256', value: 'pbkdf2_sha256$10000$seasalt42$t8go9t44Wb6Y1Sfq1a2e6WU9u3YTZYnhdgyew0c/8hE=' }, PASSWORD],
        ['pbkdf2-passlib', { type: 'password-pbkdf2', value: '$pbkdf2-sha256$2000$Dx4tPEtaaXiHlqW0w9Lh8A$a1.HRTZSmg1KANn0SeRsQI8iAjWLHxWmCtXbq2VDYwE' }, PASSWORD],
        ['pbkdf2-bare', { type: 'password-pbkdf2-sha512', value: '5d8582db571000691b114e687ec10cd4d0fc878fe6c3b7c7a110d54eaaf6d4fa69d49e9dfc90ef1ccb531fc007a067e050c6400333a2162ff7818461240abdab', salt: 'seasalt42', rounds: 5000 }, PASSWORD],
      ];
      const tag = unique('legacy');
      const all = legacy.map(([name, password]) => ({ email: `${name}.${tag}@example.com`, displayName: name, password, created: '2015-03-01 10:00:00 +0000' }));
      const bulk = await call(server().url, '/entity.bulkCreate', { ...s.owner, type_name: 'user', all_attributes: JSON.stringify(all) });
      expect(bulk.json.stat).toBe('ok');
      expect(bulk.json.uuid_results).toHaveLength(legacy.length);
      for (const [i, [name, stored, password]] of legacy.entries()) {
        const email = `${name}.${tag}@example.com`;
        const uuid = bulk.json.uuid_results[i] as string;
        expect(await s.storedPassword(uuid), name).toEqual(expect.objectContaining({ type: stored.type, value: stored.value }));
        expectError(await s.native('auth_native_traditional', signIn(email, `${password}!`)), 210, 'invalid_credentials');
        const login = await s.native('auth_native_traditional', signIn(email, password));
        expect(login.json.stat, `${name}: ${login.text}`).toBe('ok');
        const now = await s.storedPassword(uuid);
        expect(now.type, name).toBe('password-argon2id');
        expect(now.value, name).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
        expect((await s.native('auth_native_traditional', signIn(email, password))).json.stat, name).toBe('ok');
        // entity's own password check (argon2id only) agrees now.
        expect((await call(server().url, '/entity', { ...s.owner, type_name: 'user', uuid, password_attribute: 'password', password_value: password })).json.stat).toBe('ok');
      }
    });

    it('throttles repeated failures per account with the same answer for unknown accounts and wrong passwords', async () => {
      const s = await site();
      const email = `${unique('locked')}@example.com`;
      await s.native('register_native_traditional', registration(email));
      const unknown = await s.native('auth_native_traditional', signIn(`${unique('ghost')}@example.com`, 'first-Secret1'));
      const wrong = await s.native('auth_native_traditional', signIn(email, 'wrong-Secret1'));
      const { request_id: _a, ...unknownBody } = unknown.json;
      const { request_id: _b, ...wrongBody } = wrong.json;
      expect(unknownBody).toEqual(wrongBody);
      expect(wrongBody).toEqual({ stat: 'error', code: 210, error: 'invalid_credentials', error_description: 'invalid credentials', invalid_fields: { signInForm: ['Incorrect email address or password. Please try again.'] } });
      // And about the same time: each checks one argon2id hash.
      const time = async (who: string) => {
        const started = performance.now();
        await s.native('auth_native_traditional', signIn(who, 'wrong-Secret1'));
        return performance.now() - started;
      };
      const ghost = `${unique('ghost')}@example.com`;
      const [tUnknown, tWrong] = [await time(ghost), await time(email)];
      expect(Math.abs(tUnknown - tWrong)).toBeLessThan(Math.max(tUnknown, tWrong) * 0.8 + 15);
      // 5 failures within the window lock the account, the right password included.
      for (let i = 0; i < 3; i++) expectError(await s.native('auth_native_traditional', signIn(email, 'wrong-Secret1')), 210, 'invalid_credentials');
      const locked = await s.native('auth_native_traditional', signIn(email, 'first-Secret1'));
      expectError(locked, 510, 'api_limit_error');
      expect(locked.json.retry_after).toBeGreaterThan(0);
      // Case does not matter to the count; another account is not affected.
      expectError(await s.native('auth_native_traditional', signIn(email.toUpperCase(), 'first-Secret1')), 510, 'api_limit_error');
      const free = `${unique('free')}@example.com`;
      await s.native('register_native_traditional', registration(free));
      expect((await s.native('auth_native_traditional', signIn(free, 'first-Secret1'))).json.stat).toBe('ok');

      // Per address: 50 failures across many accounts lock the address, for every account.
      for (let i = 0; i < 43; i++) expectError(await s.native('auth_native_traditional', signIn(`${unique('spray')}@example.com`, 'guess-Secret1')), 210, 'invalid_credentials');
      const sprayed = await s.native('auth_native_traditional', signIn(free, 'first-Secret1'));
      expectError(sprayed, 510, 'api_limit_error');
      expect(sprayed.json.retry_after).toBeGreaterThan(0);
    }, 60_000);

    it('answers the seed 002 errors: missing and unknown flow, version and locale, invalid token, clients without login_client; and reads client defaults', async () => {
      const s = await site();
      const { flow: _f, flow_version: _v, ...noFlow } = s.base;
      const missing = await call(server().url, '/oauth/auth_native', { ...noFlow, token: 'a'.repeat(40) });
      expectError(missing, 100, 'missing_argument');
      expect(missing.json.error_description).toBe('missing arguments: flow');
      for (const [param, value] of [['flow_version', '12345abc-1234-abcd-1234-12345abcde12'], ['flow_version', 'HEAD'], ['flow', 'nosuchflow'], ['locale', 'xx-XX']] as const) {
        const res = await s.native('auth_native', { token: 'a'.repeat(40), [param]: value });
        expectError(res, 500, 'unexpected_error');
        const expected = { flow: 'standard', flow_version: s.version, locale: 'en-US', [param]: value };
        expect(res.json.error_description).toBe(`could not find a flow named '${expected.flow}' with version '${expected.flow_version}' and locale '${expected.locale}'`);
      }
      const invalid = await s.native('auth_native', { token: 'a'.repeat(40) });
      expectError(invalid, 200, 'invalid_argument');
      expect(invalid.json.error_description).toBe('invalid token');
      expectError(await s.native('auth_native', {}), 100, 'missing_argument');
      expectError(await s.native('auth_native_traditional', { ...signIn('a@example.com', 'x'), response_type: 'bogus' }), 200, 'invalid_argument');
      expectError(await s.native('auth_native_traditional', { ...signIn('a@example.com', 'x'), redirect_uri: 'ftp://example.com' }), 200, 'invalid_argument');

      // A client without login_client (seed 002's 403).
      const added = await call(server().url, '/clients/add', { ...s.owner, description: 'back office', features: '["direct_access"]' });
      const denied = await call(server().url, '/oauth/auth_native_traditional', { ...s.base, client_id: added.json.client_id, client_secret: added.json.client_secret, ...signIn('a@example.com', 'x') });
      expect(denied.json).toMatchObject({ stat: 'error', code: 403, error: 'permission_error', error_description: 'This client does not support log in and registration.' });

      // The client's default_flow_name / default_flow_version make flow and flow_version optional.
      await call(server().url, '/settings/set_default', { ...s.owner, key: 'default_flow_name', value: 'standard' });
      await call(server().url, '/settings/set_default', { ...s.owner, key: 'default_flow_version', value: s.version });
      const email = `${unique('defaults')}@example.com`;
      expect((await call(server().url, '/oauth/register_native_traditional', { ...noFlow, ...registration(email) })).json.stat).toBe('ok');
      expect((await call(server().url, '/oauth/auth_native_traditional', { ...noFlow, ...signIn(email, 'first-Secret1') })).json.stat).toBe('ok');
    });

    it('answers form errors as 390 invalid_fields in the request locale, and refuses an email in use', async () => {
      const s = await site();
      const en = await s.native('auth_native_traditional', { form: 'signInForm', signInEmailAddress: 'not-an-email' });
      expectError(en, 390, 'invalid_form_fields');
      expect(en.json.invalid_fields).toEqual({ signInEmailAddress: ['Enter a valid email address.'], currentPassword: ['Enter your password.'] });
      const fr = await s.native('auth_native_traditional', { form: 'signInForm', signInEmailAddress: 'not-an-email', locale: 'fr-FR' });
      expectError(fr, 390, 'invalid_form_fields');
      expect(Object.keys(fr.json.invalid_fields).sort()).toEqual(['currentPassword', 'signInEmailAddress']);
      expect(fr.json.invalid_fields.currentPassword[0]).not.toBe('Enter your password.');
      const wrongFr = await s.native('auth_native_traditional', { ...signIn(`${unique('nobody')}@example.com`, 'x'), locale: 'fr-FR' });
      expect(wrongFr.json.invalid_fields.signInForm).toEqual(['Adresse e-mail ou mot de passe incorrect. Veuillez réessayer.']);
      expectError(await s.native('auth_native_traditional', { signInEmailAddress: 'a@example.com' }), 100, 'missing_argument');
      expectError(await s.native('auth_native_traditional', { form: 'noSuchForm' }), 200, 'invalid_argument');

      const email = `${unique('taken')}@example.com`;
      expect((await s.native('register_native_traditional', registration(email))).json.stat).toBe('ok');
      const taken = await s.native('register_native_traditional', registration(email.toUpperCase()));
      expectError(taken, 390, 'invalid_form_fields');
      expect(taken.json.invalid_fields).toEqual({ emailAddress: ['Email address is already in use.'] });
      const frTaken = await s.native('register_native_traditional', { ...registration(email), locale: 'fr-FR' });
      expect(frTaken.json.invalid_fields.emailAddress[0]).not.toBe('Email address is already in use.');
    });

    it('answers with a token, a code or both (code_with_token too), and keeps refresh_secret for oauth/refresh_access_token', async () => {
      const s = await site();
      const email = `${unique('types')}@example.com`;
      await s.native('register_native_traditional', registration(email));
      const token = await s.native('auth_native_traditional', signIn(email, 'first-Secret1'));
      expect(Object.keys(token.json).sort()).toEqual(['access_token', 'capture_user', 'is_new', 'stat']);
      const code = await s.native('auth_native_traditional', { ...signIn(email, 'first-Secret1'), response_type: 'code' });
      expect(Object.keys(code.json).sort()).toEqual(['authorization_code', 'capture_user', 'is_new', 'stat']);
      for (const both of ['code_and_token', 'code_with_token']) {
        const res = await s.native('auth_native_traditional', { ...signIn(email, 'first-Secret1'), response_type: both });
        expect(Object.keys(res.json).sort()).toEqual(['access_token', 'authorization_code', 'capture_user', 'is_new', 'stat']);
      }
      // A code is bound to the redirect_uri it was issued with.
      const mismatch = await call(server().url, '/oauth/token', { client_id: s.app.loginClientId, client_secret: s.app.loginClientSecret, grant_type: 'authorization_code', code: code.json.authorization_code, redirect_uri: `${SITE}/elsewhere` });
      expect(mismatch.json).toMatchObject({ stat: 'error', code: 420 });

      const secret = 'mobile-app-chosen-secret';
      const mobile = await s.native('auth_native_traditional', { ...signIn(email, 'first-Secret1'), refresh_secret: secret });
      const date = new Date().toISOString().replace('T', ' ').slice(0, 19);
      const signature = createHmac('sha1', secret).update(`refresh_access_token\n${date}\n${mobile.json.access_token}\n`).digest('base64');
      const renewed = await call(server().url, '/oauth/refresh_access_token', { client_id: s.app.loginClientId, access_token: mobile.json.access_token, date, signature });
      expect(renewed.json).toMatchObject({ stat: 'ok', access_token: expect.stringMatching(/^[a-z0-9]{32}$/) });
      expect((await call(server().url, '/entity', { access_token: renewed.json.access_token })).json.result.email).toBe(email);
    });

    it('answers seed 004 for verify_email_native and forgot_password_native with unknown addresses, and retries a refused mail', async () => {
      const s = await site();
      const nobody = `${unique('nobody')}@example.com`;
      const unknown = await s.native('verify_email_native', { form: 'resendVerificationForm', signInEmailAddress: nobody });
      expectError(unknown, 210, 'invalid_credentials');
      // forgot_password_native says the same whether or not the account exists, unless the client asks for seed 004's 212.
      expect((await s.native('forgot_password_native', { form: 'forgotPasswordForm', signInEmailAddress: nobody })).json).toEqual({ stat: 'ok' });
      await call(server().url, '/settings/set', { ...s.owner, for_client_id: s.app.loginClientId, key: 'reveal_unknown_accounts', value: 'true' });
      expectError(await s.native('forgot_password_native', { form: 'forgotPasswordForm', signInEmailAddress: nobody }), 212, 'no_such_account');

      // Without verify_email_url, a whitelisted redirect_uri is the link; another one is refused.
      await call(server().url, '/settings/delete', { ...s.owner, for_client_id: s.app.loginClientId, key: 'verify_email_url' });
      const email = `${unique('retry')}@example.com`;
      await s.native('register_native_traditional', registration(email));
      expectError(await s.native('verify_email_native', { form: 'resendVerificationForm', signInEmailAddress: email, redirect_uri: 'https://evil.example/verify' }), 200, 'invalid_argument');
      const refusedBefore = smtp.refused;
      smtp.refuseNext(1);
      const sent = await s.native('verify_email_native', { form: 'resendVerificationForm', signInEmailAddress: email, redirect_uri: `${SITE}/welcome` });
      expect(sent.json).toEqual({ stat: 'ok' });
      const mail = await nextMail(email, /https:\/\/www\.shop\.example\/welcome\?verification_code=/, 30_000);
      expect(smtp.refused).toBeGreaterThan(refusedBefore);
      const code = /verification_code=([a-z0-9]+)/.exec(mail.text)![1];
      expect((await call(server().url, '/access/useVerificationCode', { verification_code: code })).json.stat).toBe('ok');
    }, 60_000);

    it('updates the email address through editProfileForm: no longer verified, a verification mail to the new one, another account\'s address refused', async () => {
      const s = await site();
      const first = `${unique('old')}@example.com`;
      const other = `${unique('taken')}@example.com`;
      await s.native('register_native_traditional', registration(other));
      const reg = await s.native('register_native_traditional', registration(first));
      const code = /verification_code=([a-z0-9]+)/.exec((await nextMail(first, /verification_code=/)).text)![1];
      expect((await call(server().url, '/access/useVerificationCode', { verification_code: code })).json.stat).toBe('ok');
      const profile = { access_token: reg.json.access_token, form: 'editProfileForm', firstName: 'Ada', lastName: 'Lovelace', displayName: 'Ada L.' };
      const clash = await s.native('update_profile_native', { ...profile, emailAddress: other });
      expectError(clash, 390, 'invalid_form_fields');
      expect(clash.json.invalid_fields).toEqual({ emailAddress: ['Email address is already in use.'] });
      // Its own address is no clash.
      expect((await s.native('update_profile_native', { ...profile, emailAddress: first.toUpperCase() })).json.capture_user.emailVerified).toMatch(/^\d{4}-/);
      const moved = `${unique('new')}@example.com`;
      const changed = await s.native('update_profile_native', { ...profile, emailAddress: moved });
      expect(changed.json.capture_user).toMatchObject({ email: moved, emailVerified: null });
      await nextMail(moved, /verification_code=/);
      expect((await s.native('auth_native_traditional', signIn(moved, 'first-Secret1'))).json.stat).toBe('ok');
    });
  },
  { SMTP_URL: smtp.url },
);
