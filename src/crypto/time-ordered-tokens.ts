import { randomHex, randomLowerAlnum } from './secrets.js';

// A token of uniform randomness is found through an index on its digest, and every token issued
// or spent then dirties an index page in a random place: SQLite writes each such page whole to
// the WAL at commit, so a group commit of 26 spent auth_info tokens wrote ~30 pages where the
// table itself needed a few (~0.75 ms instead of ~0.25 ms per commit). These tokens begin with
// the millisecond they were issued: their rows are found by a selector (that time and a little
// randomness) whose index grows at one end, as the table does, and proven by the digest of the
// whole token, which is stored but no longer indexed. The time is in milliseconds so that tokens
// made in a burst (an import, a benchmark's pool) still sit in the index in the order made.

/** Characters of a token that make its selector: its time and 3 (hex) or 5 (base 36) random ones. */
export const SELECTOR_LENGTH = 14;

/**
 * 40 lowercase hex characters: 11 of the issuing millisecond (until the year 2527), then 29
 * random ones (116 bits): sign-in tokens.
 */
export function timeOrderedHexToken(): string {
  return Date.now().toString(16).padStart(11, '0') + randomHex(15).slice(1);
}

/**
 * 32 lowercase letters and digits: 9 of the issuing millisecond (base 36, fixed width, so that
 * text order is time order), then 23 random ones (about 119 bits): OAuth access and refresh tokens.
 */
export function timeOrderedAlnumToken(): string {
  return Date.now().toString(36).padStart(9, '0') + randomLowerAlnum(23);
}

/** The stored selector that finds a token's row; the row is the token's only if the digest matches too. */
export function selectorOf(token: string): string {
  return token.slice(0, SELECTOR_LENGTH);
}
