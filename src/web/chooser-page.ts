import { escapeHtml, htmlDocument } from './page.js';
import { markClass, providerMark } from './provider-look.js';

/**
 * The hosted provider chooser (`/openid/v2/signin?token_url=…`), drawn like the engage.js
 * widget; it needs no script.
 */

export interface ChooserModel {
  appName: string;
  /** The whitelisted token_url the sign-in ends at. */
  tokenUrl: string;
  /** The application's sign-in providers in its order; `startUrl` begins the sign-in (relative or absolute). */
  providers: ReadonlyArray<{ specifier: string; displayName: string; startUrl: string }>;
  nonce: string;
}

/**
 * A link, drawn as the widget's button: starting a sign-in is a navigation, and a form would
 * not do (CSP form-action also governs the redirect to the provider that follows).
 */
function providerLink(provider: ChooserModel['providers'][number]): string {
  const mark = providerMark(provider.specifier, provider.displayName);
  return (
    `<a class="or-provider" href="${escapeHtml(provider.startUrl)}"><span class="or-mark ${markClass(provider.specifier)}" aria-hidden="true">${escapeHtml(mark.text)}</span>` +
    `<span class="or-label"><span class="or-sr">Sign in with </span>${escapeHtml(provider.displayName)}</span></a>`
  );
}

function returnHost(tokenUrl: string): string | undefined {
  try {
    return new URL(tokenUrl).host;
  } catch {
    return undefined;
  }
}

export function renderChooserPage(model: ChooserModel): string {
  const title = `Sign in to ${model.appName}`;
  const list = model.providers.length
    ? `<p class="muted" id="or-choose">Choose how to sign in.</p><ul class="or-providers" aria-labelledby="or-choose">${model.providers
        .map((p) => `<li>${providerLink(p)}</li>`)
        .join('')}</ul>`
    : '<p>This site has not enabled any way to sign in yet.</p>';
  const host = returnHost(model.tokenUrl);
  const back = host ? `<p class="muted">After signing in you return to <strong>${escapeHtml(host)}</strong>.</p>` : '';
  return htmlDocument({ nonce: model.nonce, title, body: `<h1>${escapeHtml(title)}</h1>${list}${back}` });
}
