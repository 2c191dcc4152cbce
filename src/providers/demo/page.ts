import { randomBytes } from 'node:crypto';
import type { Persona } from './personas.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface PageOut {
  html: string;
  headers: Record<string, string>;
}

/** Headers of every demo provider page: strict CSP (one nonce'd style block), no framing, no caching. */
function pageHeaders(nonce: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

const STYLE = `
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f4f6;color:#1d1d22}
main{max-width:30rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.35rem;margin:0 0 .25rem}
p.note{margin:0 0 1.5rem;color:#55555f;font-size:.95rem}
ul{list-style:none;margin:0;padding:0}
li{margin:0 0 .6rem}
button.persona{display:flex;align-items:center;gap:.9rem;width:100%;padding:.7rem .9rem;border:1px solid #d4d4dc;border-radius:10px;background:#fff;font:inherit;text-align:left;cursor:pointer}
button.persona:hover,button.persona:focus-visible{border-color:#3456c7;outline:2px solid #3456c7;outline-offset:1px}
button.persona img{width:48px;height:48px;border-radius:50%}
.who{display:flex;flex-direction:column}
.who small{color:#55555f}
button.cancel{margin-top:1rem;padding:.5rem 1rem;border:0;background:none;color:#3456c7;font:inherit;text-decoration:underline;cursor:pointer}
footer{margin-top:1.5rem;font-size:.8rem;color:#6a6a74}
`;

/** The persona picker that replaces a password form at the demo provider. */
export function personaPicker(options: { action: string; issuer: string; clientName: string; personas: readonly Persona[] }): PageOut {
  const nonce = randomBytes(16).toString('base64');
  const items = options.personas
    .map(
      (p) => `<li><button class="persona" type="submit" name="persona" value="${escapeHtml(p.id)}">
<img src="${escapeHtml(`${options.issuer}/avatar/${p.id}.svg`)}" alt="">
<span class="who"><strong>${escapeHtml(p.name)}</strong><small>${escapeHtml(p.email)} · ${escapeHtml(p.blurb)}</small></span></button></li>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Demo identity provider: choose who you are</title><style nonce="${nonce}">${STYLE}</style></head>
<body><main>
<h1>Sign in to ${escapeHtml(options.clientName)}</h1>
<p class="note">This is Openrain's offline demo identity provider. Pick a fictional person to sign in as; no password is needed.</p>
<form method="post" action="${escapeHtml(options.action)}">
<ul>
${items}
</ul>
<button class="cancel" type="submit" name="cancel" value="1">Cancel and go back</button>
</form>
<footer>Demo accounts only. Nothing here is a real person.</footer>
</main></body></html>`;
  return { html, headers: pageHeaders(nonce) };
}

/** A short message page (expired interaction, unknown persona). */
export function messagePage(title: string, message: string): PageOut {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style nonce="${nonce}">${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p class="note">${escapeHtml(message)}</p></main></body></html>`;
  return { html, headers: pageHeaders(nonce) };
}
