import { randomLowerAlnum } from '../../crypto/secrets.js';

/** The record a token or code is about, as copied into its row when it is issued. */
export interface TokenSubject {
  /** The record's global Janrain `id`. */
  id: number;
  uuid: string;
  typeName: string;
}

/**
 * Codes and creation tokens: 32 lowercase alphanumerics (about 165 bits). Janrain's own are
 * shorter (14–32); clients treat them as opaque text. Access and refresh tokens have the same
 * shape but begin with their time (crypto/time-ordered-tokens.ts).
 */
export function newSecretToken(): string {
  return randomLowerAlnum(32);
}

/** A family of refresh tokens (one per grant), never handed out. */
export function newFamily(): string {
  return randomLowerAlnum(24);
}

/** Seconds a caller may ask a token or code to live (`lifetime`): at most 30 days (ours). */
export const MAX_LIFETIME_SECONDS = 30 * 24 * 3600;

/**
 * How long the row of a dead token stays before a later grant sweeps it away (tokens.ts): an
 * expired access token is answered 414 (expired), not 402 (unknown), for a day; a spent refresh
 * token presented again within 30 days still revokes its family. Live refresh tokens stay.
 */
export const EXPIRED_ACCESS_KEPT_MS = 24 * 3600 * 1000;
export const SPENT_REFRESH_KEPT_MS = 30 * 24 * 3600 * 1000;

export function subjectColumns(subject: TokenSubject): { entity_id: number; entity_uuid: string; type_name: string } {
  return { entity_id: subject.id, entity_uuid: subject.uuid, type_name: subject.typeName };
}

export function subjectOfRow(row: { entity_id: number; entity_uuid: string; type_name: string }): TokenSubject {
  return { id: Number(row.entity_id), uuid: row.entity_uuid, typeName: row.type_name };
}
