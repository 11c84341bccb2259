/**
 * `timestamptz` values as the driver hands them to Roster. PostgreSQL sends `2026-11-23 00:52:35.168123+00`
 * (DateStyle ISO); the driver's generic parser runs three regular expressions per value, which was ~3% of a
 * list page's CPU (two timestamps per row). This reads the fixed positions of that shape and leaves every other
 * shape (BC years, years below 1000, `infinity`) to the generic parser, whose results it matches.
 */
import pg from 'pg';

const TIMESTAMPTZ: number = pg.types.builtins.TIMESTAMPTZ;
const generic = pg.types.getTypeParser(TIMESTAMPTZ) as (text: string) => Date | number;

/** Two ASCII digits at `at` as a number, NaN if they are not digits. */
function digits2(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

export function parseTimestamptz(text: string): Date | number {
  if (
    text.length < 22 ||
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== ' ' ||
    text[13] !== ':' ||
    text[16] !== ':' ||
    text[0] === '0' ||
    text.endsWith(' BC')
  ) {
    return generic(text);
  }
  // Milliseconds: the fraction's first three digits (the generic parser truncates the same way).
  let at = 19;
  let ms = 0;
  if (text[at] === '.') {
    let scale = 100;
    for (at++; at < text.length; at++) {
      const d = text.charCodeAt(at) - 48;
      if (d < 0 || d > 9) break;
      ms += d * scale;
      scale /= 10;
    }
    ms = Math.trunc(ms);
  }
  // Offset: +HH, +HH:MM or +HH:MM:SS, then the end.
  const sign = text[at] === '+' ? 1 : text[at] === '-' ? -1 : 0;
  const rest = text.length - at;
  if (sign === 0 || (rest !== 3 && rest !== 6 && rest !== 9)) return generic(text);
  const offset =
    digits2(text, at + 1) * 3600 +
    (rest >= 6 ? digits2(text, at + 4) * 60 : 0) +
    (rest === 9 ? digits2(text, at + 7) : 0);
  const time = Date.UTC(
    Number(text.slice(0, 4)),
    digits2(text, 5) - 1,
    digits2(text, 8),
    digits2(text, 11),
    digits2(text, 14),
    digits2(text, 17),
    ms,
  );
  const result = new Date(time - sign * offset * 1000);
  return Number.isNaN(result.getTime()) ? generic(text) : result;
}

/**
 * A `timestamptz`'s text as `Date.prototype.toISOString` writes it (`2026-11-23T00:52:35.168Z`), for responses that
 * take it straight from the database's text: in UTC (offset `+00`) that is a rearrangement of the characters; any
 * other shape goes through {@link parseTimestamptz}, so the two always agree.
 */
export function isoOfTimestamptz(text: string): string {
  if (
    text.length >= 22 &&
    text.endsWith('+00') &&
    text[4] === '-' &&
    text[7] === '-' &&
    text[10] === ' ' &&
    text[13] === ':' &&
    text[16] === ':' &&
    text[0] !== '0' &&
    (text.length === 22 || text[19] === '.')
  ) {
    const fraction = text.length === 22 ? '' : text.slice(20, Math.min(23, text.length - 3));
    if (/^\d*$/.test(fraction)) {
      return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction.padEnd(3, '0')}Z`;
    }
  }
  return new Date(parseTimestamptz(text)).toISOString();
}

/** The driver's type parsers with {@link parseTimestamptz} for `timestamptz` (text format). */
export const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ && format !== 'binary'
      ? parseTimestamptz
      : (pg.types.getTypeParser(oid, format ?? 'text') as unknown)) as pg.CustomTypesConfig['getTypeParser'],
};
