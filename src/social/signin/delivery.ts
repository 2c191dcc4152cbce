import type { FastifyReply } from 'fastify';
import { cspNonce, escapeHtml, htmlDocument, sendHtml } from '../../web/page.js';
import { renderPopupResultPage, type SignInFields } from '../../web/popup-result.js';

/** How a sign-in that reached a trusted token_url ended without a token. */
export interface SignInFailure {
  error: 'access_denied' | 'invalid_state' | 'provider_error' | 'invalid_response' | 'server_error';
  error_description: string;
}

/** How the browser is to receive the outcome, as the start request chose. */
export type Delivery = { mode: 'redirect' } | { mode: 'message'; /** The opener page's whitelisted origin. */ origin: string };

/**
 * A form the browser posts to `action` by itself (a nonce'd script), with a button for browsers
 * that run no script.
 */
export function sendAutoPostPage(reply: FastifyReply, action: string, fields: Record<string, string>, text: { title: string; message: string }, formAction: 'self' | 'web'): FastifyReply {
  const nonce = cspNonce();
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const body = `<h1>${escapeHtml(text.title)}</h1><form id="or-continue" method="post" action="${escapeHtml(action)}">${inputs}<p>${escapeHtml(text.message)}</p><button type="submit">Continue</button></form>`;
  const html = htmlDocument({ nonce, title: text.title, body, script: "document.getElementById('or-continue').submit();" });
  return sendHtml(reply, 200, nonce, html, { formAction });
}

/**
 * Sends the outcome of a sign-in (`token`, or `error` and `error_description`) to the site:
 * - redirect flow: to token_url by a self-submitting POST form when the app's postToTokenUrl is
 *   on, else by a redirect with the fields added to token_url's query;
 * - popup flow (engage.js): a page that hands the fields to the opener page by postMessage,
 *   falling back to token_url when the opener is gone.
 * token_url (and the opener origin) must already be whitelisted.
 */
export function deliverOutcome(reply: FastifyReply, delivery: Delivery, tokenUrl: string, fields: SignInFields, postToTokenUrl: boolean): FastifyReply {
  if (delivery.mode === 'message') {
    const nonce = cspNonce();
    return sendHtml(reply, 200, nonce, renderPopupResultPage({ nonce, origin: delivery.origin, fields, tokenUrl, postToTokenUrl }), { formAction: 'web' });
  }
  if (postToTokenUrl) return sendAutoPostPage(reply, tokenUrl, fields, { title: 'Signing you in', message: 'Continue to return to the site.' }, 'web');
  const target = new URL(tokenUrl);
  for (const [name, value] of Object.entries(fields)) target.searchParams.set(name, value);
  return reply.code(302).header('location', target.href).header('referrer-policy', 'no-referrer').header('cache-control', 'no-store').send();
}
