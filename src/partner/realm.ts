import { randomLowerAlnum } from '../crypto/secrets.js';
import type { Config } from '../config.js';

/** A realm is one DNS label: the application is served at `<realm>.<public host>`. */
export const REALM_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why `label` cannot be a realm, or undefined when it can. */
export function realmProblem(label: string): string | undefined {
  if (label.length < 2) return 'too short (at least 2 characters)';
  if (label.length > 63) return 'too long (at most 63 characters)';
  if (!REALM_PATTERN.test(label)) return 'only lowercase letters, digits and inner hyphens are allowed';
  return undefined;
}

/**
 * The realm label an operator gave. Sites migrating from Janrain naturally copy the realm host
 * Janrain answered (`example.rpxnow.com`), so that form and `<label>.<our public host>` are
 * accepted as well as the bare label; any other host is refused rather than silently cut.
 */
export function explicitRealmLabel(config: Config, given: string): string {
  const value = given.trim().toLowerCase();
  if (!value.includes('.')) return value;
  const publicHost = new URL(config.publicUrl).hostname.toLowerCase();
  for (const suffix of ['.rpxnow.com', `.${publicHost}`]) {
    if (value.endsWith(suffix)) return value.slice(0, -suffix.length);
  }
  return value;
}

/** A realm label made from an application's name or domain (`www.Example.com` → `example`). */
export function deriveRealmLabel(source: string): string {
  let text = source.trim().toLowerCase();
  if (text.includes('.') && !text.includes(' ')) {
    const labels = text.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').split(/[/:]/)[0].split('.').filter(Boolean);
    const meaningful = labels.filter((l, i) => !(i === 0 && l === 'www') && i < Math.max(1, labels.length - 1));
    text = (meaningful.length ? meaningful : labels).join('-');
  }
  const label = text
    .normalize('NFKD')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56)
    .replace(/-+$/, '');
  return label.length >= 2 ? label : `app${label}`;
}

/** The candidate after `base` is taken: a short random suffix keeps it within one label. */
export function realmWithSuffix(base: string): string {
  return `${base.slice(0, 56).replace(/-+$/, '')}-${randomLowerAlnum(6)}`;
}
