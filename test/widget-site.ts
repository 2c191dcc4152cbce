import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A small third-party site for browser tests, as a Janrain customer would have written it:
 * a page that loads engage.js with Janrain's loader snippet, and a token_url whose server side
 * calls auth_info with the apiKey and shows who signed in.
 */

export interface SiteOptions {
  /** Where Openrain listens (the test server's URL) for the server-side auth_info call. */
  openrainUrl: string;
  apiKey: string;
  /** The engage.js URL pages load. */
  scriptSrc: string;
}

export interface Site {
  /** `http://site.localhost:PORT` */
  origin: string;
  port: number;
  /** Tokens token_url received, newest last. */
  tokens: string[];
  close(): Promise<void>;
}

export interface PageOptions {
  tokenAction?: string;
  type?: string;
  popup?: boolean;
  /** Extra statements run after the settings are set (before engage.js loads). */
  extra?: string;
  /** Served under a strict CSP: inline script and style only with this nonce. */
  nonce?: string;
}

const EVENTS = [
  'onProviderLoginStart',
  'onProviderLoginToken',
  'onProviderLoginSuccess',
  'onProviderLoginError',
  'onProviderLoginCancel',
  'onProviderLoginComplete',
  'onReturnExperienceFound',
  'onModalWidgetReady',
  'onModalClose',
];

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The site's page: the loader snippet sites pasted from Janrain's dashboard, with the settings under test. */
export function sitePage(origin: string, scriptSrc: string, options: PageOptions): string {
  const settings = [
    `janrain.settings.tokenUrl = ${JSON.stringify(`${origin}/token?next=%2Faccount`)};`,
    options.tokenAction ? `janrain.settings.tokenAction = ${JSON.stringify(options.tokenAction)};` : '',
    options.type ? `janrain.settings.type = ${JSON.stringify(options.type)};` : '',
    options.popup === false ? 'janrain.settings.popup = false;' : '',
    options.extra ?? '',
  ].join('\n    ');
  const nonce = options.nonce ? ` nonce="${options.nonce}"` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Example site</title>
<style${nonce}>body{font:16px/1.5 Georgia,serif;margin:2rem;max-width:40rem;color:#333;background:#fafaf7}</style>
<script type="text/javascript"${nonce}>
(function() {
    if (typeof window.janrain !== 'object') window.janrain = {};
    if (typeof window.janrain.settings !== 'object') window.janrain.settings = {};
    ${settings}
    function isReady() { janrain.ready = true; };
    if (document.addEventListener) {
      document.addEventListener("DOMContentLoaded", isReady, false);
    } else {
      window.attachEvent('onload', isReady);
    }
    var e = document.createElement('script');
    e.type = 'text/javascript';
    e.id = 'janrainAuthWidget';
    e.src = ${JSON.stringify(scriptSrc)};
    var s = document.getElementsByTagName('script')[0];
    s.parentNode.insertBefore(e, s);
})();
window.eventLog = [];
window.widgetLoaded = 0;
function janrainWidgetOnload() {
  window.widgetLoaded += 1;
  ${JSON.stringify(EVENTS)}.forEach(function (name) {
    janrain.events[name].addHandler(function (response) { window.eventLog.push([name, response]); });
  });
  janrain.events.onProviderLoginToken.addHandler(function (response) {
    fetch('/profile?token=' + encodeURIComponent(response.token))
      .then(function (res) { return res.json(); })
      .then(function (profile) { document.getElementById('welcome').textContent = 'Welcome, ' + profile.displayName + '!'; });
  });
}
</script></head>
<body>
<h1>Example site</h1>
<p><a href="#before" id="before">Before the widget</a></p>
<div id="janrainEngageEmbed"></div>
<p><a href="javascript:void(0)" class="janrainEngage" id="signin-link">Sign in</a></p>
<p><a href="#after" id="after">After the widget</a></p>
<p id="welcome" role="status"></p>
</body></html>`;
}

async function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** auth_info with the site's apiKey, as the site's server calls it. */
async function authInfo(options: SiteOptions, token: string): Promise<any> {
  const res = await fetch(`${options.openrainUrl}/api/v2/auth_info`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ apiKey: options.apiKey, token }).toString(),
  });
  return res.json();
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
  res.end(body);
}

export async function startSite(port: number, options: SiteOptions): Promise<Site> {
  const origin = `http://site.localhost:${port}`;
  const tokens: string[] = [];
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname === '/page') {
        const q = url.searchParams;
        const nonce = q.get('csp') === 'strict' ? randomBytes(16).toString('base64') : undefined;
        const html = sitePage(origin, options.scriptSrc, {
          tokenAction: q.get('tokenAction') ?? undefined,
          type: q.get('type') ?? undefined,
          popup: q.get('popup') === 'false' ? false : undefined,
          nonce,
        });
        if (nonce) {
          // No 'unsafe-inline' anywhere: the widget must draw and style itself all the same.
          const csp = `default-src 'self'; script-src 'nonce-${nonce}' ${new URL(options.scriptSrc).origin}; style-src 'nonce-${nonce}'; form-action 'self'`;
          res.setHeader('content-security-policy', csp);
        }
        return send(res, 200, 'text/html', html);
      }
      if (url.pathname === '/token') {
        const form = req.method === 'POST' ? await readBody(req) : url.searchParams;
        const token = form.get('token') ?? '';
        tokens.push(token);
        const answer = token ? await authInfo(options, token) : { stat: 'fail', err: { msg: form.get('error_description') ?? 'no token' } };
        const body =
          answer.stat === 'ok'
            ? `<h1 id="signed-in">Signed in as <span id="name">${escape(String(answer.profile.displayName))}</span></h1><p id="method">${req.method}</p><p id="next">${escape(url.searchParams.get('next') ?? '')}</p>`
            : `<h1 id="failed">Sign-in failed</h1><p id="error">${escape(String(answer.err?.msg ?? ''))}</p>`;
        return send(res, 200, 'text/html', `<!doctype html><title>Account</title>${body}`);
      }
      if (url.pathname === '/evil') {
        // Another site's page that opens a sign-in meant for this one and listens for the result.
        const start = JSON.stringify(url.searchParams.get('start') ?? '').replace(/</g, '\\u003c');
        return send(res, 200, 'text/html', `<!doctype html><title>Elsewhere</title><button id="open">Open</button><script>window.received = []; addEventListener('message', function (e) { received.push({ origin: e.origin, data: e.data }); }); document.getElementById('open').onclick = function () { window.open(${start}, 'signin', 'popup'); };</script>`);
      }
      if (url.pathname === '/profile') {
        const answer = await authInfo(options, url.searchParams.get('token') ?? '');
        return send(res, answer.stat === 'ok' ? 200 : 400, 'application/json', JSON.stringify(answer.stat === 'ok' ? answer.profile : answer));
      }
      send(res, 404, 'text/plain', 'not found');
    } catch (err) {
      send(res, 500, 'text/plain', String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin,
    port,
    tokens,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
