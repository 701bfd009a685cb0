import { isCalendarDate, isInstantWithZone } from './validation-decorators';

/** The rule as first written: a day is real when a round trip through `Date.UTC` gives it back. */
function roundTrips(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('isCalendarDate', () => {
  const YEARS = [0, 1, 50, 99, 100, 101, 1600, 1700, 1900, 1999, 2000, 2023, 2024, 2026, 2100, 2400, 9999];
  const dates = YEARS.flatMap((year) =>
    Array.from({ length: 14 * 33 }, (_, i) => `${pad(year, 4)}-${pad(Math.floor(i / 33), 2)}-${pad(i % 33, 2)}`),
  );

  it('gives the round trip through Date.UTC its answer on every day of leap, common and two-digit years', () => {
    const differing = dates.filter((date) => isCalendarDate(date) !== roundTrips(date));
    expect(differing).toEqual([]);
    // Both answers occur: 29 February of a leap year only, and no 31 April.
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2100-02-29')).toBe(false);
    expect(isCalendarDate('2000-02-29')).toBe(true);
    expect(isCalendarDate('2026-04-31')).toBe(false);
  });

  it.each([
    '2026-1-01',
    '2026-01-1',
    '20260101',
    ' 2026-01-01',
    '2026-01-01 ',
    '2026-01-01T00:00:00Z',
    '２０２６-01-01',
    '',
    20260101,
    null,
  ])('refuses %p, which is no YYYY-MM-DD', (value) => {
    expect(isCalendarDate(value)).toBe(false);
  });
});

describe('isInstantWithZone', () => {
  it.each([
    ['2026-03-02T10:00:00Z', true],
    ['2026-03-02T10:00Z', true],
    ['2026-03-02T10:00:00.123456789+05:30', true],
    ['2024-02-29T23:59:59-01:00', true],
    ['2026-02-29T10:00:00Z', false],
    ['2026-13-02T10:00:00Z', false],
    ['2026-03-02T25:00:00Z', false],
    ['2026-03-02T10:00:00', false],
    ['2026-03-02', false],
    ['0050-03-02T10:00:00Z', false],
  ])('answers %s with %s', (value, expected) => {
    expect(isInstantWithZone(value)).toBe(expected);
  });
});
