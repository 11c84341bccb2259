import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { isoOfTimestamptz, parseTimestamptz } from './timestamps.js';

const generic = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (text: string) => Date | number;
const same = (text: string) => {
  const fast = parseTimestamptz(text);
  const slow = generic(text);
  expect(fast instanceof Date ? fast.getTime() : fast, text).toEqual(
    slow instanceof Date ? slow.getTime() : slow,
  );
  if (slow instanceof Date) expect(isoOfTimestamptz(text), text).toBe(slow.toISOString());
};

describe('parseTimestamptz', () => {
  test('agrees with the driver on the shapes PostgreSQL sends', () => {
    for (const text of [
      '2026-11-23 00:52:35.168123+00',
      '2026-11-23 00:52:35+00',
      '2026-11-23 00:52:35.1+00',
      '2026-11-23 00:52:35.12+00',
      '2026-11-23 00:52:35.1234+00',
      '2026-11-23 00:52:35.999999-08',
      '2026-01-01 05:30:00.5+05:30',
      '1900-12-31 23:59:59.000001-00:25:21',
      '0099-03-01 10:00:00+00',
      '2000-01-01 00:00:00+00 BC',
      'infinity',
      '-infinity',
    ]) {
      same(text);
    }
    expect((parseTimestamptz('2026-11-23 00:52:35.168123+00') as Date).toISOString()).toBe(
      '2026-11-23T00:52:35.168Z',
    );
  });

  test('agrees with the driver on random instants and offsets', () => {
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 999_999 }),
        fc.oneof(fc.integer({ min: -15 * 60, max: 15 * 60 }), fc.constant(0)),
        fc.constantFrom(0, 1, 3, 6),
        (date, micros, offsetMinutes, fractionDigits) => {
          const local = new Date(date.getTime() + offsetMinutes * 60_000);
          const fraction = fractionDigits === 0 ? '' : `.${pad(micros, 6).slice(0, fractionDigits)}`;
          const abs = Math.abs(offsetMinutes);
          const offset = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.trunc(abs / 60))}${abs % 60 ? `:${pad(abs % 60)}` : ''}`;
          const text = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction}${offset}`;
          same(text);
        },
      ),
    );
  });
});
