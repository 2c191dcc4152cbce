import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import { randomHex } from '../../crypto/secrets.js';
import { findAppByAppId, realmUrl, type AppRow } from '../../partner/apps.js';
import type { Runtime } from '../../runtime.js';
import { getProviderLists, setProviderLists } from '../../social/provider-lists.js';
import { registerLocalTransport } from '../client.js';
import { DEMO_SPECIFIER, getCustomProvider, putCustomProvider } from '../custom.js';
import { createDemoProvider, type DemoClient } from './idp.js';
import { messagePage, personaPicker, type PageOut } from './page.js';
import { avatarSvg, findPersona, PERSONAS } from './personas.js';
import { DEMO_PATH, demoIssuer } from './upstream.js';

const CLIENT_PREFIX = 'demo-';

/**
 * Turns the demo provider on for an application (the first-start demo application): its own
 * client at the demo provider, and `demo` in its web sign-in providers. Only the bootstrap
 * calls this; set_provider_config cannot create it, so no other application gets a provider
 * where anyone can be anyone.
 */
export async function enableDemoProvider(runtime: Runtime, app: AppRow): Promise<void> {
  await putCustomProvider(runtime.store, runtime.sealer, app.id, DEMO_SPECIFIER, { kind: 'demo' }, `${CLIENT_PREFIX}${app.app_id}`, randomHex(32));
  const lists = await getProviderLists(runtime.store.db, app.id);
  if (!lists['signin:web'].includes(DEMO_SPECIFIER)) await setProviderLists(runtime.store, app.id, { 'signin:web': [DEMO_SPECIFIER, ...lists['signin:web']] });
}

/** The demo provider's client for an application that has it enabled. */
async function demoClient(runtime: Runtime, clientId: string): Promise<DemoClient | undefined> {
  if (!clientId.startsWith(CLIENT_PREFIX)) return undefined;
  const app = await findAppByAppId(runtime.store.db, clientId.slice(CLIENT_PREFIX.length));
  if (!app) return undefined;
  const own = await getCustomProvider(runtime.store.db, runtime.sealer, app.id, DEMO_SPECIFIER);
  if (!own || own.clientId !== clientId) return undefined;
  const callbacks = [`${realmUrl(runtime.config, app.realm)}/${DEMO_SPECIFIER}/callback`, `${runtime.config.publicUrl}/${DEMO_SPECIFIER}/callback`];
  return { client_id: own.clientId, client_secret: own.clientSecret, redirect_uris: [...new Set(callbacks)], client_name: app.name };
}

function sendPage(reply: { code(n: number): unknown; headers(h: Record<string, string>): unknown; send(body: string): unknown }, status: number, page: PageOut) {
  reply.code(status);
  reply.headers(page.headers);
  return reply.send(page.html);
}

/**
 * Serves the demo provider under /demo-idp on this server: oidc-provider for the protocol
 * endpoints, Openrain routes for the persona picker and avatars. Server-side requests to the
 * demo issuer (discovery, token, UserInfo) are handed to this server in-process, since it
 * cannot always reach itself through its public URL.
 */
export async function mountDemoProvider(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const issuer = demoIssuer(runtime.config);
  // Created at its first use: most servers never serve the demo provider.
  let created: Promise<{ provider: Provider; handle: (req: IncomingMessage, res: ServerResponse) => void }> | undefined;
  const demo = () =>
    (created ??= createDemoProvider(issuer, (clientId) => demoClient(runtime, clientId)).then((provider) => ({ provider, handle: provider.callback() })));
  const dispatch = async (req: IncomingMessage, res: ServerResponse) => {
    const { handle } = await demo();
    const url = req.url ?? '/';
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
    req.url = url.slice(DEMO_PATH.length) || '/';
    handle(req, res);
  };

  app.get<{ Params: { file: string } }>(`${DEMO_PATH}/avatar/:file`, async (request, reply) => {
    const persona = findPersona(request.params.file.replace(/\.svg$/, ''));
    if (!persona) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').header('x-content-type-options', 'nosniff').send(avatarSvg(persona));
  });

  app.get<{ Params: { uid: string } }>(`${DEMO_PATH}/interaction/:uid`, async (request, reply) => {
    const { provider } = await demo();
    let details;
    try {
      details = await provider.interactionDetails(request.raw, reply.raw);
    } catch {
      return sendPage(reply, 400, messagePage('This sign-in has expired', 'Go back to the site and start the sign-in again.'));
    }
    const client = typeof details.params.client_id === 'string' ? await demoClient(runtime, details.params.client_id) : undefined;
    return sendPage(reply, 200, personaPicker({ action: `${DEMO_PATH}/interaction/${encodeURIComponent(details.uid)}`, issuer, clientName: client?.client_name ?? 'the site', personas: PERSONAS }));
  });

  app.post<{ Params: { uid: string }; Body: Record<string, unknown> }>(`${DEMO_PATH}/interaction/:uid`, async (request, reply) => {
    const { provider } = await demo();
    try {
      await provider.interactionDetails(request.raw, reply.raw);
    } catch {
      return sendPage(reply, 400, messagePage('This sign-in has expired', 'Go back to the site and start the sign-in again.'));
    }
    const body = request.body ?? {};
    let result: Record<string, unknown>;
    if (body.cancel !== undefined) result = { error: 'access_denied', error_description: 'the user cancelled the sign-in' };
    else {
      const persona = typeof body.persona === 'string' ? findPersona(body.persona) : undefined;
      if (!persona) return sendPage(reply, 400, messagePage('Unknown person', 'Choose one of the people on the list.'));
      result = { login: { accountId: persona.id } };
    }
    reply.hijack();
    await provider.interactionFinished(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
  });

  app.route({
    method: ['GET', 'HEAD', 'POST', 'OPTIONS', 'DELETE'],
    url: `${DEMO_PATH}/*`,
    // Before fastify reads the body: oidc-provider parses its own requests.
    onRequest: async (request, reply) => {
      reply.hijack();
      dispatch(request.raw, reply.raw).catch((err: unknown) => {
        request.log.error({ err }, 'demo provider failed');
        if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        reply.raw.end('The demo identity provider failed.');
      });
      return reply;
    },
    handler: async () => undefined,
  });

  registerLocalTransport(runtime, issuer, async (url, init) => {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    headers.host = target.host;
    headers['x-forwarded-host'] = target.host;
    headers['x-forwarded-proto'] = target.protocol.replace(/:$/, '');
    const body = init.body;
    const payload = typeof body === 'string' ? body : body instanceof URLSearchParams ? body.toString() : body instanceof Uint8Array ? Buffer.from(body) : undefined;
    const res = await app.inject({ method: (init.method ?? 'GET') as 'GET', url: `${target.pathname}${target.search}`, headers, payload });
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (Array.isArray(v)) v.forEach((x) => out.append(k, String(x)));
      else if (v !== undefined) out.set(k, String(v));
    }
    const nullBody = [101, 204, 205, 304].includes(res.statusCode);
    return new Response(nullBody ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers: out });
  });
}
