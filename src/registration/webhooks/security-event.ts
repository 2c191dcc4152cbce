import { SignJWT } from 'jose';
import type { EventKind } from './tables.js';
import type { SigningKey } from './signing-keys.js';

/**
 * A record event as a Security Event Token (RFC 8417) in the shape Janrain's webhooks send
 * (NOTES.md §9): identifiers and changed attribute paths only, never attribute values.
 */

export const SET_MEDIA_TYPE = 'application/secevent+jwt';

const EVENT_NAMES: Record<EventKind, string> = { ADD: 'entityCreated', UPDATE: 'entityUpdated', DELETE: 'entityDeleted' };

export interface RecordEvent {
  jti: string;
  changeId: string;
  kind: EventKind;
  entityType: string;
  entityUuid: string;
  attributes: string[] | null;
  clientId: string | null;
  /** Epoch ms. */
  occurredAt: number;
}

export interface Issuer {
  /** `iss`: `<public URL>/webhooks/<appId>`. */
  issuer: string;
  /** The Registration host, as in globalSub. */
  captureDomain: string;
  captureApplicationId: string;
}

export function eventClaims(event: RecordEvent, issuer: Issuer, audience: string, now = Date.now()) {
  const body: Record<string, unknown> = {
    captureApplicationId: issuer.captureApplicationId,
    ...(event.clientId ? { captureClientId: event.clientId } : {}),
    entityType: event.entityType,
    globalSub: `capture-v1://${issuer.captureDomain}/${issuer.captureApplicationId}/${event.entityType}/${event.entityUuid}`,
    sub: event.entityUuid,
    ...(event.attributes ? { attributes: event.attributes } : {}),
    id: event.changeId,
  };
  return {
    iss: issuer.issuer,
    aud: audience,
    iat: Math.floor(now / 1000),
    jti: event.jti,
    toe: Math.floor(event.occurredAt / 1000),
    events: { [EVENT_NAMES[event.kind]]: body },
  };
}

export function signEvent(key: SigningKey, claims: ReturnType<typeof eventClaims>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'secevent+jwt' }).sign(key.privateKey);
}
