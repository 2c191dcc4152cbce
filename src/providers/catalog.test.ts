import { describe, expect, it } from 'vitest';
import { findProvider, liveEmailShareProviders, liveProviders, liveShareProviders, liveSigninProviders, PROVIDERS } from './catalog.js';

const LIVE = ['google', 'microsoft', 'apple', 'yahoo', 'linkedin', 'salesforce', 'paypal', 'line', 'facebook', 'twitter', 'amazon', 'vk', 'odnoklassniki', 'wordpress', 'disqus', 'sinaweibo', 'tumblr', 'soundcloud', 'github', 'discord'];
const DEAD = ['aol', 'myopenid', 'hyves', 'netlog', 'orkut', 'googleplus', 'myspace', 'blogger', 'livejournal', 'verisign', 'instagram'];

describe('provider catalog', () => {
  it('knows every live provider of NOTES §11 as live and able to sign in', () => {
    for (const name of LIVE) {
      const entry = findProvider(name);
      expect(entry, name).toBeDefined();
      expect(entry?.status, name).toBe('live');
      expect(entry?.specifier).toBe(name);
      expect(liveSigninProviders).toContain(name);
    }
    expect(liveProviders.map((p) => p.specifier).sort()).toEqual([...LIVE].sort());
  });

  it('keeps every dead provider answering as discontinued', () => {
    for (const name of DEAD) {
      const entry = findProvider(name);
      expect(entry?.status, name).toBe('discontinued');
      expect(entry?.permissions).toEqual([]);
      expect(liveSigninProviders).not.toContain(name);
    }
  });

  it('resolves Janrain aliases, case-insensitively', () => {
    expect(findProvider('live_id')?.specifier).toBe('microsoft');
    expect(findProvider('windowslive')?.specifier).toBe('microsoft');
    expect(findProvider('vkontakte')?.specifier).toBe('vk');
    expect(findProvider(' Facebook ')?.specifier).toBe('facebook');
    expect(findProvider('nosuchprovider')).toBeUndefined();
  });

  it("keeps Janrain's providerName beside today's display name", () => {
    expect(findProvider('live_id')).toMatchObject({ providerName: 'Windows Live', displayName: 'Microsoft' });
    expect(findProvider('twitter')).toMatchObject({ providerName: 'Twitter', displayName: 'X' });
    expect(findProvider('google')?.providerName).toBe('Google');
  });

  it('lists the upstream scopes a site may request', () => {
    expect(findProvider('facebook')?.permissions).toEqual(expect.arrayContaining(['email', 'user_birthday', 'user_friends']));
    expect(findProvider('google')?.permissions).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
    expect(findProvider('soundcloud')?.permissions).toEqual([]);
  });

  it('derives the sharing lists from capabilities', () => {
    expect(liveShareProviders).toEqual(expect.arrayContaining(['facebook', 'twitter', 'linkedin']));
    expect(liveShareProviders).not.toContain('google');
    expect(liveEmailShareProviders).toEqual(expect.arrayContaining(['google', 'yahoo', 'microsoft']));
  });

  it('has one entry per specifier', () => {
    const names = PROVIDERS.flatMap((p) => [p.specifier, ...p.aliases]);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('provider catalog protocol data', () => {
  it('describes how to reach every live provider over https', () => {
    for (const p of liveProviders) {
      const { protocol } = p.upstream;
      expect(new URL(protocol.issuer).protocol, p.specifier).toBe('https:');
      if (protocol.kind === 'oidc') expect(protocol.scopes, p.specifier).toContain('openid');
      else {
        expect(new URL(protocol.authorizationEndpoint).protocol, p.specifier).toBe('https:');
        expect(new URL(protocol.tokenEndpoint).protocol, p.specifier).toBe('https:');
      }
    }
  });

  it('speaks OpenID Connect to the providers NOTES §11 lists as such, OAuth 2.0 to the others', () => {
    const oidc = liveProviders.filter((p) => p.upstream.protocol.kind === 'oidc').map((p) => p.specifier);
    expect(oidc.sort()).toEqual(['apple', 'google', 'line', 'linkedin', 'microsoft', 'paypal', 'salesforce', 'yahoo']);
    for (const name of ['facebook', 'twitter', 'vk', 'soundcloud']) expect(findProvider(name)?.status === 'live' && (findProvider(name) as { upstream: { protocol: { pkce: boolean } } }).upstream.protocol.pkce, name).toBe(true);
  });
});
