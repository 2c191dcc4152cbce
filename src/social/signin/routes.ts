import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SocialError } from '../../http/errors.js';
import { readParams } from '../../http/wire.js';
import { findAppByAppId, type AppRow } from '../../partner/apps.js';
import { findProvider } from '../../providers/catalog.js';
import { beginSignIn, completeSignIn, UpstreamError, type PendingSignIn } from '../../providers/upstream.js';
import type { Runtime } from '../../runtime.js';
import { renderChooserPage } from '../../web/chooser-page.js';
import { cspNonce, sendHtml, sendProblemPage } from '../../web/page.js';
import { saveIdentity } from '../identities.js';
import { getProviderLists, PROVIDER_LISTS } from '../provider-lists.js';
import { getAppSettings } from '../settings.js';
import { issueToken } from '../tokens.js';
import { isWhitelisted } from '../whitelist.js';
import { addressedApp, type AddressedApp } from './addressing.js';
import { deliverOutcome, sendAutoPostPage, type Delivery, type SignInFailure } from './delivery.js';
import { clearedPendingCookie, pendingCookie, readPending, type PendingRead } from './pending-cookie.js';

/** Provider names in paths: Janrain specifiers and an application's own `oidc:name` / `oauth2:name`. */
const PROVIDER_PATH = /^[a-z0-9][a-z0-9_.:-]{0,63}$/i;
/** Marks a form_post callback we relayed to ourselves, so that it is relayed at most once. */
const RELAY_FIELD = 'openrain_relay';

const startParams = z.object({
  token_url: z.string().trim().max(4096).optional(),
  appId: z.string().trim().max(64).optional(),
  // engage.js's popup: answer the opener page at `origin` by postMessage.
  delivery: z.enum(['redirect', 'message']).optional(),
  origin: z.string().trim().max(2048).optional(),
});

interface Problem {
  status: number;
  title: string;
  message: string;
}

class PageProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

const problem = (status: number, title: string, message: string) => new PageProblem({ status, title, message });

/**
 * Browser routes of Social Login (NOTES.md §10): `/{provider}/start?token_url=…` sends the
 * browser to the provider, `/{provider}/callback` takes its answer and delivers a one-time token
 * to token_url, `/openid/v2/signin?token_url=…` lets the person choose a provider, and
 * `/openid/start?openid_identifier=…` says that OpenID 2.0 is not offered.
 *
 * Where a sign-in ends when it fails:
 * - before a trusted token_url is known (no such application, token_url missing or outside the
 *   whitelist, provider unknown, discontinued or not enabled, pending cookie missing, expired
 *   or forged): on a page saying what went wrong, never a redirect;
 * - after (the person refused at the provider, the provider failed, the callback's state or ID
 *   token did not check out): back at token_url the way a token would have gone, with `error`
 *   (`access_denied`, `invalid_state`, `provider_error`, `invalid_response`, `server_error`) and
 *   `error_description` instead of `token`.
 */
export function registerSignInRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.route({ method: ['GET', 'POST'], url: '/:provider/start', handler: page((request, reply) => start(runtime, request, reply)) });
  app.route({ method: ['GET', 'POST'], url: '/:provider/callback', handler: page((request, reply) => callback(runtime, request, reply)) });
  app.route({ method: ['GET', 'POST'], url: '/openid/v2/signin', handler: page((request, reply) => chooser(runtime, request, reply)) });
}

/** Every failure of a browser route ends on a page: no JSON, no stack trace. */
function page(handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      return await handler(request, reply);
    } catch (err) {
      if (err instanceof PageProblem) return sendProblemPage(reply, err.problem.status, err.problem.title, err.problem.message, request.id);
      if (err instanceof SocialError) return sendProblemPage(reply, err.status >= 500 ? 502 : 400, 'Sign-in is not available', err.message, request.id);
      request.log.error({ err }, 'sign-in failed unexpectedly');
      return sendProblemPage(reply, 500, 'Something went wrong', 'The sign-in could not be completed. Please try again in a moment.', request.id);
    }
  };
}

function paramsOf(request: FastifyRequest) {
  try {
    return readParams(request).parse(startParams);
  } catch {
    throw problem(400, 'Bad request', 'The sign-in request carries malformed parameters.');
  }
}

async function addressed(runtime: Runtime, request: FastifyRequest, appId: string | undefined): Promise<AddressedApp> {
  const result = await addressedApp(runtime, request, appId);
  if (!result.ok) throw problem(result.status, result.title, result.message);
  return result.addressed;
}

/** The canonical specifier a path names; discontinued providers and OpenID 2.0 end here. */
function providerOf(name: string): string {
  if (!PROVIDER_PATH.test(name)) throw problem(404, 'Unknown sign-in provider', 'This sign-in provider does not exist.');
  const entry = findProvider(name);
  if (entry?.specifier === 'openid')
    throw problem(501, 'OpenID 2.0 is not supported', 'Signing in with an OpenID 2.0 identifier is not offered here: its providers have retired the protocol. Go back and choose another way to sign in.');
  if (entry?.status === 'discontinued') throw problem(410, `${entry.displayName} sign-in has ended`, `${entry.displayName} no longer offers sign-in (${entry.reason}). Go back and choose another way to sign in.`);
  return entry?.specifier ?? name.toLowerCase();
}

const displayName = (specifier: string) => findProvider(specifier)?.displayName ?? specifier;

/** token_url must be given and match the application's whitelist; otherwise nothing is sent anywhere. */
async function trustedTokenUrl(runtime: Runtime, app: AppRow, tokenUrl: string | undefined): Promise<string> {
  if (!tokenUrl) throw problem(400, 'Missing token_url', 'The sign-in request does not say where to return (token_url).');
  if (!(await isWhitelisted(runtime.store.db, app.id, tokenUrl)))
    throw problem(400, 'Return address not allowed', `This site may not receive sign-ins at ${tokenUrl}: its address is not in the application's domain whitelist.`);
  return tokenUrl;
}

async function deliveryOf(runtime: Runtime, app: AppRow, p: z.output<typeof startParams>): Promise<Delivery> {
  if (p.delivery !== 'message') return { mode: 'redirect' };
  const origin = p.origin ? originOf(p.origin) : undefined;
  if (!origin || !(await isWhitelisted(runtime.store.db, app.id, origin)))
    throw problem(400, 'Page not allowed', 'The page that opened this sign-in is not in the application’s domain whitelist.');
  return { mode: 'message', origin };
}

function originOf(text: string): string | undefined {
  try {
    const origin = new URL(text).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

async function enabledSigninProviders(runtime: Runtime, app: AppRow): Promise<Set<string>> {
  const lists = await getProviderLists(runtime.store.db, app.id);
  return new Set(PROVIDER_LISTS.filter((l) => l.startsWith('signin:')).flatMap((l) => lists[l]));
}

async function start(runtime: Runtime, request: FastifyRequest, reply: FastifyReply) {
  const specifier = providerOf((request.params as { provider: string }).provider);
  const p = paramsOf(request);
  const { app, base } = await addressed(runtime, request, p.appId);
  const tokenUrl = await trustedTokenUrl(runtime, app, p.token_url);
  const delivery = await deliveryOf(runtime, app, p);
  if (!(await enabledSigninProviders(runtime, app)).has(specifier)) throw problem(400, 'Provider not enabled', `Signing in with ${displayName(specifier)} is not enabled for this site.`);

  const callbackPath = `/${specifier}/callback`;
  const redirectUri = `${base}${callbackPath}`;
  const begun = await beginSignIn(runtime, app, specifier, { redirectUri });
  const cookie = pendingCookie(
    runtime.sealer,
    { app: app.app_id, provider: specifier, tokenUrl, delivery, redirectUri, issuedAt: Date.now(), upstream: begun.pending },
    { path: callbackPath, secure: redirectUri.startsWith('https:') },
  );
  return reply.code(303).header('set-cookie', cookie).header('location', begun.authorizationUrl).header('referrer-policy', 'no-referrer').header('cache-control', 'no-store').send();
}

const PENDING_PROBLEMS: Record<Extract<PendingRead, { ok: false }>['problem'], Problem> = {
  missing: {
    status: 400,
    title: 'Sign-in not recognised',
    message: 'This sign-in was not started in this browser, or it was already completed. Go back to the site and sign in again.',
  },
  unreadable: { status: 400, title: 'Sign-in could not be verified', message: 'The sign-in could not be verified. Go back to the site and sign in again.' },
  expired: { status: 400, title: 'Sign-in took too long', message: 'The sign-in took too long and has expired. Go back to the site and sign in again.' },
};

async function callback(runtime: Runtime, request: FastifyRequest, reply: FastifyReply) {
  const specifier = providerOf((request.params as { provider: string }).provider);
  const body = formBody(request);
  const read = readPending(runtime.sealer, request.headers.cookie);
  if (!read.ok) {
    // A provider answering with a cross-site form_post (Apple) arrives without our SameSite=Lax
    // cookie; posting the same fields again from our own page brings it along.
    if (read.problem === 'missing' && body && body[RELAY_FIELD] === undefined)
      return sendAutoPostPage(reply, request.url, { ...body, [RELAY_FIELD]: '1' }, { title: 'Signing you in', message: 'Continue to finish signing in.' }, 'self');
    throw new PageProblem(PENDING_PROBLEMS[read.problem]);
  }
  const pending = read.pending;
  reply.header('set-cookie', clearedPendingCookie({ path: `/${pending.provider}/callback`, secure: pending.redirectUri.startsWith('https:') }));
  if (pending.provider !== specifier) throw new PageProblem(PENDING_PROBLEMS.unreadable);
  const app = await findAppByAppId(runtime.store.db, pending.app);
  if (!app) throw problem(404, 'Unknown application', 'The application this sign-in was for no longer exists.');
  // The whitelist may have changed while the person was at the provider.
  const tokenUrl = await trustedTokenUrl(runtime, app, pending.tokenUrl);
  const delivery = pending.delivery.mode === 'message' ? await deliveryOf(runtime, app, { delivery: 'message', origin: pending.delivery.origin }) : pending.delivery;
  const settings = await getAppSettings(runtime.store.db, app.id);

  let identity;
  try {
    identity = await completeSignIn(runtime, app, pending.upstream as PendingSignIn, { url: new URL(request.url, pending.redirectUri), body: withoutRelay(body) });
  } catch (err) {
    const failure = failureOf(err);
    if (failure.error === 'server_error') request.log.error({ err }, 'completing the sign-in failed');
    return deliverOutcome(reply, delivery, tokenUrl, { ...failure }, settings.postToTokenUrl);
  }

  const identifier = String(identity.profile.identifier);
  const token = await runtime.store.write(async (tx) => {
    await saveIdentity(tx, runtime.sealer, app.id, { identifier, provider: specifier, tokens: identity.upstreamTokens });
    return issueToken(tx, runtime.sealer, app.id, {
      identifier,
      answer: { profile: { ...identity.profile }, accessCredentials: identity.accessCredentials, merged_poco: identity.mergedPoco, extended: identity.extended },
      tokenUrl,
      oneTime: settings.oneTimeUseTokens,
    });
  });
  return deliverOutcome(reply, delivery, tokenUrl, { token }, settings.postToTokenUrl);
}

function failureOf(err: unknown): SignInFailure {
  if (err instanceof UpstreamError) {
    switch (err.kind) {
      case 'denied':
        return { error: 'access_denied', error_description: `The sign-in was cancelled at the provider (${err.message}).` };
      case 'state_mismatch':
        return { error: 'invalid_state', error_description: `The provider's answer does not belong to this sign-in (${err.message}).` };
      case 'provider_error':
        return { error: 'provider_error', error_description: `The provider could not complete the sign-in (${err.message}).` };
      default:
        return { error: 'invalid_response', error_description: `The provider's answer could not be verified (${err.message}).` };
    }
  }
  if (err instanceof SocialError) return { error: 'server_error', error_description: err.message };
  return { error: 'server_error', error_description: 'The sign-in could not be completed.' };
}

function formBody(request: FastifyRequest): Record<string, string> | undefined {
  if (request.method !== 'POST' || !request.body || typeof request.body !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.body as Record<string, unknown>)) if (typeof value === 'string') out[name] = value;
  return out;
}

function withoutRelay(body: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!body) return undefined;
  const { [RELAY_FIELD]: _relayed, ...rest } = body;
  return rest;
}

async function chooser(runtime: Runtime, request: FastifyRequest, reply: FastifyReply) {
  const p = paramsOf(request);
  const { app, byAppId } = await addressed(runtime, request, p.appId);
  const tokenUrl = await trustedTokenUrl(runtime, app, p.token_url);
  const lists = await getProviderLists(runtime.store.db, app.id);
  const query = new URLSearchParams({ token_url: tokenUrl, ...(byAppId ? { appId: app.app_id } : {}) }).toString();
  const nonce = cspNonce();
  const html = renderChooserPage({
    appName: app.name,
    tokenUrl,
    providers: lists['signin:web'].map((specifier) => ({ specifier, displayName: displayName(specifier), startUrl: `/${encodeURIComponent(specifier)}/start?${query}` })),
    nonce,
  });
  return sendHtml(reply, 200, nonce, html);
}
