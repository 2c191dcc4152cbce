/**
 * How a provider's sign-in button looks, shared by engage.js and the hosted chooser: a text
 * mark in the provider's colour (no images, fonts or other third-party assets) beside its name.
 * The mark is decorative; the button's name is its text.
 */

export interface ProviderMark {
  /** One or two characters drawn in the mark. */
  text: string;
  background: string;
  color: string;
}

const MARKS: Readonly<Record<string, ProviderMark>> = {
  google: { text: 'G', background: '#1a73e8', color: '#fff' },
  microsoft: { text: 'M', background: '#2f2f2f', color: '#fff' },
  apple: { text: 'A', background: '#000', color: '#fff' },
  yahoo: { text: 'Y!', background: '#6001d2', color: '#fff' },
  linkedin: { text: 'in', background: '#0a66c2', color: '#fff' },
  salesforce: { text: 'S', background: '#0176d3', color: '#fff' },
  paypal: { text: 'P', background: '#003087', color: '#fff' },
  line: { text: 'L', background: '#06813b', color: '#fff' },
  facebook: { text: 'f', background: '#1877f2', color: '#fff' },
  twitter: { text: 'X', background: '#000', color: '#fff' },
  amazon: { text: 'a', background: '#232f3e', color: '#ff9900' },
  vk: { text: 'VK', background: '#0077ff', color: '#fff' },
  odnoklassniki: { text: 'OK', background: '#f7931e', color: '#1d1d1f' },
  wordpress: { text: 'W', background: '#21759b', color: '#fff' },
  disqus: { text: 'D', background: '#1e73be', color: '#fff' },
  sinaweibo: { text: 'Wb', background: '#d52b1e', color: '#fff' },
  tumblr: { text: 't', background: '#001935', color: '#fff' },
  soundcloud: { text: 'SC', background: '#ff5500', color: '#1d1d1f' },
  github: { text: 'GH', background: '#24292f', color: '#fff' },
  discord: { text: 'D', background: '#5865f2', color: '#fff' },
};

/** The class that colours a provider's mark; specifiers of configured providers may be anything. */
export function markClass(specifier: string): string {
  return `or-mark-${specifier.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

/** The mark of a provider; unknown ones (an application's own providers) get their initial in grey. */
export function providerMark(specifier: string, displayName: string): ProviderMark {
  const known = MARKS[specifier.toLowerCase()];
  if (known) return known;
  const initial = [...displayName.trim()][0]?.toUpperCase() ?? '?';
  return { text: initial, background: '#5b5b66', color: '#fff' };
}

const MARK_CSS = Object.entries(MARKS)
  .map(([specifier, mark]) => `.${markClass(specifier)}{background:${mark.background};color:${mark.color}}`)
  .join('');

/** Button styles; the colours come from the theme's custom properties. */
export const PROVIDER_CSS =
  '.or-providers{list-style:none;margin:0;padding:0;display:grid;gap:.5rem}' +
  '.or-providers li{margin:0}' +
  '.or-provider{display:flex;align-items:center;gap:.75rem;width:100%;min-height:44px;margin:0;padding:.4rem .9rem .4rem .45rem;' +
  'font:inherit;font-size:1rem;font-weight:600;line-height:1.25;text-align:left;text-decoration:none;color:var(--or-fg);' +
  'background:var(--or-card);border:1px solid var(--or-line);border-radius:8px;cursor:pointer}' +
  '.or-provider:hover{background:var(--or-hover);border-color:var(--or-muted)}' +
  '.or-provider:focus-visible{outline:3px solid var(--or-focus);outline-offset:2px}' +
  '.or-provider[aria-busy=true]{cursor:progress}' +
  '.or-mark{flex:none;display:inline-flex;align-items:center;justify-content:center;width:32px;height:32px;border-radius:6px;' +
  'font-size:.85rem;font-weight:700;letter-spacing:-.02em;color:#fff;background:#5b5b66}' +
  '.or-label{flex:1}' +
  '.or-badge{flex:none;font-size:.75rem;font-weight:500;color:var(--or-muted)}' +
  '.or-sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}' +
  MARK_CSS;
