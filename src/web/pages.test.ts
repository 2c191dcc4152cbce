import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { renderChooserPage } from './chooser-page.js';
import { cspNonce, escapeHtml, htmlDocument, pageCsp, scriptJson, sendPage, sendProblemPage } from './page.js';
import { renderPopupResultPage } from './popup-result.js';
import { markClass, providerMark } from './provider-look.js';

const HOSTILE = `"><script>alert(1)</script><img src=x onerror=alert(2)>'&`;

/** The JSON of the page's data block, as the browser will parse it. */
function dataBlock(html: string): any {
  const match = /<script type="application\/json" id="or-result">([^<]*)<\/script>/.exec(html);
  if (!match) throw new Error('no data block');
  return JSON.parse(match[1]);
}

describe('page shell', () => {
  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('makes a fresh, unguessable nonce per call', () => {
    const a = cspNonce();
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(cspNonce()).not.toBe(a);
  });

  it('allows only nonce-carrying inline code, no framing, forms to self unless told', () => {
    const csp = pageCsp('abc');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'nonce-abc'");
    expect(csp).toContain("style-src 'nonce-abc'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(pageCsp('abc', { formAction: 'web' })).toContain('form-action http: https:');
  });

  it('puts the nonce on the only style and script elements and escapes the title', () => {
    const html = htmlDocument({ nonce: 'n0nce', title: HOSTILE, body: '<p>ok</p>', script: 'void 0' });
    expect(html).toContain('<style nonce="n0nce">');
    expect(html).toContain('<script nonce="n0nce">void 0</script>');
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html.match(/<style/g)).toHaveLength(1);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain(`<title>${escapeHtml(HOSTILE)}</title>`);
  });

  it('keeps JSON inside a script element from closing it', () => {
    const text = scriptJson({ a: '</script><!--', b: '\u2028' });
    expect(text).not.toMatch(/[<>\u2028]/);
    expect(JSON.parse(text)).toEqual({ a: '</script><!--', b: '\u2028' });
  });

  it('sends pages with the security headers and a matching nonce', async () => {
    const app = Fastify();
    app.get('/page', (_req, reply) => sendPage(reply, 200, { title: 'T', body: '<p>x</p>', script: 'void 0' }));
    app.get('/problem', (_req, reply) => sendProblemPage(reply, 400, 'Bad <thing>', `It broke: ${HOSTILE}`, 'req0123456789abc'));
    const page = await app.inject('/page');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-store');
    const nonce = /script-src 'nonce-([^']+)'/.exec(String(page.headers['content-security-policy']))?.[1];
    expect(nonce).toBeTruthy();
    expect(page.body).toContain(`<script nonce="${nonce}">`);

    const problem = await app.inject('/problem');
    expect(problem.statusCode).toBe(400);
    expect(problem.body).toContain('<h1>Bad &lt;thing&gt;</h1>');
    expect(problem.body).not.toContain('<script>alert');
    expect(problem.body).toContain('req0123456789abc');
    await app.close();
  });
});

describe('provider look', () => {
  it('gives known providers their mark and others their initial', () => {
    expect(providerMark('google', 'Google').text).toBe('G');
    expect(providerMark('oidc:acme', 'Ünited Acme').text).toBe('Ü');
    expect(providerMark('oidc:empty', '  ').text).toBe('?');
  });

  it('makes class names safe from any specifier', () => {
    expect(markClass('google')).toBe('or-mark-google');
    expect(markClass('oidc:Acme"><x')).toMatch(/^or-mark-[a-z0-9-]+$/);
  });
});

describe('chooser page', () => {
  const model = {
    appName: HOSTILE,
    tokenUrl: 'https://www.example.com/auth?next=%2Fhome',
    nonce: 'n0nce',
    providers: [
      { specifier: 'google', displayName: 'Google', startUrl: '/google/start?token_url=https%3A%2F%2Fwww.example.com%2Fauth%3Fnext%3D%252Fhome&appId=abc' },
      { specifier: 'oidc:acme', displayName: HOSTILE, startUrl: '/oidc:acme/start?token_url=x' },
    ],
  };

  it('draws every provider as a link to its start URL, labelled for screen readers, drawn as the widget’s button', () => {
    const html = renderChooserPage(model);
    const links = [...html.matchAll(/<a class="or-provider" href="([^"]*)">/g)].map((m) => m[1]);
    expect(links).toEqual(['/google/start?token_url=https%3A%2F%2Fwww.example.com%2Fauth%3Fnext%3D%252Fhome&amp;appId=abc', '/oidc:acme/start?token_url=x']);
    expect(html).toContain('<span class="or-sr">Sign in with </span>Google</span>');
    expect(html).toContain('<span class="or-mark or-mark-google" aria-hidden="true">G</span>');
    expect(html).toContain('After signing in you return to <strong>www.example.com</strong>');
    expect(html).not.toContain('<form');
  });

  it('escapes the application and provider names', () => {
    const html = renderChooserPage(model);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(`<h1>Sign in to ${escapeHtml(HOSTILE)}</h1>`);
  });

  it('says so when the application has no sign-in provider', () => {
    const html = renderChooserPage({ ...model, providers: [] });
    expect(html).toContain('has not enabled any way to sign in');
    expect(html).not.toContain('<form');
  });

});

describe('popup result page', () => {
  const base = { nonce: 'n0nce', origin: 'https://www.example.com', tokenUrl: 'https://www.example.com/auth?next=%2Fhome&token=stale', postToTokenUrl: true };

  it('hands a token to the opener at its origin, with a POST to token_url as the fallback', () => {
    const html = renderPopupResultPage({ ...base, fields: { token: 'a'.repeat(40) } });
    expect(dataBlock(html)).toEqual({ origin: 'https://www.example.com', message: { openrain: 'signin', stat: 'ok', token: 'a'.repeat(40) } });
    expect(html).toContain('<form id="or-deliver" method="post" action="https://www.example.com/auth?next=%2Fhome&amp;token=stale">');
    expect(html).toContain(`<input type="hidden" name="token" value="${'a'.repeat(40)}">`);
    expect(html).toContain('o.postMessage(d.message,d.origin)');
  });

  it('carries the token_url query as fields when the fallback is a GET, without a stale token', () => {
    const html = renderPopupResultPage({ ...base, postToTokenUrl: false, fields: { token: 'b'.repeat(40) } });
    expect(html).toContain('<form id="or-deliver" method="get" action="https://www.example.com/auth">');
    expect(html).toContain('<input type="hidden" name="next" value="/home">');
    expect(html.match(/name="token"/g)).toHaveLength(1);
  });

  it('passes failures on and escapes what the provider said', () => {
    const html = renderPopupResultPage({ ...base, fields: { error: 'access_denied', error_description: HOSTILE } });
    expect(dataBlock(html).message).toEqual({ openrain: 'signin', stat: 'fail', error: 'access_denied', error_description: HOSTILE });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('<input type="hidden" name="error" value="access_denied">');
  });
});
