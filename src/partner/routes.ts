import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { randomHex, digest } from '../crypto/secrets.js';
import { socialErrors } from '../http/errors.js';
import { boolParam, listParam, type Params } from '../http/params.js';
import { socialRoute, type Call } from '../http/wire.js';
import type { Runtime } from '../runtime.js';
import { cachedRowsChanged } from '../store/fresh-cache.js';
import { addAdmin, deleteAdmin, emailParam, listAdmins } from './admins.js';
import { findAppByApiKey, findAppByAppId, findAppByHost, realmHost, realmUrl, type AppRow } from './apps.js';
import { createApp } from './create-app.js';
import { addCustomDomain, hasVerificationFile, hostParam, setDomainVerification, siteDomainParam, VERIFYING_PROVIDERS } from './domains.js';
import { registerInvitePage } from './invite-page.js';
import { createInvite, pendingInvites } from './invites.js';
import { verifyPartnerKey } from './partner-key.js';
import {
  checkPermissions,
  getProviderPermissions,
  getProviderProperties,
  liveProviderNamed,
  providerPropertyNames,
  setProviderPermissions,
  setProviderProperties,
  type ProviderProperties,
} from './provider-settings.js';

const PREFIX = '/partner/v2';

type Body = Record<string, unknown>;

/** A Partner call: the partnerKey is checked before anything else is read. */
function partnerCall(app: FastifyInstance, runtime: Runtime, path: string, handler: (call: Call) => Promise<Body | void>, options: Parameters<typeof socialRoute>[3] = {}): void {
  socialRoute(
    app,
    `${PREFIX}/${path}`,
    async (call) => {
      await verifyPartnerKey(runtime.store.db, call.params.get('partnerKey'));
      return handler(call);
    },
    options,
  );
}

/**
 * The application a call names: by `apiKey` (what Janrain documents for every app call), or by
 * `appId` / `appID` (Janrain's own reset_api_key example uses it; ours: accepted everywhere).
 * Missing → code 0 naming apiKey; unknown apiKey → 3 "Invalid apiKey"; unknown appId → 19.
 */
async function namedApp(runtime: Runtime, params: Params): Promise<AppRow> {
  const apiKey = params.get('apiKey');
  if (apiKey) {
    const app = await findAppByApiKey(runtime.store.db, apiKey);
    if (!app) throw socialErrors.invalidApiKey();
    return app;
  }
  const appId = params.get('appId') || params.get('appID');
  if (appId) {
    const app = appId.length <= 64 ? await findAppByAppId(runtime.store.db, appId) : undefined;
    if (!app) throw socialErrors.appIdNotFound();
    return app;
  }
  throw socialErrors.missingParameter('apiKey');
}

/** `apiKey` is optional on app/create: a migrating site keeps its key; shape checked in createApp. */
const createSchema = z.object({
  email: emailParam,
  domain: siteDomainParam,
  name: z.string().trim().min(1).max(200).optional(),
  realm: z.string().trim().min(1).max(253).optional(),
  apiKey: z.string().trim().min(1).max(64).optional(),
});

const providerSchema = z.object({ provider: z.string().trim().min(1).max(64) });
// Built once: zod compiles an object schema on its first parse, which costs far more than a parse.
const domainParam = z.object({ domain: hostParam });
const verificationParams = z.object({ provider: z.string().trim().toLowerCase(), code: z.string().trim().min(1).max(512).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces') });
const emailParams = z.object({ email: emailParam });
const permissionsParams = providerSchema.extend({ permissions: listParam(z.string().min(1).max(200), 200) });
const adminParams = z.object({ email: emailParam, notify: boolParam.optional() });

export async function registerPartnerRoutes(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { store, config, sealer } = runtime;

  // apps: every application of this installation (one partner per installation).
  partnerCall(app, runtime, 'apps', async () => {
    const rows = await store.db.selectFrom('apps').select(['app_id', 'realm', 'api_key_sealed']).orderBy('id').execute();
    return { apps: rows.map((r) => ({ appId: r.app_id, applicationDomain: `${realmUrl(config, r.realm)}/`, apiKey: sealer.open(r.api_key_sealed) })) };
  });

  // app/create: Janrain's lower-case `partnerresponse` wrapper, plus the Registration credentials.
  partnerCall(
    app,
    runtime,
    'app/create',
    async ({ params }) => {
      const created = await createApp(runtime, params.parse(createSchema));
      return {
        partnerresponse: {
          stat: 'ok',
          apikey: created.apiKey,
          appid: created.app.app_id,
          realm: realmHost(config, created.app.realm),
          adminurl: adminUrl(runtime, created.app),
          inviteurl: created.inviteUrl,
          capture_owner_client_id: created.registration.owner.client_id,
          capture_owner_client_secret: created.registration.owner.client_secret,
          capture_login_client_id: created.registration.login.client_id,
          capture_login_client_secret: created.registration.login.client_secret,
        },
      };
    },
    { raw: true, xml: unwrap('partnerresponse') },
  );

  // app/delete: everything of the application goes with it (every table cascades from apps).
  partnerCall(app, runtime, 'app/delete', async ({ params }) => {
    const target = await namedApp(runtime, params);
    await store.write((tx) => tx.deleteFrom('apps').where('id', '=', target.id).execute());
    cachedRowsChanged(store.db);
  });

  partnerCall(app, runtime, 'app/get_properties', async ({ params }) => {
    const target = await namedApp(runtime, params);
    const entry = liveProviderNamed(params.parse(providerSchema).provider);
    return getProviderProperties(store.db, sealer, target.id, entry);
  });

  // app/set_properties: the provider's own property names (provider-settings.ts); unknown
  // parameters are ignored as everywhere, but a call that sets none of them is an error.
  partnerCall(app, runtime, 'app/set_properties', async ({ params }) => {
    const target = await namedApp(runtime, params);
    const entry = liveProviderNamed(params.parse(providerSchema).provider);
    const names = providerPropertyNames(entry);
    const changes: ProviderProperties = {};
    for (const [name, kind] of Object.entries(names)) {
      const value = params.get(name);
      if (value === undefined) continue;
      if (value.length > 4096) throw socialErrors.invalidParameter(name, 'too long');
      if (kind === 'boolean') {
        const parsed = boolParam.safeParse(value);
        if (!parsed.success) throw socialErrors.invalidParameter(name, 'must be true or false');
        changes[name] = parsed.data;
      } else changes[name] = value.trim();
    }
    if (Object.keys(changes).length === 0) throw socialErrors.missingParameter(Object.keys(names).join(' or '));
    await store.write((tx) => setProviderProperties(tx, sealer, target.id, entry, changes));
  });

  // app/reset_api_key: the old key stops working at once; answers the new one (Janrain: `apiKey`).
  partnerCall(app, runtime, 'app/reset_api_key', async ({ params }) => {
    const target = await namedApp(runtime, params);
    const apiKey = randomHex(20);
    await store.write((tx) => tx.updateTable('apps').set({ api_key_digest: digest(apiKey), api_key_sealed: sealer.seal(apiKey) }).where('id', '=', target.id).execute());
    cachedRowsChanged(store.db);
    return { apiKey };
  });

  // app/add_domain: a custom host name (CNAME to the realm host) the application also answers
  // on. Taken by any application → 18 "Domain already exists"; a host under our own public
  // host is a realm, not a custom domain → 1 (ours: Janrain's docs are silent).
  partnerCall(app, runtime, 'app/add_domain', async ({ params }) => {
    const target = await namedApp(runtime, params);
    const { domain } = params.parse(domainParam);
    const outcome = await store.write((tx) => addCustomDomain(tx, config, target.id, domain));
    if (outcome === 'exists') throw socialErrors.domainExists();
    if (outcome === 'reserved') throw socialErrors.invalidParameter('domain', `hosts under ${new URL(config.publicUrl).hostname} are realms`);
  });

  // app/verify_domain: publishes a provider's site-verification code (Google and Yahoo! only,
  // as Janrain). A file-name code (`google<hex>.html`, `y_key_<hex>.html`) is served as that
  // file on the realm host and custom domains; any other code is a meta-tag value that the
  // hosted pages include (domainVerificationMetaTags).
  partnerCall(app, runtime, 'app/verify_domain', async ({ params }) => {
    const target = await namedApp(runtime, params);
    const { provider, code } = params.parse(verificationParams);
    const known = VERIFYING_PROVIDERS.find((p) => p === provider);
    if (!known) {
      const entry = liveProviderNamed(provider);
      throw socialErrors.unsupported(`Domain verification is not supported for this provider: ${entry.specifier}`);
    }
    await store.write((tx) => setDomainVerification(tx, target.id, known, code));
  });

  // app/create_invite: Janrain answers this one as `PartnerResponse` / `inviteUrl`; kept.
  partnerCall(
    app,
    runtime,
    'app/create_invite',
    async ({ params }) => {
      const target = await namedApp(runtime, params);
      const { email } = params.parse(emailParams);
      const url = await store.write((tx) => createInvite(tx, runtime, target.id, email));
      return { PartnerResponse: { stat: 'ok', inviteUrl: url } };
    },
    { raw: true, xml: unwrap('PartnerResponse') },
  );

  partnerCall(app, runtime, 'app/get_pending_invites', async ({ params }) => {
    const target = await namedApp(runtime, params);
    return { invites: await pendingInvites(store.db, runtime, target.id) };
  });

  partnerCall(app, runtime, 'app/get_provider_permissions', async ({ params }) => {
    const target = await namedApp(runtime, params);
    const entry = liveProviderNamed(params.parse(providerSchema).provider);
    if (entry.permissions.length === 0) throw socialErrors.permissionsNotSupported();
    return { permissions: await getProviderPermissions(store.db, target.id, entry.specifier) };
  });

  // app/set_provider_permissions: `permissions` as a JSON array or a comma list; replaces the
  // list (an empty list clears it).
  partnerCall(app, runtime, 'app/set_provider_permissions', async ({ params }) => {
    const target = await namedApp(runtime, params);
    const { provider, permissions } = params.parse(permissionsParams);
    const entry = liveProviderNamed(provider);
    const checked = checkPermissions(entry, permissions);
    await store.write((tx) => setProviderPermissions(tx, target.id, entry.specifier, checked));
  });

  // admin/add: `notify` (default true, ours) says whether the admin receives the application's
  // notices; adding an existing admin updates it. Janrain's `verify` guards against ambiguous
  // user accounts, which admins here do not have, so it is accepted and ignored.
  partnerCall(app, runtime, 'admin/add', async ({ params }) => {
    const target = await namedApp(runtime, params);
    const { email, notify } = params.parse(adminParams);
    await store.write((tx) => addAdmin(tx, target.id, email, notify ?? true));
  });

  // admin/delete: unknown email → 2; the last admin is refused (delete the application instead).
  partnerCall(app, runtime, 'admin/delete', async ({ params }) => {
    const target = await namedApp(runtime, params);
    const { email } = params.parse(emailParams);
    const outcome = await store.write((tx) => deleteAdmin(tx, store.dialect, target.id, email));
    if (outcome === 'not_found') throw socialErrors.dataNotFound(`no admin ${email}`);
    if (outcome === 'last_admin') throw socialErrors.invalidParameter('email', 'the last admin of an application cannot be deleted; delete the application instead');
  });

  partnerCall(app, runtime, 'admin/get', async ({ params }) => {
    const target = await namedApp(runtime, params);
    return { admins: await listAdmins(store.db, target.id) };
  });

  // Verification files published with app/verify_domain, on the application's own hosts.
  for (const prefix of ['google', 'y_key_']) {
    app.get(`/${prefix}:hex(^[0-9a-f]{8,64}).html`, async (request, reply) => {
      const file = `${prefix}${(request.params as { hex: string }).hex}.html`;
      const target = await findAppByHost(store.db, config, request.headers.host);
      if (!target || !(await hasVerificationFile(store.db, target.id, file))) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
      const body = prefix === 'google' ? `google-site-verification: ${file}` : file;
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(body);
    });
  }

  await registerInvitePage(app, runtime);
}

/** Where the application's admins manage it: the dashboard's page for it (ours). */
function adminUrl(runtime: Runtime, app: AppRow): string {
  return `${runtime.config.publicUrl}/dashboard/apps/${app.app_id}`;
}

/** For XML, the wrapped answer's fields go directly under `<rsp stat="ok">`. */
function unwrap(key: string): (body: Body) => Body {
  return (body) => {
    const { stat: _stat, ...inner } = (body[key] ?? {}) as Body;
    return inner;
  };
}
