import type { Complexity, FormatName } from './definition.js';

/**
 * The checks behind the validation rules. `format` follows the descriptions of Janrain's
 * predefined formats; where Janrain's documentation gives no expression (the phone and extended
 * formats) these are ours, and docs/flows.md says what each accepts.
 */

const digits = (v: string) => (v.match(/\d/g) ?? []).length;

const FORMATS: Record<FormatName, (value: string) => boolean> = {
  alpha: (v) => /^[A-Za-z]+$/.test(v),
  alphaExtended: (v) => /^[A-Za-z'-]+$/.test(v),
  alphaExtendedSpaces: (v) => /^[A-Za-z' -]+$/.test(v),
  alphaNumeric: (v) => /^[A-Za-z0-9]+$/.test(v),
  alphaNumericExtended: (v) => /^[A-Za-z0-9'_. -]+$/.test(v),
  email: (v) => v.length <= 254 && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(v),
  i18nAlphaNumeric: (v) => /^[\p{L}\p{M}\p{N}]+$/u.test(v),
  numeric: (v) => /^[0-9]+$/.test(v),
  numericReal: (v) => /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(v),
  phone: (v) => /^[0-9()+. -]+$/.test(v) && digits(v) >= 7 && digits(v) <= 15,
  phoneInternational: (v) => /^\+[0-9(). -]+$/.test(v) && digits(v) >= 8 && digits(v) <= 15,
  zipCode: (v) => /^\d{5}$/.test(v),
  'zipCode+4': (v) => /^\d{5}-\d{4}$/.test(v),
};

export function matchesFormat(format: FormatName, value: string): boolean {
  return FORMATS[format](value);
}

/** Length as users count it: code points, not UTF-16 units. */
export function characterCount(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

const CLASS_TESTS = {
  lowercase: /\p{Ll}/u,
  uppercase: /\p{Lu}/u,
  letters: /\p{L}/u,
  digits: /\p{Nd}/u,
  symbols: /[^\p{L}\p{Nd}\s]/u,
} as const;

/** Whether a password has at least the least counts of each character class the rule names. */
export function meetsComplexity(value: string, spec: Complexity): boolean {
  const chars = [...value];
  return (Object.keys(spec) as Array<keyof Complexity>).every((cls) => chars.filter((c) => CLASS_TESTS[cls].test(c)).length >= (spec[cls] ?? 0));
}

/** Whole years from a `YYYY-MM-DD` date to `now` (UTC calendar), as birthdays count them. */
export function yearsSince(date: string, now: Date): number {
  const [y, m, d] = date.split('-').map(Number);
  const ny = now.getUTCFullYear();
  const nm = now.getUTCMonth() + 1;
  const nd = now.getUTCDate();
  return ny - y - (nm < m || (nm === m && nd < d) ? 1 : 0);
}

// Patterns come from flow definitions (owners' input): compile each once.
const patterns = new Map<string, RegExp>();

export function matchesPattern(pattern: string, value: string): boolean {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    if (patterns.size > 1000) patterns.clear();
    patterns.set(pattern, re);
  }
  return re.test(value);
}
