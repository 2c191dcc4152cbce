import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { PROVIDER_CSS } from './provider-look.js';

/**
 * The shell every hosted page shares (sign-in pages, the provider chooser, invitations):
 * escaping, a per-response CSP nonce, the security headers and one small stylesheet. Pages
 * carry no third-party asset and nothing inline without the nonce.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A fresh CSP nonce for one response. */
export function cspNonce(): string {
  return randomBytes(16).toString('base64');
}

export interface PagePolicy {
  /**
   * Where the page's forms may go. `self` by default; pages that deliver a token to a site's
   * token_url need `web` (any http(s) URL: browsers apply form-action to the redirects that
   * follow the post too, and token URLs often redirect elsewhere).
   */
  formAction?: 'self' | 'web';
}

export function pageCsp(nonce: string, policy: PagePolicy = {}): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    `form-action ${policy.formAction === 'web' ? 'http: https:' : "'self'"}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Sends a complete HTML document with the hosted pages' headers; never cached, never framed. */
export function sendHtml(reply: FastifyReply, status: number, nonce: string, html: string, policy: PagePolicy = {}): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', pageCsp(nonce, policy))
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .send(html);
}

/**
 * Colours as custom properties on `selector` (`:root` in pages, `:host` in the widget's shadow
 * root) so that the widget and the hosted pages share one look.
 */
export function themeCss(selector: string, options: { followDarkMode: boolean }): string {
  const light = `${selector}{--or-fg:#1d1d1f;--or-muted:#5b5b66;--or-bg:#f4f4f6;--or-card:#fff;--or-line:#c9c9d1;--or-hover:#f0f0f4;--or-accent:#0b57d0;--or-focus:#0b57d0;--or-danger:#b3261e}`;
  // The widget sits inside a site's page, whose colours it cannot know: it stays light there.
  if (!options.followDarkMode) return light;
  return (
    light +
    `@media (prefers-color-scheme:dark){${selector}{--or-fg:#f2f2f5;--or-muted:#a9a9b4;--or-bg:#121215;--or-card:#1c1c21;--or-line:#45454f;--or-hover:#26262d;--or-accent:#a8c7fa;--or-focus:#a8c7fa;--or-danger:#f2b8b5}}`
  );
}

const PAGE_CSS =
  ':root{color-scheme:light dark}' +
  themeCss(':root', { followDarkMode: true }) +
  '*{box-sizing:border-box}' +
  'body{margin:0;min-height:100vh;padding:3rem 1rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--or-fg);background:var(--or-bg)}' +
  'main{max-width:26rem;margin:0 auto;background:var(--or-card);border:1px solid var(--or-line);border-radius:12px;padding:1.75rem 1.5rem}' +
  'h1{font-size:1.35rem;line-height:1.3;margin:0 0 1rem}p{margin:.6rem 0}' +
  '.muted{color:var(--or-muted);font-size:.9rem}code{word-break:break-all}' +
  'a{color:var(--or-accent)}' +
  '.button,button{display:inline-block;font:inherit;font-weight:600;padding:.6rem 1.2rem;min-height:44px;cursor:pointer;border:1px solid var(--or-accent);border-radius:8px;background:var(--or-accent);color:var(--or-card);text-decoration:none}' +
  ':focus-visible{outline:3px solid var(--or-focus);outline-offset:2px}' +
  PROVIDER_CSS;

export interface DocumentParts {
  nonce: string;
  title: string;
  /** The page's content, already escaped. */
  body: string;
  /** Inline script run at the end of the body (it gets the nonce). */
  script?: string;
}

/** A complete page in the shared look. */
export function htmlDocument({ nonce, title, body, script }: DocumentParts): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>` +
    `<style nonce="${escapeHtml(nonce)}">${PAGE_CSS}</style></head>` +
    `<body><main>${body}</main>${script ? `<script nonce="${escapeHtml(nonce)}">${script}</script>` : ''}</body></html>`
  );
}

/** Renders and sends a page with a fresh nonce. */
export function sendPage(reply: FastifyReply, status: number, page: Omit<DocumentParts, 'nonce'>, policy: PagePolicy = {}): FastifyReply {
  const nonce = cspNonce();
  return sendHtml(reply, status, nonce, htmlDocument({ nonce, ...page }), policy);
}

/** A page telling the person what went wrong and what to do; never a redirect. */
export function sendProblemPage(reply: FastifyReply, status: number, title: string, message: string, requestId?: string): FastifyReply {
  const reference = requestId ? `<p class="muted">Reference: <code>${escapeHtml(requestId)}</code></p>` : '';
  return sendPage(reply, status, { title, body: `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${reference}` });
}

/**
 * JSON to embed in an inline script: `<`, `>` and `&` cannot close the script element or open
 * a comment, and U+2028/U+2029 cannot end a string literal in older engines.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
