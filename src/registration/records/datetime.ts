/**
 * Registration dates and times (NOTES.md §5). Janrain shows microseconds
 * (`2016-04-20 17:02:18.649505 +0000`) and JS Date only keeps milliseconds, so an instant is
 * whole seconds since the epoch plus a microsecond part, with our own calendar arithmetic
 * (proleptic Gregorian, years 0001–9999) rather than Date's.
 *
 * Accepted inputs (no zone means UTC; letters in any case):
 *   YYYY-MM-DD
 *   YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][zone]
 *   zone: Z | UTC | GMT | ±HH | ±HHMM | ±HH:MM, optionally after a space
 * Fractions longer than 6 digits are truncated to microseconds.
 */

export interface Instant {
  /** Whole seconds since 1970-01-01T00:00:00Z (may be negative). */
  readonly seconds: number;
  /** 0–999999. */
  readonly micros: number;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt]|\s+)(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(?:([Zz]|UTC|GMT|utc|gmt)|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** Parses any accepted date or date-time text into an instant; undefined when it is not one (or names an impossible date). */
export function parseDateTime(text: string): Instant | undefined {
  const input = text.trim();
  const d = DATE_ONLY.exec(input);
  if (d) {
    const days = civilDays(+d[1], +d[2], +d[3]);
    return days === undefined ? undefined : { seconds: days * 86400, micros: 0 };
  }
  const m = DATE_TIME.exec(input);
  if (!m) return undefined;
  const days = civilDays(+m[1], +m[2], +m[3]);
  const hour = +m[4];
  const minute = +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  if (days === undefined || hour > 23 || minute > 59 || second > 59) return undefined;
  const micros = m[7] === undefined ? 0 : +m[7].slice(0, 6).padEnd(6, '0');
  let offset = 0;
  if (m[9] !== undefined) {
    const oh = +m[10];
    const om = m[11] === undefined ? 0 : +m[11];
    if (oh > 23 || om > 59) return undefined;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  // A zone can push 0001-01-01 or 9999-12-31 outside the four-digit years every output form assumes.
  if (seconds < FIRST_SECOND || seconds > LAST_SECOND) return undefined;
  return { seconds, micros };
}

/** Parses a `date` attribute value: `YYYY-MM-DD`, or any date-time (its UTC calendar day). Returns the canonical `YYYY-MM-DD`. */
export function parseDate(text: string): string | undefined {
  const instant = parseDateTime(text);
  return instant === undefined ? undefined : formatDate(instant);
}

/** The stored dateTime form: fixed length, always 6 fraction digits, UTC, so that text order is time order. */
export function formatStoredDateTime(instant: Instant): string {
  return `${formatDate(instant)} ${clock(instant)}.${pad(instant.micros, 6)} +0000`;
}

/** How a dateTime attribute reads back: `2001-01-01 17:33:39 +0000`, with `.ffffff` only when there is a fraction. */
export function formatDateTimeOutput(instant: Instant): string {
  const fraction = instant.micros === 0 ? '' : `.${pad(instant.micros, 6)}`;
  return `${formatDate(instant)} ${clock(instant)}${fraction} +0000`;
}

/** How `created` / `lastUpdated` read back: always 6 fraction digits, `2016-04-20 17:02:18.649505 +0000`. */
export function formatTimestampOutput(instant: Instant): string {
  return formatStoredDateTime(instant);
}

/** The UTC calendar day, `YYYY-MM-DD`. */
export function formatDate(instant: Instant): string {
  const { year, month, day } = civilFromDays(Math.floor(instant.seconds / 86400));
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Epoch microseconds, the unit of the `created` / `last_updated` columns. Throws outside ±2^53 µs (years ~1685–2255). */
export function toEpochMicros(instant: Instant): number {
  const value = instant.seconds * 1_000_000 + instant.micros;
  if (!Number.isSafeInteger(value)) throw new RangeError('instant out of range for epoch microseconds');
  return value;
}

export function fromEpochMicros(value: number): Instant {
  const seconds = Math.floor(value / 1_000_000);
  return { seconds, micros: value - seconds * 1_000_000 };
}

/** Epoch microseconds as the columns hold them, for the rows a caller is writing now. */
export function nowEpochMicros(): number {
  // Date.now() is the wall clock; performance.now()'s sub-millisecond digits keep the µs part from always being 000.
  const subMillis = Math.floor((performance.now() % 1) * 1000);
  return Date.now() * 1000 + subMillis;
}

export function nowInstant(): Instant {
  return fromEpochMicros(nowEpochMicros());
}

/** Whether `a` is before (<0), equal to (0) or after (>0) `b`. */
export function compareInstants(a: Instant, b: Instant): number {
  return a.seconds - b.seconds || a.micros - b.micros;
}

function clock(instant: Instant): string {
  const secondOfDay = instant.seconds - Math.floor(instant.seconds / 86400) * 86400;
  return `${pad(Math.floor(secondOfDay / 3600), 2)}:${pad(Math.floor(secondOfDay / 60) % 60, 2)}:${pad(secondOfDay % 60, 2)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const FIRST_SECOND = -62135596800; // 0001-01-01T00:00:00Z
const LAST_SECOND = 253402300799; // 9999-12-31T23:59:59Z

/** Days since 1970-01-01 of a valid calendar date (Hinnant's days_from_civil), undefined for impossible ones. */
function civilDays(year: number, month: number, day: number): number | undefined {
  if (year < 1 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > (month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1])) return undefined;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}
