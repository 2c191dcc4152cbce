/**
 * The identity providers Openrain knows, one entry per Janrain provider specifier
 * (NOTES.md §11). Live entries are offered for sign-in and sharing; discontinued ones stay
 * known so that a site migrating from Janrain gets "provider discontinued" (Social Login
 * code 11) for them instead of "invalid provider".
 *
 * Live entries carry `upstream`: how Openrain speaks to the provider (OpenID Connect issuer or
 * OAuth 2.0 endpoints, scopes, PKCE) and how its answers become Janrain's profile
 * (profiles/<provider>.ts).
 */

import { amazon } from './profiles/amazon.js';
import { apple } from './profiles/apple.js';
import { discord } from './profiles/discord.js';
import { disqus } from './profiles/disqus.js';
import { facebook } from './profiles/facebook.js';
import { github } from './profiles/github.js';
import { google } from './profiles/google.js';
import { line } from './profiles/line.js';
import { linkedin } from './profiles/linkedin.js';
import { microsoft } from './profiles/microsoft.js';
import { odnoklassniki } from './profiles/odnoklassniki.js';
import { paypal } from './profiles/paypal.js';
import { salesforce } from './profiles/salesforce.js';
import { sinaweibo } from './profiles/sinaweibo.js';
import { soundcloud } from './profiles/soundcloud.js';
import { tumblr } from './profiles/tumblr.js';
import { twitter } from './profiles/twitter.js';
import { vk } from './profiles/vk.js';
import { wordpress } from './profiles/wordpress.js';
import { yahoo } from './profiles/yahoo.js';
import type { UpstreamSpec } from './spec.js';

/**
 * What a provider can do for an application:
 * - `signin`: users sign in with it (`set_auth_providers`);
 * - `share`: users publish to it from the share widget or `sharing/broadcast` (`set_share_providers` `share`);
 * - `emailShare`: its address book feeds the share widget's email tab (`set_share_providers` `email`);
 * - `contacts`: `get_contacts` can list the user's contacts.
 */
export const CAPABILITIES = ['signin', 'share', 'emailShare', 'contacts'] as const;
export type Capability = (typeof CAPABILITIES)[number];

interface ProviderBase {
  /** Janrain's provider specifier: the name in provider lists and `/{provider}/start`. */
  readonly specifier: string;
  /** Other specifiers Janrain or its clients used for the same provider. */
  readonly aliases: readonly string[];
  /** `providerName` as Janrain's auth_info reported it; kept so that sites matching on it still work. */
  readonly providerName: string;
  /** What a sign-in button shows today. */
  readonly displayName: string;
  readonly capabilities: readonly Capability[];
  /**
   * Upstream OAuth scopes / permissions an application may request from this provider
   * (Partner `app/set_provider_permissions`). Empty when the provider has none to choose.
   */
  readonly permissions: readonly string[];
}

export interface LiveProvider extends ProviderBase {
  readonly status: 'live';
  /** Protocol and profile mapping of the sign-in. */
  readonly upstream: UpstreamSpec;
}

export interface DiscontinuedProvider extends ProviderBase {
  readonly status: 'discontinued';
  /** Why it is gone, for error messages and the dashboard. */
  readonly reason: string;
}

export type ProviderEntry = LiveProvider | DiscontinuedProvider;

const OIDC_BASICS = ['openid', 'profile', 'email'] as const;

const live = (entry: Omit<LiveProvider, 'status' | 'aliases'> & { aliases?: readonly string[] }): LiveProvider => ({ status: 'live', aliases: [], ...entry });

const dead = (specifier: string, providerName: string, reason: string, capabilities: readonly Capability[] = ['signin'], aliases: readonly string[] = []): DiscontinuedProvider => ({
  status: 'discontinued',
  specifier,
  aliases,
  providerName,
  displayName: providerName,
  capabilities,
  permissions: [],
  reason,
});

export const PROVIDERS: readonly ProviderEntry[] = [
  // OpenID Connect
  live({
    specifier: 'google',
    upstream: google,
    providerName: 'Google',
    displayName: 'Google',
    capabilities: ['signin', 'emailShare', 'contacts'],
    permissions: [
      ...OIDC_BASICS,
      'https://www.googleapis.com/auth/contacts.readonly',
      'https://www.googleapis.com/auth/contacts.other.readonly',
      'https://www.googleapis.com/auth/user.birthday.read',
      'https://www.googleapis.com/auth/user.gender.read',
      'https://www.googleapis.com/auth/user.addresses.read',
      'https://www.googleapis.com/auth/user.phonenumbers.read',
    ],
  }),
  live({
    specifier: 'microsoft',
    upstream: microsoft,
    aliases: ['live_id', 'windowslive'],
    providerName: 'Windows Live',
    displayName: 'Microsoft',
    capabilities: ['signin', 'emailShare', 'contacts'],
    permissions: [...OIDC_BASICS, 'offline_access', 'User.Read', 'Contacts.Read'],
  }),
  live({ specifier: 'apple',
    upstream: apple, providerName: 'Apple', displayName: 'Apple', capabilities: ['signin'], permissions: ['name', 'email'] }),
  live({
    specifier: 'yahoo',
    upstream: yahoo,
    providerName: 'Yahoo!',
    displayName: 'Yahoo',
    // Yahoo's contacts API for third parties is gone: get_contacts answers code 11.
    capabilities: ['signin', 'emailShare'],
    permissions: [...OIDC_BASICS, 'sdct-r'],
  }),
  live({
    specifier: 'linkedin',
    upstream: linkedin,
    providerName: 'LinkedIn',
    displayName: 'LinkedIn',
    capabilities: ['signin', 'share'],
    permissions: [...OIDC_BASICS, 'w_member_social'],
  }),
  live({
    specifier: 'salesforce',
    upstream: salesforce,
    providerName: 'Salesforce',
    displayName: 'Salesforce',
    capabilities: ['signin', 'contacts'],
    permissions: [...OIDC_BASICS, 'address', 'phone', 'id', 'api', 'refresh_token', 'offline_access', 'web', 'chatter_api'],
  }),
  live({
    specifier: 'paypal',
    upstream: paypal,
    providerName: 'PayPal',
    displayName: 'PayPal',
    capabilities: ['signin'],
    permissions: [...OIDC_BASICS, 'address', 'phone', 'https://uri.paypal.com/services/paypalattributes'],
  }),
  live({ specifier: 'line',
    upstream: line, providerName: 'LINE', displayName: 'LINE', capabilities: ['signin'], permissions: [...OIDC_BASICS] }),

  // OAuth 2.0
  live({
    specifier: 'facebook',
    upstream: facebook,
    providerName: 'Facebook',
    displayName: 'Facebook',
    capabilities: ['signin', 'share', 'contacts'],
    permissions: [
      'public_profile',
      'email',
      'user_birthday',
      'user_friends',
      'user_gender',
      'user_hometown',
      'user_location',
      'user_link',
      'user_age_range',
      'user_likes',
      'user_photos',
      'user_posts',
      'user_videos',
    ],
  }),
  live({
    specifier: 'twitter',
    upstream: twitter,
    aliases: ['x'],
    providerName: 'Twitter',
    displayName: 'X',
    capabilities: ['signin', 'share', 'contacts'],
    permissions: ['tweet.read', 'users.read', 'tweet.write', 'offline.access', 'follows.read', 'follows.write', 'like.read', 'like.write', 'list.read', 'bookmark.read'],
  }),
  live({
    specifier: 'amazon',
    upstream: amazon,
    providerName: 'Amazon',
    displayName: 'Amazon',
    capabilities: ['signin'],
    permissions: ['profile', 'profile:user_id', 'postal_code'],
  }),
  live({
    specifier: 'vk',
    upstream: vk,
    aliases: ['vkontakte'],
    providerName: 'VKontakte',
    displayName: 'VK ID',
    capabilities: ['signin', 'share', 'contacts'],
    permissions: ['vkid.personal_info', 'email', 'phone', 'friends', 'wall', 'groups', 'photos', 'video', 'docs', 'stories', 'status'],
  }),
  live({
    specifier: 'odnoklassniki',
    upstream: odnoklassniki,
    providerName: 'Odnoklassniki',
    displayName: 'OK',
    capabilities: ['signin', 'share'],
    permissions: ['VALUABLE_ACCESS', 'LONG_ACCESS_TOKEN', 'GET_EMAIL', 'PHOTO_CONTENT', 'GROUP_CONTENT', 'VIDEO_CONTENT', 'APP_INVITE'],
  }),
  live({
    specifier: 'wordpress',
    upstream: wordpress,
    providerName: 'WordPress',
    displayName: 'WordPress.com',
    capabilities: ['signin', 'share'],
    permissions: ['auth', 'global', ...OIDC_BASICS, 'users', 'sites', 'posts', 'comments', 'media', 'follow', 'sharing', 'stats', 'read'],
  }),
  live({ specifier: 'disqus',
    upstream: disqus, providerName: 'Disqus', displayName: 'Disqus', capabilities: ['signin', 'contacts'], permissions: ['read', 'write', 'email', 'admin'] }),
  live({
    specifier: 'sinaweibo',
    upstream: sinaweibo,
    providerName: 'Sina Weibo',
    displayName: 'Weibo',
    capabilities: ['signin', 'share', 'contacts'],
    permissions: [
      'all',
      'email',
      'direct_messages_read',
      'direct_messages_write',
      'invitation_write',
      'friendships_groups_read',
      'friendships_groups_write',
      'statuses_to_me_read',
      'follow_app_official_microblog',
    ],
  }),
  live({ specifier: 'tumblr',
    upstream: tumblr, providerName: 'tumblr', displayName: 'Tumblr', capabilities: ['signin', 'share', 'contacts'], permissions: ['basic', 'write', 'offline_access'] }),
  // SoundCloud's OAuth 2.1 has no scopes to choose.
  live({ specifier: 'soundcloud',
    upstream: soundcloud, providerName: 'SoundCloud', displayName: 'SoundCloud', capabilities: ['signin', 'contacts'], permissions: [] }),
  live({
    specifier: 'github',
    upstream: github,
    providerName: 'GitHub',
    displayName: 'GitHub',
    capabilities: ['signin'],
    permissions: ['read:user', 'user:email', 'user:follow', 'user', 'public_repo', 'repo', 'gist', 'read:org'],
  }),
  live({
    specifier: 'discord',
    upstream: discord,
    providerName: 'Discord',
    displayName: 'Discord',
    capabilities: ['signin'],
    permissions: ['identify', 'email', 'openid', 'connections', 'guilds', 'guilds.join', 'guilds.members.read'],
  }),

  dead('aol', 'AOL', 'AOL ended its OpenID provider', ['signin', 'emailShare']),
  dead('myopenid', 'MyOpenID', 'myOpenID shut down in 2014'),
  dead('hyves', 'Hyves', 'Hyves closed its social network in 2013', ['signin', 'share']),
  dead('netlog', 'Netlog', 'Netlog closed in 2015', ['signin', 'share']),
  dead('orkut', 'Orkut', 'orkut closed in 2014', ['signin', 'share']),
  dead('googleplus', 'Google+', 'Google+ and its APIs were shut down in 2019', ['signin', 'share', 'contacts']),
  dead('myspace', 'MySpace', 'MySpace no longer offers third-party sign-in or publishing', ['signin', 'share', 'contacts']),
  dead('blogger', 'Blogger', "Blogger's OpenID provider is gone"),
  dead('livejournal', 'LiveJournal', "LiveJournal's OpenID provider is gone"),
  dead('verisign', 'Verisign', 'VeriSign PIP shut down in 2012'),
  dead('instagram', 'Instagram', 'Instagram Basic Display was shut down in 2024'),
  // Generic OpenID 2.0 (`openid/start?openid_identifier=`) is not offered any more (NOTES.md §11).
  dead('openid', 'OpenID', 'generic OpenID 2.0 sign-in is not supported'),
];

const bySpecifier = new Map<string, ProviderEntry>();
for (const entry of PROVIDERS) {
  for (const name of [entry.specifier, ...entry.aliases]) {
    if (bySpecifier.has(name)) throw new Error(`provider specifier ${name} is listed twice`);
    bySpecifier.set(name, entry);
  }
}

/** The provider a specifier or alias names (case-insensitive), or undefined. */
export function findProvider(name: string): ProviderEntry | undefined {
  return bySpecifier.get(name.trim().toLowerCase());
}

export function hasCapability(entry: ProviderEntry, capability: Capability): boolean {
  return entry.capabilities.includes(capability);
}

export const liveProviders: readonly LiveProvider[] = PROVIDERS.filter((p): p is LiveProvider => p.status === 'live');

const liveSpecifiersWith = (capability: Capability) => liveProviders.filter((p) => hasCapability(p, capability)).map((p) => p.specifier);

/** Specifiers of the live providers a site may offer for sign-in. */
export const liveSigninProviders: readonly string[] = liveSpecifiersWith('signin');
/** Specifiers of the live providers a site may offer in the share widget. */
export const liveShareProviders: readonly string[] = liveSpecifiersWith('share');
/** Specifiers of the live providers whose address books feed the share widget's email tab. */
export const liveEmailShareProviders: readonly string[] = liveSpecifiersWith('emailShare');
