/**
 * Every live provider's normalisation, from user-info documents recorded in the shapes the
 * providers document (values from their public documentation's examples), through the
 * adapter's own fetch step (which picks and combines the provider's answers) to Janrain's
 * profile and accessCredentials.
 */
import { describe, expect, it } from 'vitest';
import { findProvider, liveProviders } from '../catalog.js';
import { compact } from '../poco.js';
import type { Doc, FetchContext, TokenInfo } from '../spec.js';
import { providerOfIdentifier } from '../upstream.js';
import { CONSUMER_TENANT } from './microsoft.js';

const TOKENS: TokenInfo = { accessToken: 'ya29.a0-access-token', refreshToken: '1//refresh-token', expiresAt: 1_900_000_000_000, scope: 'openid email profile', extra: {} };

interface Recording {
  /** Answers by URL prefix (the provider's API calls). */
  api?: Record<string, unknown>;
  /** The OpenID Connect UserInfo response. */
  userInfo?: Doc;
  idClaims?: Doc;
  callback?: Record<string, string>;
  tokens?: Partial<TokenInfo>;
  properties?: Record<string, string>;
}

/** The adapter's fetch step served by recorded provider answers (what the provider's servers would send). */
function recorded(r: Recording): FetchContext {
  return {
    tokens: { ...TOKENS, ...r.tokens },
    idClaims: r.idClaims,
    callback: r.callback ? new URLSearchParams(r.callback) : undefined,
    client: { clientId: 'client-id', clientSecret: 'client-secret', properties: r.properties ?? {} },
    userInfo: async () => r.userInfo ?? {},
    json: async (url: string) => {
      const key = Object.keys(r.api ?? {}).find((prefix) => url.startsWith(prefix));
      if (!key) throw new Error(`no recorded answer for ${url}`);
      return r.api?.[key];
    },
  };
}

async function normalise(specifier: string, r: Recording) {
  const entry = findProvider(specifier);
  if (entry?.status !== 'live') throw new Error(`${specifier} is not live`);
  const ctx = recorded(r);
  const doc = await entry.upstream.adapter.fetch(ctx);
  const profile = compact(entry.upstream.adapter.profile(doc));
  expect(entry.upstream.adapter.identifies(profile.identifier)).toBe(true);
  expect(providerOfIdentifier(profile.identifier)).toBe(entry.specifier);
  return { profile, credentials: compact(entry.upstream.adapter.credentials(ctx.tokens, doc)) };
}

const normalised = new Set<string>();
const covers = (specifier: string) => normalised.add(specifier);

describe('profile normalisation of every live provider', () => {
  it('google: OpenID Connect UserInfo', async () => {
    covers('google');
    const { profile, credentials } = await normalise('google', {
      idClaims: { iss: 'https://accounts.google.com', sub: '110169484474386276334', aud: 'client-id', email: 'sam.knot@gmail.com', email_verified: true },
      userInfo: { sub: '110169484474386276334', name: 'Sam Knot', given_name: 'Sam', family_name: 'Knot', picture: 'https://lh3.googleusercontent.com/a/ACg8ocJ', email: 'sam.knot@gmail.com', email_verified: true, locale: 'en' },
    });
    expect(profile).toEqual({
      identifier: 'https://www.google.com/profiles/110169484474386276334',
      displayName: 'Sam Knot',
      preferredUsername: 'Sam',
      name: { formatted: 'Sam Knot', givenName: 'Sam', familyName: 'Knot' },
      email: 'sam.knot@gmail.com',
      verifiedEmail: 'sam.knot@gmail.com',
      url: 'https://www.google.com/profiles/110169484474386276334',
      photo: 'https://lh3.googleusercontent.com/a/ACg8ocJ',
      googleUserId: '110169484474386276334',
    });
    expect(credentials).toEqual({ type: 'OAuth', oauthToken: TOKENS.accessToken, scopes: 'openid,email,profile' });
  });

  it('microsoft: a personal account keeps the Windows Live cid identifier and its verified sign-in address', async () => {
    covers('microsoft');
    const { profile, credentials } = await normalise('microsoft', {
      idClaims: { tid: CONSUMER_TENANT, oid: '00000000-0000-0000-aa4a-e54b5aca67c3', sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ', email: 'kim.90@hotmail.com', preferred_username: 'kim.90@hotmail.com', name: 'Kim Astrom' },
      api: { 'https://graph.microsoft.com/v1.0/me': { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity', id: 'aa4ae54b5aca67c3', displayName: 'Kim Astrom', givenName: 'Kim', surname: 'Astrom', mail: null, userPrincipalName: 'kim.90@hotmail.com', businessPhones: [], mobilePhone: null } },
    });
    expect(profile).toEqual({
      identifier: 'http://cid-aa4ae54b5aca67c3.spaces.live.com/',
      displayName: 'Kim Astrom',
      preferredUsername: 'kim.90',
      name: { formatted: 'Kim Astrom', givenName: 'Kim', familyName: 'Astrom' },
      email: 'kim.90@hotmail.com',
      verifiedEmail: 'kim.90@hotmail.com',
      url: 'http://cid-aa4ae54b5aca67c3.spaces.live.com/',
    });
    expect(credentials).toEqual({ type: 'OAuth2', eact: TOKENS.accessToken, expires: 1_900_000_000, scopes: 'openid,email,profile' });
  });

  it('microsoft: a work account is named by tenant and object id, its mail unverified without xms_edov', async () => {
    const { profile } = await normalise('microsoft', {
      idClaims: { tid: '72f988bf-86f1-41af-91ab-2d7cd011db47', oid: '87d349ed-44d7-43e1-9a83-5f2406dee5bd', sub: 'l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA', preferred_username: 'AdeleV@contoso.com' },
      api: { 'https://graph.microsoft.com/v1.0/me': { id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd', displayName: 'Adele Vance', givenName: 'Adele', surname: 'Vance', mail: 'AdeleV@contoso.com', userPrincipalName: 'AdeleV@contoso.com', businessPhones: ['+1 425 555 0109'], mobilePhone: null } },
    });
    expect(profile).toEqual({
      identifier: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0#87d349ed-44d7-43e1-9a83-5f2406dee5bd',
      displayName: 'Adele Vance',
      preferredUsername: 'AdeleV',
      name: { formatted: 'Adele Vance', givenName: 'Adele', familyName: 'Vance' },
      email: 'AdeleV@contoso.com',
      phoneNumber: '+1 425 555 0109',
    });
  });

  it('apple: ID token claims and the name posted once in `user`', async () => {
    covers('apple');
    const { profile, credentials } = await normalise('apple', {
      idClaims: { iss: 'https://appleid.apple.com', aud: 'com.example.web', sub: '001234.5f1e2d3c4b5a69788796a5b4c3d2e1f0.1234', email: 'k8bxq2pz6s@privaterelay.appleid.com', email_verified: 'true', is_private_email: 'true', auth_time: 1700000000 },
      callback: { code: 'c1', state: 's1', user: JSON.stringify({ name: { firstName: 'Jane', lastName: 'Appleseed' }, email: 'k8bxq2pz6s@privaterelay.appleid.com' }) },
    });
    expect(profile).toEqual({
      identifier: 'https://appleid.apple.com#001234.5f1e2d3c4b5a69788796a5b4c3d2e1f0.1234',
      displayName: 'Jane Appleseed',
      name: { formatted: 'Jane Appleseed', givenName: 'Jane', familyName: 'Appleseed' },
      email: 'k8bxq2pz6s@privaterelay.appleid.com',
      verifiedEmail: 'k8bxq2pz6s@privaterelay.appleid.com',
      appleIsPrivateEmail: true,
    });
    expect(credentials).toMatchObject({ type: 'OAuth2', uid: '001234.5f1e2d3c4b5a69788796a5b4c3d2e1f0.1234' });
  });

  it('yahoo: UserInfo of the documented example, no verification claim', async () => {
    covers('yahoo');
    const { profile, credentials } = await normalise('yahoo', {
      userInfo: { sub: 'FSVIDUW3D7FSVIDUW3D72F2F', name: 'Jane Doe', given_name: 'Jane', family_name: 'Doe', preferred_username: 'j.doe', email: 'janedoe@example.com', picture: 'http://example.com/janedoe/me.jpg' },
    });
    expect(profile).toEqual({
      identifier: 'http://profile.yahoo.com/FSVIDUW3D7FSVIDUW3D72F2F',
      displayName: 'Jane Doe',
      preferredUsername: 'j.doe',
      name: { formatted: 'Jane Doe', givenName: 'Jane', familyName: 'Doe' },
      email: 'janedoe@example.com',
      photo: 'http://example.com/janedoe/me.jpg',
    });
    expect(credentials).toEqual({ type: 'OAuth', oauthToken: TOKENS.accessToken, oauthSessionHandle: TOKENS.refreshToken, expires: 1_900_000_000 });
  });

  it('linkedin: OpenID Connect UserInfo with a locale object', async () => {
    covers('linkedin');
    const { profile, credentials } = await normalise('linkedin', {
      userInfo: { sub: '782bbtaQ', name: 'John Doe', given_name: 'John', family_name: 'Doe', picture: 'https://media.licdn.com/dms/image/C5F03AQ/profile-displayphoto', locale: { country: 'US', language: 'en' }, email: 'doe@email.com', email_verified: true },
    });
    expect(profile).toEqual({
      identifier: 'http://www.linkedin.com/profile?viewProfile=782bbtaQ',
      displayName: 'John Doe',
      preferredUsername: 'John',
      name: { formatted: 'John Doe', givenName: 'John', familyName: 'Doe' },
      email: 'doe@email.com',
      verifiedEmail: 'doe@email.com',
      photo: 'https://media.licdn.com/dms/image/C5F03AQ/profile-displayphoto',
      languagesSpoken: ['en'],
    });
    expect(credentials).toEqual({ type: 'OAuth', oauthToken: TOKENS.accessToken, expires: 1_900_000_000 });
  });

  it('salesforce: UserInfo with the identity URL as subject and an offset in milliseconds', async () => {
    covers('salesforce');
    const { profile, credentials } = await normalise('salesforce', {
      tokens: { extra: { instance_url: 'https://yourInstance.my.salesforce.com' } },
      userInfo: {
        sub: 'https://login.salesforce.com/id/00Dx0000001T0zk/005x0000001S2b9',
        user_id: '005x0000001S2b9',
        organization_id: '00Dx0000001T0zk',
        preferred_username: 'admin@mycompany.com',
        nickname: 'admin',
        name: 'Pat Admin',
        email: 'admin@mycompany.com',
        email_verified: true,
        given_name: 'Pat',
        family_name: 'Admin',
        photos: { picture: 'https://c.na1.content.force.com/profilephoto/005/F', thumbnail: 'https://c.na1.content.force.com/profilephoto/005/T' },
        profile: 'https://yourInstance.my.salesforce.com/005x0000001S2b9',
        address: { country: 'US' },
        user_type: 'STANDARD',
        active: true,
        locale: 'en_US',
        utcOffset: -28800000,
      },
    });
    expect(profile).toEqual({
      identifier: 'https://login.salesforce.com/id/00Dx0000001T0zk/005x0000001S2b9',
      displayName: 'Pat Admin',
      preferredUsername: 'admin@mycompany.com',
      name: { formatted: 'Pat Admin', givenName: 'Pat', familyName: 'Admin' },
      email: 'admin@mycompany.com',
      verifiedEmail: 'admin@mycompany.com',
      url: 'https://yourInstance.my.salesforce.com/005x0000001S2b9',
      photo: 'https://c.na1.content.force.com/profilephoto/005/F',
      address: { formatted: 'US', country: 'US' },
      utcOffset: '-08:00',
      userType: 'STANDARD',
      active: true,
      local: 'en_US',
    });
    expect(credentials).toMatchObject({ type: 'OAuth2', instanceUrl: 'https://yourInstance.my.salesforce.com' });
  });

  it('paypal: Identity API paypalv1.1 user info, confirmed primary email', async () => {
    covers('paypal');
    const { profile, credentials } = await normalise('paypal', {
      api: {
        'https://api-m.paypal.com/v1/identity/oauth2/userinfo': {
          user_id: 'https://www.paypal.com/webapps/auth/identity/user/mWq6_1sU85v5EG9yHdPxJRrhGHrnMJ-1PQKtX6pcsmA',
          name: 'identity test',
          given_name: 'identity',
          family_name: 'test',
          payer_id: 'WDJJHEBZ4X2LY',
          address: { street_address: '1 Main St', locality: 'San Jose', region: 'CA', postal_code: '95131', country: 'US' },
          verified_account: 'true',
          emails: [{ value: 'user1@example.com', primary: true, confirmed: true }],
        },
      },
    });
    expect(profile).toEqual({
      identifier: 'https://www.paypal.com/webapps/auth/identity/user/mWq6_1sU85v5EG9yHdPxJRrhGHrnMJ-1PQKtX6pcsmA',
      displayName: 'identity test',
      name: { formatted: 'identity test', givenName: 'identity', familyName: 'test' },
      email: 'user1@example.com',
      verifiedEmail: 'user1@example.com',
      address: { formatted: '1 Main St, San Jose, CA 95131, US', streetAddress: '1 Main St', locality: 'San Jose', region: 'CA', postalCode: '95131', country: 'US' },
      verifiedAccount: true,
    });
    expect(credentials).toEqual({ uid: 'https://www.paypal.com/webapps/auth/identity/user/mWq6_1sU85v5EG9yHdPxJRrhGHrnMJ-1PQKtX6pcsmA' });
  });

  it('line: UserInfo plus the email of the ID token, never verified', async () => {
    covers('line');
    const { profile } = await normalise('line', {
      idClaims: { iss: 'https://access.line.me', sub: 'U1234567890abcdef1234567890abcdef', aud: '1234567890', email: 'taro.line@example.com' },
      userInfo: { sub: 'U1234567890abcdef1234567890abcdef', name: 'Taro Line', picture: 'https://profile.line-scdn.net/abcdefghijklmn' },
    });
    expect(profile).toEqual({
      identifier: 'https://access.line.me#U1234567890abcdef1234567890abcdef',
      displayName: 'Taro Line',
      name: { formatted: 'Taro Line' },
      email: 'taro.line@example.com',
      photo: 'https://profile.line-scdn.net/abcdefghijklmn',
    });
  });

  it('facebook: Graph /me with picture, birthday and location; the email is not verified', async () => {
    covers('facebook');
    const { profile, credentials } = await normalise('facebook', {
      api: {
        'https://graph.facebook.com/v23.0/me': {
          id: '10153045391423473',
          name: 'Kai Fisher',
          first_name: 'Kai',
          last_name: 'Fisher',
          short_name: 'Kai',
          email: 'kai.fisher@example.com',
          picture: { data: { height: 200, width: 200, is_silhouette: false, url: 'https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10153045391423473' } },
          link: 'https://www.facebook.com/app_scoped_user_id/YXNpZADpBWEd/',
          gender: 'male',
          birthday: '08/31/1990',
          location: { id: '108424279189115', name: 'New York, New York' },
        },
      },
    });
    expect(profile).toEqual({
      identifier: 'http://www.facebook.com/profile.php?id=10153045391423473',
      displayName: 'Kai Fisher',
      preferredUsername: 'Kai',
      name: { formatted: 'Kai Fisher', givenName: 'Kai', familyName: 'Fisher' },
      email: 'kai.fisher@example.com',
      url: 'https://www.facebook.com/app_scoped_user_id/YXNpZADpBWEd/',
      photo: 'https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10153045391423473',
      gender: 'male',
      birthday: '1990-08-31',
      address: { formatted: 'New York, New York' },
    });
    expect(credentials).toEqual({ type: 'Facebook', accessToken: TOKENS.accessToken, expires: 1_900_000_000, uid: '10153045391423473' });
  });

  it('twitter: X API v2 users/me', async () => {
    covers('twitter');
    const { profile, credentials } = await normalise('twitter', {
      api: { 'https://api.x.com/2/users/me': { data: { id: '2244994945', name: 'Developers', username: 'XDevelopers', profile_image_url: 'https://pbs.twimg.com/profile_images/1445764922474827784/W2zEPN7U_normal.jpg', url: 'https://t.co/3ZX3TNiZCY', description: 'The voice of the X Dev team', location: '127.0.0.1' } } },
    });
    expect(profile).toEqual({
      identifier: 'http://twitter.com/account/profile?user_id=2244994945',
      displayName: 'Developers',
      preferredUsername: 'XDevelopers',
      name: { formatted: 'Developers' },
      url: 'http://twitter.com/XDevelopers',
      photo: 'https://pbs.twimg.com/profile_images/1445764922474827784/W2zEPN7U_normal.jpg',
      address: { formatted: '127.0.0.1' },
    });
    expect(credentials).toEqual({ type: 'OAuth', oauthToken: TOKENS.accessToken, expires: 1_900_000_000 });
  });

  it('amazon: Login with Amazon /user/profile', async () => {
    covers('amazon');
    const { profile, credentials } = await normalise('amazon', {
      api: { 'https://api.amazon.com/user/profile': { user_id: 'amzn1.account.K2LI23KL2LK2', email: 'mhashimoto-04@plaxo.com', name: 'Mork Hashimoto', postal_code: '98052' } },
    });
    expect(profile).toEqual({
      identifier: 'https://www.amazon.com#amzn1.account.K2LI23KL2LK2',
      displayName: 'Mork Hashimoto',
      name: { formatted: 'Mork Hashimoto' },
      email: 'mhashimoto-04@plaxo.com',
      address: { formatted: '98052', postalCode: '98052' },
    });
    expect(credentials).toEqual({ accessToken: TOKENS.accessToken, uid: 'amzn1.account.K2LI23KL2LK2', expires: 1_900_000_000, refreshToken: TOKENS.refreshToken, scopes: 'openid,email,profile' });
  });

  it('vk: VK ID oauth2/user_info', async () => {
    covers('vk');
    const { profile, credentials } = await normalise('vk', {
      api: { 'https://id.vk.com/oauth2/user_info': { user: { user_id: '1234567890', first_name: 'Ivan', last_name: 'I.', phone: '79991234567', avatar: 'https://pp.userapi.com/60tZWMo4SmwcploUVl9XEt8ufnTTvDUmQ6Bj1g/mmv1pcj63C4.png', email: 'ivan_i123@vk.ru', sex: 2, verified: false, birthday: '01.01.2000' } } },
    });
    expect(profile).toEqual({
      identifier: 'http://vk.com/id1234567890',
      displayName: 'Ivan I.',
      name: { formatted: 'Ivan I.', givenName: 'Ivan', familyName: 'I.' },
      email: 'ivan_i123@vk.ru',
      url: 'http://vk.com/id1234567890',
      photo: 'https://pp.userapi.com/60tZWMo4SmwcploUVl9XEt8ufnTTvDUmQ6Bj1g/mmv1pcj63C4.png',
      gender: 'male',
      birthday: '2000-01-01',
      phoneNumber: '79991234567',
    });
    expect(credentials).toEqual({ type: 'OAuth2', accessToken: TOKENS.accessToken, uuid: '1234567890', expires: 1_900_000_000, scopes: 'openid,email,profile' });
  });

  it('odnoklassniki: signed users.getCurrentUser', async () => {
    covers('odnoklassniki');
    const { profile } = await normalise('odnoklassniki', {
      properties: { applicationKey: 'CBAFJIICABABABABA' },
      api: {
        'https://api.ok.ru/fb.do?': {
          uid: '574478364290',
          first_name: 'Ольга',
          last_name: 'Петрова',
          name: 'Ольга Петрова',
          gender: 'female',
          birthday: '1992-04-17',
          location: { city: 'Москва', country: 'RUSSIAN_FEDERATION', countryCode: 'RU', countryName: 'Россия' },
          pic190x190: 'https://i.mycdn.me/i?r=AzEPZsRbOZEKgBhR0XGMT1Rk',
          email: 'olga.p@example.ru',
        },
      },
    });
    expect(profile).toEqual({
      identifier: 'https://ok.ru#574478364290',
      displayName: 'Ольга Петрова',
      name: { formatted: 'Ольга Петрова', givenName: 'Ольга', familyName: 'Петрова' },
      email: 'olga.p@example.ru',
      url: 'https://ok.ru/profile/574478364290',
      photo: 'https://i.mycdn.me/i?r=AzEPZsRbOZEKgBhR0XGMT1Rk',
      gender: 'female',
      birthday: '1992-04-17',
      address: { formatted: 'Москва, Россия', locality: 'Москва', country: 'Россия' },
    });
  });

  it('wordpress: REST /me with email_verified', async () => {
    covers('wordpress');
    const { profile } = await normalise('wordpress', {
      api: { 'https://public-api.wordpress.com/rest/v1.1/me': { ID: 12345678, display_name: 'Dana Writer', username: 'danawriter', email: 'dana@example.com', email_verified: true, primary_blog: 98765432, primary_blog_url: 'https://danawriter.wordpress.com', avatar_URL: 'https://0.gravatar.com/avatar/5a2b?s=96&d=identicon', profile_URL: 'https://gravatar.com/danawriter' } },
    });
    expect(profile).toEqual({
      identifier: 'https://wordpress.com#12345678',
      displayName: 'Dana Writer',
      preferredUsername: 'danawriter',
      name: { formatted: 'Dana Writer' },
      email: 'dana@example.com',
      verifiedEmail: 'dana@example.com',
      url: 'https://danawriter.wordpress.com',
      photo: 'https://0.gravatar.com/avatar/5a2b?s=96&d=identicon',
    });
  });

  it('disqus: users/details', async () => {
    covers('disqus');
    const { profile, credentials } = await normalise('disqus', {
      tokens: { accessToken: 'disqus-token' },
      api: { 'https://disqus.com/api/3.0/users/details.json': { code: 0, response: { id: '5472588', username: 'disqus_api', name: 'Disqus API', about: '', location: 'San Francisco, CA', url: '', profileUrl: 'https://disqus.com/by/disqus_api/', isPrivate: false, avatar: { permalink: 'https://disqus.com/api/users/avatars/disqus_api.jpg', cache: 'https://c.disquscdn.com/uploads/users/547/2588/avatar92.jpg' } } } },
    });
    expect(profile).toEqual({
      identifier: 'https://disqus.com#5472588',
      displayName: 'Disqus API',
      preferredUsername: 'disqus_api',
      name: { formatted: 'Disqus API' },
      url: 'https://disqus.com/by/disqus_api/',
      photo: 'https://disqus.com/api/users/avatars/disqus_api.jpg',
      address: { formatted: 'San Francisco, CA' },
    });
    expect(credentials).toEqual({ type: 'OAuth2', accessToken: 'disqus-token', uuid: '5472588', expires: 1_900_000_000, refreshToken: TOKENS.refreshToken });
  });

  it('sinaweibo: users/show and the account email', async () => {
    covers('sinaweibo');
    const { profile, credentials } = await normalise('sinaweibo', {
      tokens: { extra: { uid: '1404376560' } },
      api: {
        'https://api.weibo.com/2/users/show.json': { id: 1404376560, idstr: '1404376560', screen_name: 'zaku', name: 'zaku', location: '北京 朝阳区', description: '人生五十年', url: 'http://blog.sina.com.cn/zaku', profile_image_url: 'http://tp1.sinaimg.cn/1404376560/50/0/1', domain: 'zaku', gender: 'm', avatar_large: 'http://tp1.sinaimg.cn/1404376560/180/0/1' },
        'https://api.weibo.com/2/account/profile/email.json': [{ email: 'zaku@example.cn' }],
      },
    });
    expect(profile).toEqual({
      identifier: 'http://weibo.com/u/1404376560',
      displayName: 'zaku',
      preferredUsername: 'zaku',
      name: { formatted: 'zaku' },
      email: 'zaku@example.cn',
      url: 'http://blog.sina.com.cn/zaku',
      photo: 'http://tp1.sinaimg.cn/1404376560/180/0/1',
      gender: 'male',
      address: { formatted: '北京 朝阳区' },
    });
    expect(credentials).toEqual({ type: 'OAuth2', oauthToken: TOKENS.accessToken, uid: '1404376560', expires: 1_900_000_000 });
  });

  it('tumblr: /v2/user/info, named by the primary blog', async () => {
    covers('tumblr');
    const { profile } = await normalise('tumblr', {
      api: {
        'https://api.tumblr.com/v2/user/info': {
          meta: { status: 200, msg: 'OK' },
          response: {
            user: {
              following: 263,
              default_post_format: 'html',
              name: 'derekg',
              likes: 606,
              blogs: [
                { name: 'derekg', title: 'Derek Gottfrid', url: 'https://derekg.org/', primary: true, uuid: 't:Kq8bD8h1uW6Czz5nm7q9pQ', avatar: [{ width: 512, height: 512, url: 'https://64.media.tumblr.com/avatar_512.png' }] },
                { name: 'ihatehipstrz', title: 'I Hate Hipstrz', url: 'https://ihatehipstrz.tumblr.com/', primary: false, uuid: 't:aaaa' },
              ],
            },
          },
        },
      },
    });
    expect(profile).toEqual({
      identifier: 'https://www.tumblr.com#t:Kq8bD8h1uW6Czz5nm7q9pQ',
      displayName: 'Derek Gottfrid',
      preferredUsername: 'derekg',
      url: 'https://derekg.org/',
      photo: 'https://64.media.tumblr.com/avatar_512.png',
    });
  });

  it('soundcloud: /me', async () => {
    covers('soundcloud');
    const { profile } = await normalise('soundcloud', {
      api: { 'https://api.soundcloud.com/me': { id: 3207, kind: 'user', username: 'jwagener', permalink: 'jwagener', permalink_url: 'https://soundcloud.com/jwagener', avatar_url: 'https://i1.sndcdn.com/avatars-000001552142-pbw8yd-large.jpg', full_name: 'Johannes Wagener', first_name: 'Johannes', last_name: 'Wagener', city: 'Berlin', country: 'Germany' } },
    });
    expect(profile).toEqual({
      identifier: 'https://api.soundcloud.com/users/3207',
      displayName: 'Johannes Wagener',
      preferredUsername: 'jwagener',
      name: { formatted: 'Johannes Wagener', givenName: 'Johannes', familyName: 'Wagener' },
      url: 'https://soundcloud.com/jwagener',
      photo: 'https://i1.sndcdn.com/avatars-000001552142-pbw8yd-large.jpg',
      address: { formatted: 'Berlin, Germany', locality: 'Berlin', country: 'Germany' },
    });
  });

  it('github: /user with the verified primary address of /user/emails', async () => {
    covers('github');
    const { profile, credentials } = await normalise('github', {
      api: {
        'https://api.github.com/user/emails': [
          { email: 'octocat@github.com', verified: true, primary: true, visibility: 'public' },
          { email: 'octo@example.com', verified: false, primary: false, visibility: null },
        ],
        'https://api.github.com/user': { login: 'octocat', id: 1, avatar_url: 'https://github.com/images/error/octocat_happy.gif', html_url: 'https://github.com/octocat', name: 'monalisa octocat', company: 'GitHub', location: 'San Francisco', email: 'octocat@github.com' },
      },
    });
    expect(profile).toEqual({
      identifier: 'https://github.com#1',
      displayName: 'monalisa octocat',
      preferredUsername: 'octocat',
      name: { formatted: 'monalisa octocat' },
      email: 'octocat@github.com',
      verifiedEmail: 'octocat@github.com',
      url: 'https://github.com/octocat',
      photo: 'https://github.com/images/error/octocat_happy.gif',
      address: { formatted: 'San Francisco' },
    });
    expect(credentials).toMatchObject({ type: 'OAuth2', uid: '1' });
  });

  it('github: an unverified primary address is only an email', async () => {
    const { profile } = await normalise('github', {
      api: { 'https://api.github.com/user/emails': [{ email: 'new@example.com', verified: false, primary: true }], 'https://api.github.com/user': { login: 'newbie', id: 99, name: null } },
    });
    expect(profile).toMatchObject({ identifier: 'https://github.com#99', email: 'new@example.com', displayName: 'newbie' });
    expect(profile.verifiedEmail).toBeUndefined();
  });

  it('discord: /users/@me with the verified flag and a CDN avatar', async () => {
    covers('discord');
    const { profile } = await normalise('discord', {
      api: { 'https://discord.com/api/users/@me': { id: '80351110224678912', username: 'nelly', discriminator: '0', global_name: 'Nelly', avatar: '8342729096ea3675442027381ff50dfe', verified: true, email: 'nelly@discord.com', flags: 64, locale: 'en-US', mfa_enabled: true } },
    });
    expect(profile).toEqual({
      identifier: 'https://discord.com#80351110224678912',
      displayName: 'Nelly',
      preferredUsername: 'nelly',
      name: { formatted: 'Nelly' },
      email: 'nelly@discord.com',
      verifiedEmail: 'nelly@discord.com',
      photo: 'https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png',
    });
  });

  it('never takes an unsafe URL as photo or url, and fails without an identity', async () => {
    const entry = findProvider('github');
    if (entry?.status !== 'live') throw new Error('github');
    const profile = entry.upstream.adapter.profile({ id: 5, login: 'x', html_url: 'javascript:alert(1)', avatar_url: 'data:text/html,x', emails: [] });
    expect(profile.url).toBeUndefined();
    expect(profile.photo).toBeUndefined();
    expect(() => entry.upstream.adapter.profile({ login: 'no-id' })).toThrow(/has no id/);
  });

  it('covers every live provider of the catalog, and only those with a contacts API claim the capability', () => {
    expect([...normalised].sort()).toEqual(liveProviders.map((p) => p.specifier).sort());
    for (const p of liveProviders) expect(p.capabilities.includes('contacts'), p.specifier).toBe(typeof p.upstream.adapter.contacts === 'function');
  });
});
