/**
 * Whitelist patterns: `localhost`, `example.com`, `*.example.com`, each optionally with
 * `:port`. A plain pattern matches that host exactly; `*.` matches any subdomain (one or more
 * labels) but not the bare domain, so a site whitelists both when it wants both. A pattern
 * without a port matches every port.
 */
export interface DomainPattern {
  wildcard: boolean;
  host: string;
  port?: number;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The pattern in its stored form (lower case, trimmed), or undefined when it is not one. */
export function normalizePattern(text: string): string | undefined {
  const parsed = parsePattern(text);
  if (!parsed) return undefined;
  return `${parsed.wildcard ? '*.' : ''}${parsed.host}${parsed.port === undefined ? '' : `:${parsed.port}`}`;
}

export function parsePattern(text: string): DomainPattern | undefined {
  const value = text.trim().toLowerCase();
  const match = /^(\*\.)?([^:]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match) return undefined;
  const [, star, host, portText] = match;
  if (host.length > 253 || !host.split('.').every((label) => LABEL.test(label))) return undefined;
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (port < 1 || port > 65535) return undefined;
  }
  return { wildcard: star !== undefined, host, port };
}

/** The host (and effective port) a URL would send a browser to, for http(s) URLs only. */
export function urlTarget(url: string): { host: string; port: number } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  if (parsed.username || parsed.password) return undefined;
  const host = parsed.hostname.toLowerCase().replace(/\.$/, '');
  if (!host) return undefined;
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  return { host, port };
}

export function patternMatches(pattern: DomainPattern, target: { host: string; port: number }): boolean {
  if (pattern.port !== undefined && pattern.port !== target.port) return false;
  return pattern.wildcard ? target.host.endsWith(`.${pattern.host}`) : target.host === pattern.host;
}
