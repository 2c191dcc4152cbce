import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { socialErrors } from '../http/errors.js';
import { boolParam, listParam, type Params } from '../http/params.js';
import { socialRoute, type Call } from '../http/wire.js';
import { findAppByApiKey, findAppByAppId, findAppByRealm, realmFromHost, realmUrl, type AppRow } from '../partner/apps.js';
import { CAPABILITIES, findProvider, hasCapability } from '../providers/catalog.js';
import { ownProviderSpecifiers } from '../providers/custom.js';
import type { Runtime } from '../runtime.js';
import { getBackplaneServers, putBackplaneServer, removeBackplaneServer } from './backplane.js';
import { normalizePattern } from './domain-patterns.js';
import { chooseProviders, socialPublishing } from './provider-choice.js';
import { DEVICE_TYPES, getProviderLists, setProviderLists, signinList, type DeviceType } from './provider-lists.js';
import { getAppSettings, updateAppSettings } from './settings.js';
import { addDomainPatterns, getDomainPatterns, setDomainPatterns } from './whitelist.js';

const MAX_URL = 2048;

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A URL setting: an http(s) URL, or empty to clear it. */
const urlSetting = z
  .string()
  .trim()
  .max(MAX_URL)
  .refine((v) => v === '' || isHttpUrl(v), 'must be an http or https URL')
  .transform((v) => (v === '' ? null : v));

const appSettingsChange = z.object({
  privacyPolicy: urlSetting.optional(),
  favicon: urlSetting.optional(),
  domainRedirect: urlSetting.optional(),
  postToTokenUrl: boolParam.optional(),
  oneTimeUseTokens: boolParam.optional(),
  googleProfileUrl: boolParam.optional(),
});

const apiKeyParam = z.object({ apiKey: z.string().trim().min(1) });

// Built once: zod compiles an object schema on its first parse, which costs far more than a parse.
const domainsParam = z.object({ domains: listParam() });
const providersParam = z.object({ providers: listParam() });
const shareParams = z.object({ share: listParam(), email: listParam().optional() });

/** The application an apiKey names: missing → code 0, unknown → code 3. */
async function appByApiKey(runtime: Runtime, params: Params): Promise<AppRow> {
  const { apiKey } = params.parse(apiKeyParam);
  const app = await findAppByApiKey(runtime.store.db, apiKey);
  if (!app) throw socialErrors.invalidApiKey();
  return app;
}

const publicAppParams = z.object({ appId: z.string().trim().max(128).optional(), apiKey: z.string().trim().max(128).optional() });

/**
 * The application of a call made without credentials (widgets in the browser): the realm in
 * the Host header (`<realm>.<public host>`), else an `appId` parameter, else an apiKey that a
 * server-side caller may send out of habit.
 */
async function appOfPublicCall(runtime: Runtime, { params, request }: Call): Promise<AppRow> {
  const db = runtime.store.db;
  const realm = realmFromHost(runtime.config, request.host);
  if (realm) {
    const app = await findAppByRealm(db, realm);
    if (!app) throw socialErrors.appIdNotFound();
    return app;
  }
  const { appId, apiKey } = params.parse(publicAppParams);
  if (appId) {
    const app = await findAppByAppId(db, appId);
    if (!app) throw socialErrors.appIdNotFound();
    return app;
  }
  if (apiKey) return appByApiKey(runtime, params);
  throw socialErrors.missingParameter('appId');
}

/** `device_type`: web (also when blank), iphone or android. */
function deviceType(params: Params): DeviceType {
  const given = params.get('device_type')?.trim().toLowerCase() || 'web';
  if (!(DEVICE_TYPES as readonly string[]).includes(given)) throw socialErrors.invalidParameter('device_type', 'must be web, iphone or android');
  return given as DeviceType;
}

/** Validated, normalized whitelist patterns without repeats; the first bad one is named. */
function domainPatterns(params: Params): string[] {
  const { domains } = params.parse(domainsParam);
  const out: string[] = [];
  for (const text of domains) {
    const pattern = normalizePattern(text);
    if (!pattern) throw socialErrors.invalidParameter('domains', `not a domain pattern: ${text}`);
    if (!out.includes(pattern)) out.push(pattern);
  }
  return out;
}

const backplaneHost = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*(:\d{1,5})?$/i;
const backplaneParams = z.object({
  server: z
    .string()
    .trim()
    .max(MAX_URL)
    .refine((v) => backplaneHost.test(v) || isHttpUrl(v), 'must be a host name, host:port or an http(s) URL'),
  bus: z
    .string()
    .trim()
    .max(255)
    .regex(/^\S+$/, 'must not contain whitespace'),
  version: z
    .string()
    .trim()
    .regex(/^v\d+(\.\d+)*$/, 'must look like v1 or v1.2')
    .optional(),
  username: z.string().max(255).optional(),
  password: z.string().max(1024).optional(),
  remove: boolParam.optional(),
});

const lookupParams = z.object({ pluginName: z.string().max(255).optional(), pluginVersion: z.string().max(255).optional() });

export function registerSocialRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { store, sealer, config } = runtime;

  socialRoute(app, '/api/v2/get_app_settings', async ({ params }) => {
    const target = await appByApiKey(runtime, params);
    return { ...(await getAppSettings(store.db, target.id)) };
  });

  socialRoute(app, '/api/v2/set_app_settings', async ({ params }) => {
    const target = await appByApiKey(runtime, params);
    await updateAppSettings(store, target.id, params.parse(appSettingsChange));
  });

  socialRoute(app, '/api/v2/get_domain_patterns', async ({ params }) => {
    const target = await appByApiKey(runtime, params);
    return { domains: await getDomainPatterns(store.db, target.id) };
  });

  socialRoute(app, '/api/v2/set_domain_patterns', async ({ params }) => {
    const target = await appByApiKey(runtime, params);
    await setDomainPatterns(store, target.id, domainPatterns(params));
  });

  socialRoute(app, '/api/v2/add_domain_patterns', async ({ params }) => {
    const target = await appByApiKey(runtime, params);
    await addDomainPatterns(store, target.id, domainPatterns(params));
  });

  socialRoute(app, '/api/v2/set_auth_providers', async ({ params }) => {
    const target = await appByApiKey(runtime, params);
    const { providers } = params.parse(providersParam);
    const device = deviceType(params);
    await setProviderLists(store, target.id, { [signinList(device)]: chooseProviders(providers, 'signin', { own: await ownProviderSpecifiers(store.db, target.id) }) });
  });

  socialRoute(app, '/api/v2/set_share_providers', async ({ params }) => {
    const target = await appByApiKey(runtime, params);
    const { share, email } = params.parse(shareParams);
    // The call replaces both lists (seed 001): leaving `email` out means no email providers.
    await setProviderLists(store, target.id, {
      share: chooseProviders(share, 'share', { allowEmail: true }),
      email: chooseProviders(email ?? [], 'emailShare'),
    });
  });

  socialRoute(app, '/api/v2/providers', async (call) => {
    const target = await appOfPublicCall(runtime, call);
    const lists = await getProviderLists(store.db, target.id);
    return {
      signin: lists[signinList(deviceType(call.params))],
      social: socialPublishing(lists.share),
      shareWidget: { share: lists.share, email: lists.email },
    };
  });

  socialRoute(app, '/api/v2/get_available_providers', async (call) => {
    const target = await appOfPublicCall(runtime, call);
    const lists = await getProviderLists(store.db, target.id);
    return { signin: lists[signinList(deviceType(call.params))], social: socialPublishing(lists.share), share: lists.share };
  });

  socialRoute(app, '/api/v2/get_share_providers', async (call) => {
    const target = await appOfPublicCall(runtime, call);
    const lists = await getProviderLists(store.db, target.id);
    return { email: lists.email, share: lists.share };
  });

  // Janrain returned the Backplane password; the caller already holds the apiKey, which can
  // change every credential of the application, so answering it widens nothing.
  socialRoute(app, '/api/v2/get_backplane_properties', async ({ params }) => {
    const target = await appByApiKey(runtime, params);
    return { backplane_servers: await getBackplaneServers(store.db, sealer, target.id) };
  });

  socialRoute(app, '/api/v2/set_backplane_properties', async ({ params }) => {
    const target = await appByApiKey(runtime, params);
    const p = params.parse(backplaneParams);
    if (p.remove) {
      if (!(await removeBackplaneServer(store, target.id, p.server, p.bus))) throw socialErrors.dataNotFound(`no Backplane server ${p.server} with bus ${p.bus}`);
      return;
    }
    if (!p.username) throw socialErrors.missingParameter('username');
    if (!p.password) throw socialErrors.missingParameter('password');
    await putBackplaneServer(store, sealer, target.id, { server: p.server, bus: p.bus, version: p.version ?? 'v1', username: p.username, password: p.password });
  });

  // Plugins (WordPress, Drupal, Joomla, JIRA…) call this once with the apiKey a site owner
  // pasted and keep what it answers. They read flat camelCase keys (`realm`, `realmScheme`,
  // `adminUrl`, `signinProviders`, `shareProviders` as comma lists), so that is the shape.
  const lookupRp = async ({ params }: Call) => {
    const target = await appByApiKey(runtime, params);
    params.parse(lookupParams);
    const lists = await getProviderLists(store.db, target.id);
    const signin = lists['signin:web'];
    const configured = [...signin, ...lists.share, ...lists.email].map((p) => findProvider(p)).filter((p) => p !== undefined);
    const base = new URL(realmUrl(config, target.realm));
    const flat = {
      apiKey: params.parse(apiKeyParam).apiKey.toLowerCase(),
      appId: target.app_id,
      realm: base.host,
      realmScheme: base.protocol.replace(/:$/, ''),
      adminUrl: `${config.publicUrl}/dashboard/apps/${target.app_id}`,
      signinProviders: signin.join(','),
      shareProviders: lists.share.join(','),
      socialPub: socialPublishing(lists.share).join(','),
      capabilities: CAPABILITIES.filter((c) => configured.some((p) => hasCapability(p, c))).join(','),
    };
    // NOTES.md §2 documents a lower-case `pluginresponse` wrapper; clients of either form work.
    const pluginresponse = Object.fromEntries(Object.entries(flat).filter(([k]) => k !== 'shareProviders').map(([k, v]) => [k.toLowerCase(), v]));
    return { ...flat, pluginresponse: { stat: 'ok', ...pluginresponse } };
  };
  // XML readers look elements up by name anywhere in the document, so XML carries the flat form only.
  const flatXml = { xml: ({ pluginresponse: _, ...flat }: Record<string, unknown>) => flat };
  socialRoute(app, '/api/v2/lookup_rp', lookupRp, flatXml);
  socialRoute(app, '/plugin/lookup_rp', lookupRp, flatXml);
}
