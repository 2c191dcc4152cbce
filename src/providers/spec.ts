/**
 * What Openrain needs to know to sign a user in with an upstream provider: how to speak to it
 * (OpenID Connect by discovery, or OAuth 2.0 with explicit endpoints) and how to turn what it
 * answers into Janrain's profile. Catalog entries, the demo provider and the providers an
 * application configures itself are all described this way, so that one code path serves them.
 */

import type { AdapterProfile, ContactsPage } from './poco.js';

/** How the client authenticates at the token endpoint. */
export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic';

interface ProtocolBase {
  /** Scopes always requested; the application's chosen permissions are added to them. */
  readonly scopes: readonly string[];
  /** Separator of the `scope` parameter (a few providers want commas). */
  readonly scopeSeparator?: ' ' | ',' | ';';
  /** Send a PKCE S256 challenge (the provider documents support for it); OpenID Connect providers also get one when their discovery advertises S256. */
  readonly pkce: boolean;
  /** Default: client_secret_post. */
  readonly clientAuth?: ClientAuthMethod;
  /** Extra fixed authorization request parameters. */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /** Callback parameters the token request must repeat (VK ID's `device_id`). */
  readonly tokenParamsFromCallback?: readonly string[];
  /** The user's profile exists only in the sign-in answer (Apple): get_user_data cannot refresh it. */
  readonly profileOnlyAtSignIn?: boolean;
}

export interface OidcProtocol extends ProtocolBase {
  readonly kind: 'oidc';
  /** Issuer identifier; its discovery document gives every endpoint. */
  readonly issuer: string;
  /** `form_post` when the provider answers with a POST (Apple). */
  readonly responseMode?: 'form_post';
}

export interface OAuth2Protocol extends ProtocolBase {
  readonly kind: 'oauth2';
  /** Names the authorization server towards openid-client; not used on the wire. */
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
}

export type Protocol = OidcProtocol | OAuth2Protocol;

/** Tokens as the provider answered them, plus the extra members some need later (uid, instance URL…). */
export interface TokenInfo {
  accessToken: string;
  refreshToken?: string;
  /** Epoch milliseconds. */
  expiresAt?: number;
  scope?: string;
  /** Non-token members of the token response worth keeping (`uid`, `user_id`, `instance_url`…). */
  extra: Record<string, string>;
}

/** A JSON object as providers answer them. */
export type Doc = Record<string, unknown>;

/** What a profile adapter may use to fetch the provider's user documents. */
export interface FetchContext {
  tokens: TokenInfo;
  /** Validated ID token claims (OpenID Connect sign-in; absent on refresh). */
  idClaims?: Doc;
  /** Authorization response parameters (query and form_post body). */
  callback?: URLSearchParams;
  client: { clientId: string; clientSecret: string; properties: Record<string, string> };
  /** The standard UserInfo response (OpenID Connect providers with a UserInfo endpoint). */
  userInfo(): Promise<Doc>;
  /** A JSON API call; `auth` says how the access token travels (default: Bearer header). */
  json(url: string, options?: JsonRequest): Promise<unknown>;
}

export interface JsonRequest {
  method?: 'GET' | 'POST';
  /** Default `bearer`; `none` when the token is already in the URL or body. */
  auth?: 'bearer' | 'oauth' | 'none';
  headers?: Record<string, string>;
  form?: Record<string, string>;
}

/** Turns a provider's documents into Janrain's shapes. `profile` and `credentials` are pure. */
export interface ProfileAdapter {
  /** Gathers the provider's user document after the token exchange (or on get_user_data). */
  fetch(ctx: FetchContext): Promise<Doc>;
  /** The Janrain profile (providerName is added by the caller). */
  profile(doc: Doc): AdapterProfile;
  /** `accessCredentials` in Janrain's field names for this provider. */
  credentials(tokens: TokenInfo, doc: Doc): Record<string, unknown>;
  /** Whether an identifier has this provider's shape. */
  identifies(identifier: string): boolean;
  /** get_contacts through the provider's contacts or friends API. */
  contacts?(ctx: FetchContext, contactType: string | undefined): Promise<ContactsPage>;
}

export interface UpstreamSpec {
  readonly protocol: Protocol;
  readonly adapter: ProfileAdapter;
}
