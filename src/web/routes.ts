import type { FastifyInstance, FastifyReply } from 'fastify';
import { findAppByHost, findAppByRealm, realmUrl, type AppRow } from '../partner/apps.js';
import { listCustomDomains } from '../partner/domains.js';
import { explicitRealmLabel, REALM_PATTERN } from '../partner/realm.js';
import type { Runtime } from '../runtime.js';
import { getProviderLists } from '../social/provider-lists.js';
import { getAppSettings } from '../social/settings.js';
import { buildEngageScript, type EngageConfig } from './engage-script.js';
import { providerLabels } from './provider-names.js';

/**
 * How long browsers and CDNs keep engage.js: a changed provider list shows within minutes,
 * and revalidation is a 304 thanks to the ETag.
 */
const SCRIPT_CACHE = 'public, max-age=300, stale-while-revalidate=600';

/**
 * The application a script path names. Sites copied the name Janrain gave them: the realm
 * label (`/js/lib/myapp/engage.js`), the realm host (`myapp.rpxnow.com`, or ours), or a
 * custom domain.
 */
async function appOfScriptName(runtime: Runtime, name: string): Promise<AppRow | undefined> {
  const label = explicitRealmLabel(runtime.config, name);
  if (!label.includes('.')) return REALM_PATTERN.test(label) ? findAppByRealm(runtime.store.db, label) : undefined;
  return findAppByHost(runtime.store.db, runtime.config, label);
}

/** Everything engage.js needs to know about the application, read fresh for each request. */
export async function engageConfig(runtime: Runtime, app: AppRow): Promise<EngageConfig> {
  const { db } = runtime.store;
  const [lists, settings, domains] = await Promise.all([getProviderLists(db, app.id), getAppSettings(db, app.id), listCustomDomains(db, app.id)]);
  const customBases = domains.map((domain) => {
    const url = new URL(runtime.config.publicUrl);
    url.hostname = domain;
    return url.toString().replace(/\/+$/, '');
  });
  return {
    appId: app.app_id,
    bases: [realmUrl(runtime.config, app.realm), ...customBases],
    postToTokenUrl: settings.postToTokenUrl,
    providers: await providerLabels(runtime, app, lists['signin:web']),
  };
}

function sendScript(reply: FastifyReply, status: number, body: string, cache: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'application/javascript; charset=utf-8')
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', cache)
    .header('access-control-allow-origin', '*')
    .header('cross-origin-resource-policy', 'cross-origin')
    .send(body);
}

/** If-None-Match may list several tags, and proxies may have weakened ours (`W/"…"`). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

export function registerWebRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.get<{ Params: { realm: string } }>('/js/lib/:realm/engage.js', async (request, reply) => {
    const target = request.params.realm.length <= 253 ? await appOfScriptName(runtime, request.params.realm) : undefined;
    if (!target) return sendScript(reply, 404, '/* engage.js: no application has this name */\n', 'public, max-age=60');
    const script = buildEngageScript(await engageConfig(runtime, target));
    reply.header('etag', script.etag);
    if (matchesEtag(request.headers['if-none-match'], script.etag)) return sendScript(reply, 304, '', SCRIPT_CACHE);
    return sendScript(reply, 200, script.body, SCRIPT_CACHE);
  });
}
