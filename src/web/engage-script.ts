import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { scriptJson, themeCss } from './page.js';
import { markClass, PROVIDER_CSS, providerMark, type ProviderMark } from './provider-look.js';

/**
 * engage.js for one application: the browser code of engage-client.js called with the
 * application's configuration, inlined so that the widget draws its buttons without another
 * request (and without CORS).
 */

const CLIENT = readFileSync(new URL('./engage-client.js', import.meta.url), 'utf8').trim();

const WIDGET_CSS =
  themeCss(':host', { followDarkMode: false }) +
  ':host{all:initial;display:block;max-width:24rem;font-family:var(--or-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);font-size:16px;line-height:1.5;color:var(--or-fg)}' +
  '*{box-sizing:border-box}' +
  '.or-widget{padding:1rem;background:var(--or-card);border:1px solid var(--or-line);border-radius:12px}' +
  '.or-action{margin:0 0 .75rem;font-weight:600}' +
  '.or-status{margin:.75rem 0 0;font-size:.875rem;color:var(--or-muted)}.or-status:empty{display:none}' +
  '.or-error{color:var(--or-danger)}.or-empty{margin:0;color:var(--or-muted)}' +
  '.or-dialog{padding:0;border:0;border-radius:14px;width:min(24rem,calc(100vw - 2rem));max-height:calc(100vh - 2rem);overflow:auto;' +
  'font:inherit;background:var(--or-card);color:var(--or-fg);box-shadow:0 20px 50px rgba(0,0,0,.3)}' +
  '.or-dialog::backdrop{background:rgba(20,20,28,.55)}' +
  '.or-dialog-inner{padding:1rem 1.25rem 1.25rem}.or-dialog-inner .or-widget{padding:0;border:0}' +
  '.or-dialog-head{display:flex;align-items:center;justify-content:space-between;margin:0 0 .5rem}' +
  '.or-dialog-title{margin:0;font-size:1.2rem;line-height:1.3}' +
  '.or-close{flex:none;width:44px;height:44px;margin-right:-.6rem;padding:0;font:inherit;font-size:1.6rem;line-height:1;color:var(--or-muted);' +
  'background:transparent;border:0;border-radius:8px;cursor:pointer}' +
  '.or-close:hover{background:var(--or-hover);color:var(--or-fg)}.or-close:focus-visible{outline:3px solid var(--or-focus);outline-offset:2px}' +
  '.or-dialog-fallback{position:fixed;top:10vh;left:50%;transform:translateX(-50%);z-index:2147483647}' +
  PROVIDER_CSS;

export interface EngageProvider {
  specifier: string;
  displayName: string;
  /** Other names pages may use for it in `janrain.settings.providers`. */
  aliases: readonly string[];
}

export interface EngageConfig {
  appId: string;
  /** Base URLs the sign-in may start at: the realm URL first, then the application's custom domains. */
  bases: readonly string[];
  providers: readonly EngageProvider[];
  /** The app setting: the token goes to token_url by POST (else GET). */
  postToTokenUrl: boolean;
}

/** What the browser code receives (engage-client.js reads exactly these members). */
interface ClientConfig {
  appId: string;
  bases: readonly string[];
  postToTokenUrl: boolean;
  css: string;
  providers: Array<{ id: string; name: string; aliases: string[]; markClass: string; mark: ProviderMark }>;
}

export interface EngageScript {
  body: string;
  etag: string;
}

export function buildEngageScript(config: EngageConfig): EngageScript {
  const client: ClientConfig = {
    appId: config.appId,
    bases: config.bases,
    postToTokenUrl: config.postToTokenUrl,
    css: WIDGET_CSS,
    providers: config.providers.map((p) => ({
      id: p.specifier,
      name: p.displayName,
      aliases: p.aliases.map((a) => a.toLowerCase()),
      markClass: markClass(p.specifier),
      mark: providerMark(p.specifier, p.displayName),
    })),
  };
  const body = `/* engage.js (Openrain): Janrain Social Login widget */\n(function(){\n${CLIENT}\nopenrainEngage(${scriptJson(client)});\n})();\n`;
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, etag };
}
