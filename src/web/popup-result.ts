import { escapeHtml, htmlDocument, scriptJson } from './page.js';

/**
 * The page a popup sign-in ends on (`/{provider}/start?…&delivery=message`): it hands the
 * result to the page that opened the popup with postMessage, addressed to that page's
 * whitelisted origin (the browser drops the message if the opener is anywhere else), then
 * closes. engage.js accepts it only from the realm origin and from the popup it opened.
 * When the opener is gone (closed, or cut off by a provider's opener policy) the popup does
 * what the redirect flow does: it takes the same fields to token_url.
 */

/** The fields the redirect flow would send to token_url. */
export type SignInFields = { token: string } | { error: string; error_description: string };

/** What engage.js receives; `openrain` tells it apart from other messages the page gets. */
export type PopupMessage = { openrain: 'signin' } & ({ stat: 'ok'; token: string } | { stat: 'fail'; error: string; error_description: string });

export interface PopupResultModel {
  /** Inline script and style carry it. */
  nonce: string;
  /** The opener page's origin (`https://www.example.com`), already checked against the whitelist. */
  origin: string;
  fields: SignInFields;
  /** The whitelisted token_url of this sign-in, and how the app wants it reached. */
  tokenUrl: string;
  postToTokenUrl: boolean;
}

const SCRIPT =
  "(function(){var d=JSON.parse(document.getElementById('or-result').textContent),o=null;" +
  'try{o=window.opener}catch(e){}' +
  'if(o&&o!==window){o.postMessage(d.message,d.origin);window.close();return}' +
  "document.getElementById('or-deliver').submit()})();";

/** A form that takes the fields to token_url; a GET form drops its action's query, so that travels as fields too. */
function deliveryForm(tokenUrl: string, fields: SignInFields, post: boolean): string {
  const target = new URL(tokenUrl);
  const all: [string, string][] = post ? [] : [...target.searchParams].filter(([name]) => !(name in fields));
  if (!post) target.search = '';
  all.push(...Object.entries(fields));
  const inputs = all.map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('');
  return `<form id="or-deliver" method="${post ? 'post' : 'get'}" action="${escapeHtml(target.toString())}">${inputs}<button type="submit">Continue</button></form>`;
}

function messageOf(fields: SignInFields): PopupMessage {
  return 'token' in fields
    ? { openrain: 'signin', stat: 'ok', token: fields.token }
    : { openrain: 'signin', stat: 'fail', error: fields.error, error_description: fields.error_description };
}

/** The complete page; send it with the hosted pages' headers and `formAction: 'web'`. */
export function renderPopupResultPage(model: PopupResultModel): string {
  const ok = 'token' in model.fields;
  const title = ok ? 'Signed in' : 'Sign-in did not complete';
  const text = ok
    ? '<p>Taking you back to the site…</p>'
    : `<p>${escapeHtml((model.fields as { error_description: string }).error_description)}</p>`;
  const data = `<script type="application/json" id="or-result">${scriptJson({ origin: model.origin, message: messageOf(model.fields) })}</script>`;
  return htmlDocument({
    nonce: model.nonce,
    title,
    body: `<h1>${title}</h1>${text}${deliveryForm(model.tokenUrl, model.fields, model.postToTokenUrl)}${data}`,
    script: SCRIPT,
  });
}
