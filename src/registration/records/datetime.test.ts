import { describe, expect, it } from 'vitest';
import {
  compareInstants,
  formatDate,
  formatDateTimeOutput,
  formatStoredDateTime,
  formatTimestampOutput,
  fromEpochMicros,
  nowEpochMicros,
  parseDate,
  parseDateTime,
  toEpochMicros,
} from './datetime.js';

const stored = (text: string) => {
  const instant = parseDateTime(text);
  return instant && formatStoredDateTime(instant);
};

describe('parseDateTime', () => {
  it.each([
    ['2001-01-01', '2001-01-01 00:00:00.000000 +0000'],
    ['2001-01-01T17:33', '2001-01-01 17:33:00.000000 +0000'],
    ['2001-01-01T17:33:39', '2001-01-01 17:33:39.000000 +0000'],
    ['2001-01-01T17:33:39Z', '2001-01-01 17:33:39.000000 +0000'],
    ['2001-01-01t17:33:39z', '2001-01-01 17:33:39.000000 +0000'],
    ['2001-01-01T17:33:39.5Z', '2001-01-01 17:33:39.500000 +0000'],
    ['2001-01-01T17:33:39.123456789+00:00', '2001-01-01 17:33:39.123456 +0000'],
    ['2001-01-01T17:33:39+02:00', '2001-01-01 15:33:39.000000 +0000'],
    ['2001-01-01T01:00:00-0230', '2001-01-01 03:30:00.000000 +0000'],
    ['2001-01-01T23:00:00-05', '2001-01-02 04:00:00.000000 +0000'],
    ['2001-01-01 17:33:39 +0000', '2001-01-01 17:33:39.000000 +0000'],
    ['2016-04-20 17:02:18.649505 +0000', '2016-04-20 17:02:18.649505 +0000'],
    ['2016-04-20 17:02:18.649505', '2016-04-20 17:02:18.649505 +0000'],
    ['2016-04-20 17:02:18 UTC', '2016-04-20 17:02:18.000000 +0000'],
    ['2000-03-01T00:30:00+01:00', '2000-02-29 23:30:00.000000 +0000'],
    ['1900-02-28 12:00:00', '1900-02-28 12:00:00.000000 +0000'],
    ['1969-12-31 23:59:59.999999 +0000', '1969-12-31 23:59:59.999999 +0000'],
    ['0001-01-01', '0001-01-01 00:00:00.000000 +0000'],
    ['9999-12-31T23:59:59.999999Z', '9999-12-31 23:59:59.999999 +0000'],
    ['  2001-01-01  ', '2001-01-01 00:00:00.000000 +0000'],
  ])('%s → %s', (input, expected) => {
    expect(stored(input)).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    '2001-02-30',
    '1900-02-29',
    '2001-13-01',
    '2001-00-10',
    '2001-01-00',
    '2001-01-32',
    '0000-01-01',
    '2001-1-1',
    '01-01-2001',
    '2001-01-01T24:00',
    '2001-01-01T12:60',
    '2001-01-01T12:00:60',
    '2001-01-01T12:00:00+24:00',
    '2001-01-01T12:00:00+0160',
    '2001-01-01T12:00:00.',
    '2001-01-01T12',
    '2001-01-01 12:00:00 +0000 extra',
    '0001-01-01T00:00:00+01:00',
    '9999-12-31T23:00:00-01:00',
    '2001-01-01T12:00:00.1234567890',
  ])('rejects %j', (input) => {
    expect(parseDateTime(input)).toBeUndefined();
  });

  it('knows leap years', () => {
    expect(stored('2000-02-29')).toBe('2000-02-29 00:00:00.000000 +0000');
    expect(stored('2024-02-29')).toBe('2024-02-29 00:00:00.000000 +0000');
    expect(parseDateTime('2023-02-29')).toBeUndefined();
    expect(parseDateTime('2100-02-29')).toBeUndefined();
  });

  it('agrees with Date on millisecond instants across the whole range', () => {
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor((Math.random() * 2 - 1) * 8e15) - (Math.random() < 0.5 ? 0 : 62e12);
      const iso = new Date(ms).toISOString();
      if (!/^\d{4}-/.test(iso)) continue;
      const instant = parseDateTime(iso)!;
      expect(instant.seconds * 1000 + instant.micros / 1000).toBe(ms);
      expect(formatStoredDateTime(instant).slice(0, 23)).toBe(iso.slice(0, 23).replace('T', ' '));
    }
  });
});

describe('formats', () => {
  const instant = parseDateTime('2016-04-20T17:02:18.649505Z')!;
  it('formats stored, output, timestamp and date forms', () => {
    expect(formatStoredDateTime(instant)).toBe('2016-04-20 17:02:18.649505 +0000');
    expect(formatTimestampOutput(instant)).toBe('2016-04-20 17:02:18.649505 +0000');
    expect(formatDateTimeOutput(instant)).toBe('2016-04-20 17:02:18.649505 +0000');
    expect(formatDateTimeOutput(parseDateTime('2001-01-01 17:33:39')!)).toBe('2001-01-01 17:33:39 +0000');
    expect(formatTimestampOutput(parseDateTime('2001-01-01 17:33:39')!)).toBe('2001-01-01 17:33:39.000000 +0000');
    expect(formatDate(instant)).toBe('2016-04-20');
  });

  it('converts to and from epoch microseconds, before and after 1970', () => {
    expect(toEpochMicros(instant)).toBe(1461171738649505);
    expect(fromEpochMicros(1461171738649505)).toEqual(instant);
    const before = parseDateTime('1969-12-31 23:59:59.000001')!;
    expect(toEpochMicros(before)).toBe(-999999);
    expect(fromEpochMicros(-999999)).toEqual(before);
    expect(() => toEpochMicros(parseDateTime('9999-01-01')!)).toThrow(RangeError);
  });

  it('parses dates to their UTC calendar day', () => {
    expect(parseDate('2001-01-31')).toBe('2001-01-31');
    expect(parseDate('2001-01-31T23:30:00-01:00')).toBe('2001-02-01');
    expect(parseDate('2001-02-31')).toBeUndefined();
    expect(parseDate('31/01/2001')).toBeUndefined();
  });

  it('stored forms sort as text in time order', () => {
    const texts = ['1999-12-31 23:59:59.999999', '2000-01-01', '2000-01-01 00:00:00.000001', '2016-04-20T17:02:18+05:00', '2016-04-20T17:02:18Z'];
    const instants = texts.map((t) => parseDateTime(t)!);
    const byTime = [...instants].sort(compareInstants).map(formatStoredDateTime);
    const byText = instants.map(formatStoredDateTime).sort();
    expect(byText).toEqual(byTime);
  });

  it('takes the current time with microseconds close to Date.now()', () => {
    const now = nowEpochMicros();
    expect(Number.isSafeInteger(now)).toBe(true);
    expect(Math.abs(now / 1000 - Date.now())).toBeLessThan(1000);
  });
});
