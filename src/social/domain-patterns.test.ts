import { describe, expect, it } from 'vitest';
import { normalizePattern, parsePattern, patternMatches, urlTarget } from './domain-patterns.js';

const matches = (pattern: string, url: string) => {
  const p = parsePattern(pattern);
  const t = urlTarget(url);
  return p !== undefined && t !== undefined && patternMatches(p, t);
};

describe('domain patterns', () => {
  it('accepts hosts, wildcard subdomains and ports, normalized to lower case', () => {
    expect(normalizePattern('localhost')).toBe('localhost');
    expect(normalizePattern(' Example.COM ')).toBe('example.com');
    expect(normalizePattern('*.example.com')).toBe('*.example.com');
    expect(normalizePattern('example.com:8443')).toBe('example.com:8443');
    expect(normalizePattern('127.0.0.1:3000')).toBe('127.0.0.1:3000');
  });

  it('rejects what is not a pattern', () => {
    for (const bad of ['', '*', '*.', 'exa mple.com', 'http://example.com', 'example.com/path', '-bad.com', 'a..b', 'ex*ample.com', 'example.com:0', 'example.com:70000', '*.*.example.com', `${'a'.repeat(64)}.com`])
      expect(normalizePattern(bad), bad).toBeUndefined();
  });

  it('matches a plain pattern exactly and a wildcard on subdomains only', () => {
    expect(matches('example.com', 'https://example.com/token')).toBe(true);
    expect(matches('example.com', 'https://www.example.com/token')).toBe(false);
    expect(matches('example.com', 'https://evil-example.com/')).toBe(false);
    expect(matches('*.example.com', 'https://www.example.com/')).toBe(true);
    expect(matches('*.example.com', 'https://a.b.example.com/')).toBe(true);
    expect(matches('*.example.com', 'https://example.com/')).toBe(false);
    expect(matches('*.example.com', 'https://example.com.evil.net/')).toBe(false);
  });

  it('honours ports when the pattern names one', () => {
    expect(matches('localhost', 'http://localhost:3000/cb')).toBe(true);
    expect(matches('localhost:3000', 'http://localhost:3000/cb')).toBe(true);
    expect(matches('localhost:3000', 'http://localhost:4000/cb')).toBe(false);
    expect(matches('example.com:443', 'https://example.com/')).toBe(true);
  });

  it('refuses URLs that are not http(s) or carry credentials', () => {
    expect(urlTarget('javascript:alert(1)')).toBeUndefined();
    expect(urlTarget('ftp://example.com/')).toBeUndefined();
    expect(urlTarget('https://user:pw@example.com/')).toBeUndefined();
    expect(urlTarget('not a url')).toBeUndefined();
  });
});
