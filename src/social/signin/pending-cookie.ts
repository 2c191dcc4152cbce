import { z } from 'zod';
import type { Sealer } from '../../crypto/sealer.js';

/**
 * The sign-in in progress lives in the browser that started it: a sealed (AES-GCM), HttpOnly,
 * SameSite=Lax cookie scoped to the provider's callback path. A callback arriving in another
 * browser, late, or with a forged cookie finds nothing it can use.
 */

export const PENDING_COOKIE = 'openrain_signin';
/** How long a person may spend at the provider before the sign-in must start again. */
export const PENDING_LIFETIME_MS = 10 * 60_000;

const pendingSchema = z.object({
  purpose: z.literal('social-signin'),
  /** The application's public appId. */
  app: z.string(),
  /** The canonical provider specifier; the callback path must name it. */
  provider: z.string(),
  tokenUrl: z.string(),
  /** `message`: a popup started by engage.js, answered by postMessage to `origin`. */
  delivery: z.discriminatedUnion('mode', [z.object({ mode: z.literal('redirect') }), z.object({ mode: z.literal('message'), origin: z.string() })]),
  redirectUri: z.string(),
  issuedAt: z.number(),
  /** What the upstream layer needs back at the callback (state, nonce, PKCE verifier…). */
  upstream: z.unknown(),
});

export type PendingState = z.infer<typeof pendingSchema>;

export type PendingRead = { ok: true; pending: PendingState } | { ok: false; problem: 'missing' | 'unreadable' | 'expired' };

interface CookieScope {
  path: string;
  secure: boolean;
}

function attributes(scope: CookieScope, maxAgeSeconds: number): string {
  return `Path=${scope.path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${scope.secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that stores a pending sign-in. */
export function pendingCookie(sealer: Sealer, pending: Omit<PendingState, 'purpose'>, scope: CookieScope): string {
  const value = sealer.seal(JSON.stringify({ purpose: 'social-signin', ...pending }));
  return `${PENDING_COOKIE}=${value}; ${attributes(scope, Math.ceil(PENDING_LIFETIME_MS / 1000))}`;
}

/** The Set-Cookie value that removes it once the callback has used it. */
export function clearedPendingCookie(scope: CookieScope): string {
  return `${PENDING_COOKIE}=; ${attributes(scope, 0)}`;
}

function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim());
  }
  return out;
}

/** The pending sign-in the request's cookies carry, or why there is none to use. */
export function readPending(sealer: Sealer, cookieHeader: string | undefined, now = Date.now()): PendingRead {
  const values = cookieValues(cookieHeader, PENDING_COOKIE).filter(Boolean);
  if (!values.length) return { ok: false, problem: 'missing' };
  let pending: PendingState | undefined;
  // Browsers send the most specific path first; any value we cannot open is ignored.
  for (const value of values) {
    try {
      const parsed = pendingSchema.safeParse(JSON.parse(sealer.open(value)));
      if (parsed.success) {
        pending = parsed.data;
        break;
      }
    } catch {
      // Forged, truncated, or sealed under another key.
    }
  }
  if (!pending) return { ok: false, problem: 'unreadable' };
  if (!(now - pending.issuedAt < PENDING_LIFETIME_MS) || pending.issuedAt > now + 60_000) return { ok: false, problem: 'expired' };
  return { ok: true, pending };
}
