/**
 * Janrain's normalised profile (Portable Contacts field names, as auth_info answers them) and
 * the helpers every provider's adapter uses to fill it from loosely typed provider documents.
 */

export interface JanrainName {
  formatted?: string;
  givenName?: string;
  familyName?: string;
  middleName?: string;
}

export interface JanrainAddress {
  formatted?: string;
  streetAddress?: string;
  locality?: string;
  region?: string;
  postalCode?: string;
  country?: string;
}

/** The members of Janrain's profile that Openrain fills (providerName is the catalog's). */
export interface JanrainProfileFields {
  identifier: string;
  displayName?: string;
  preferredUsername?: string;
  name?: JanrainName;
  email?: string;
  /** Present only when the provider says the address is verified. */
  verifiedEmail?: string;
  url?: string;
  photo?: string;
  gender?: string;
  /** `YYYY-MM-DD`, or `0000-MM-DD` when the year is unknown (Janrain's form). */
  birthday?: string;
  address?: JanrainAddress;
  /** `+HH:MM` / `-HH:MM`. */
  utcOffset?: string;
  phoneNumber?: string;
}

/** A profile as an adapter builds it: the fields plus provider-specific members Janrain reported (googleUserId, limitedData…). */
export type AdapterProfile = JanrainProfileFields & { [extra: string]: unknown };

/** auth_info's `profile`. */
export type JanrainProfile = AdapterProfile & { providerName: string };

export interface ContactEntry {
  displayName?: string;
  emails?: { type: string; value: string }[];
  urls?: { type: string; value: string }[];
  photos?: { type: string; value: string }[];
  accounts?: { domain: string; userid: string; username?: string }[];
}

export interface ContactsPage {
  startIndex: number;
  itemsPerPage: number;
  totalResults: number;
  entry: ContactEntry[];
}

/** A non-empty trimmed string, else undefined. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  return t === '' ? undefined : t;
}

/** The object at a key, else an empty one. */
export function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `true`, `"true"` (Apple and a few others send strings) → true. */
export function truthy(value: unknown): boolean {
  return value === true || value === 'true' || value === 1 || value === '1';
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function email(value: unknown): string | undefined {
  const e = str(value);
  return e && EMAIL.test(e) ? e : undefined;
}

/** A URL worth showing (http or https only, so that no `javascript:` reaches a site's page). */
export function httpUrl(value: unknown): string | undefined {
  const u = str(value);
  if (!u) return undefined;
  try {
    const parsed = new URL(u);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

export function gender(value: unknown): string | undefined {
  const g = str(value)?.toLowerCase();
  if (!g) return undefined;
  if (g === 'male' || g === 'm') return 'male';
  if (g === 'female' || g === 'f') return 'female';
  return g === 'n' || g === 'unknown' ? undefined : g;
}

/** Birthdays in the forms providers use → `YYYY-MM-DD` (`0000-MM-DD` without a year). */
export function birthday(value: unknown): string | undefined {
  const b = str(value);
  if (!b) return undefined;
  let m = /^(\d{4})-(\d{2})-(\d{2})/.exec(b);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(b); // Facebook: MM/DD/YYYY
  if (m) return `${m[3]}-${m[1]}-${m[2]}`;
  m = /^(\d{2})\/(\d{2})$/.exec(b); // Facebook without the year
  if (m) return `0000-${m[1]}-${m[2]}`;
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(b); // VK: D.M.YYYY
  if (m) return `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
  m = /^(\d{1,2})\.(\d{1,2})$/.exec(b);
  if (m) return `0000-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
  m = /^--(\d{2})-(\d{2})$/.exec(b); // vCard without a year
  if (m) return `0000-${m[1]}-${m[2]}`;
  return undefined;
}

/** A person's name from its parts; `formatted` defaults to "given family". */
export function personName(parts: { formatted?: unknown; givenName?: unknown; familyName?: unknown; middleName?: unknown }): JanrainName | undefined {
  const givenName = str(parts.givenName);
  const familyName = str(parts.familyName);
  const middleName = str(parts.middleName);
  const formatted = str(parts.formatted) ?? ([givenName, middleName, familyName].filter(Boolean).join(' ') || undefined);
  if (!formatted && !givenName && !familyName) return undefined;
  return compact({ formatted, givenName, familyName, middleName });
}

/** `+HH:MM` from minutes east of UTC. */
export function offsetFromMinutes(minutes: number): string | undefined {
  if (!Number.isFinite(minutes) || Math.abs(minutes) > 14 * 60) return undefined;
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(Math.round(minutes));
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The current UTC offset of an IANA time zone (`America/Los_Angeles` → `-08:00` or `-07:00`). */
export function offsetOfZone(zone: unknown, at: Date = new Date()): string | undefined {
  const z = str(zone);
  if (!z) return undefined;
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: z, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value;
    if (!part) return undefined;
    if (part === 'GMT') return '+00:00';
    const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(part);
    return m ? `${m[1]}${m[2]}:${m[3]}` : undefined;
  } catch {
    return undefined;
  }
}

export function address(parts: JanrainAddress): JanrainAddress | undefined {
  const a = compact({
    streetAddress: str(parts.streetAddress),
    locality: str(parts.locality),
    region: str(parts.region),
    postalCode: str(parts.postalCode),
    country: str(parts.country),
  });
  const formatted = str(parts.formatted) ?? ([a.streetAddress, a.locality, [a.region, a.postalCode].filter(Boolean).join(' '), a.country].filter(Boolean).join(', ') || undefined);
  if (!formatted) return undefined;
  return compact({ formatted, ...a });
}

/** Drops undefined members, so that answers carry only what the provider gave. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** Seconds since the epoch, as Janrain's `expires` fields carry them. */
export const epochSeconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.floor(ms / 1000));

/** OAuth 2.0 scopes as Janrain's comma-separated `scopes` member. */
export const scopeList = (scope: string | undefined): string | undefined =>
  scope
    ? scope
        .split(/[\s,]+/)
        .filter(Boolean)
        .join(',')
    : undefined;

/**
 * `merged_poco`: the Portable Contacts record of the same data (auth_info `extended=true`), with
 * plural emails, urls, photos, addresses and phone numbers as PoCo defines them.
 */
export function mergedPoco(profile: JanrainProfile): Record<string, unknown> {
  const emails: { type: string; value: string; primary?: boolean }[] = [];
  if (profile.email) emails.push({ type: 'other', value: profile.email, primary: true });
  const urls: { type: string; value: string }[] = [];
  if (profile.url) urls.push({ type: 'profile', value: profile.url });
  if (profile.identifier !== profile.url && /^https?:\/\//.test(profile.identifier)) urls.push({ type: 'other', value: profile.identifier });
  const photos = profile.photo ? [{ type: 'other', value: profile.photo }] : undefined;
  const addresses = profile.address ? [{ type: 'other', ...profile.address }] : undefined;
  const phoneNumbers = profile.phoneNumber ? [{ type: 'other', value: profile.phoneNumber }] : undefined;
  return compact({
    displayName: profile.displayName,
    preferredUsername: profile.preferredUsername,
    name: profile.name,
    gender: profile.gender,
    birthday: profile.birthday,
    utcOffset: profile.utcOffset,
    emails: emails.length ? emails : undefined,
    urls: urls.length ? urls : undefined,
    photos,
    addresses,
    phoneNumbers,
  });
}
