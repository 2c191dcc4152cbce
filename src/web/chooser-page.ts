import { escapeHtml, htmlDocument } from './page.js';
import { markClass, providerMark } from './provider-look.js';

/**
 * The hosted provider chooser (`/openid/v2/signin?token_url=…`), drawn like the engage.js
 * widget. Each provider is a real button in a GET form, so the page works without script.
 */

export interface ChooserModel {
  appName: string;
  /** The whitelisted token_url the sign-in ends at. */
  tokenUrl: string;
  /** The application's sign-in providers in its order; `startUrl` begins the sign-in (relative or absolute). */
  providers: ReadonlyArray<{ specifier: string; displayName: string; startUrl: string }>;
  nonce: string;
}

const PLACEHOLDER_ORIGIN = 'http://chooser.invalid';

/** A GET form whose fields are the start URL's query (a GET form replaces its action's query). */
function providerForm(provider: ChooserModel['providers'][number]): string {
  const url = new URL(provider.startUrl, `${PLACEHOLDER_ORIGIN}/`);
  const action = url.origin === PLACEHOLDER_ORIGIN ? url.pathname : `${url.origin}${url.pathname}`;
  const inputs = [...url.searchParams].map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('');
  const mark = providerMark(provider.specifier, provider.displayName);
  return (
    `<form method="get" action="${escapeHtml(action)}">${inputs}` +
    `<button type="submit" class="or-provider"><span class="or-mark ${markClass(provider.specifier)}" aria-hidden="true">${escapeHtml(mark.text)}</span>` +
    `<span class="or-label"><span class="or-sr">Sign in with </span>${escapeHtml(provider.displayName)}</span></button></form>`
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
        .map((p) => `<li>${providerForm(p)}</li>`)
        .join('')}</ul>`
    : '<p>This site has not enabled any way to sign in yet.</p>';
  const host = returnHost(model.tokenUrl);
  const back = host ? `<p class="muted">After signing in you return to <strong>${escapeHtml(host)}</strong>.</p>` : '';
  return htmlDocument({ nonce: model.nonce, title, body: `<h1>${escapeHtml(title)}</h1>${list}${back}` });
}
